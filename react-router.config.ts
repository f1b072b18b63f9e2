import type { Config } from "@react-router/dev/config";

export default {
  // Every page renders on the server; forms work before (and without) JavaScript.
  ssr: true,
} satisfies Config;
