// npm run preview: the production build (made by `npm run build` just before) served by `wrangler dev`,
// with the same local database as `npm run dev`.
import { runForeground, startLocalStack } from "./local-stack.ts";

const port = process.env.PORT ?? "8787";
try {
  const stack = await startLocalStack();
  console.log(`• App (production build): http://localhost:${port}`);
  runForeground("wrangler", ["dev", "--port", port, "--var", `APP_URL:http://localhost:${port}`], stack);
} catch (error) {
  console.error(`✗ ${(error as Error).message}`);
  process.exit(1);
}
