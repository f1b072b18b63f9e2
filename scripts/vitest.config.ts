// The Node-side scripts' own tests (the offline demo model server): Node environment, real `openai` SDK.
//   npx vitest run --config scripts/vitest.config.ts
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  test: {
    environment: "node",
    include: ["scripts/**/*.test.ts"],
    testTimeout: 20_000,
  },
});
