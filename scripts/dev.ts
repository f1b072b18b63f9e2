// npm run dev: .dev.vars, local database (started and migrated), the offline demo model when no AI
// provider is configured, then the Vite dev server with the Worker, Durable Objects, Queues and R2
// running in workerd. The app listens on APP_URL's port (.dev.vars). Ctrl-C stops everything started here.
import { runForeground, startLocalStack } from "./local-stack.ts";

try {
  const stack = await startLocalStack({ demoModel: true });
  const appUrl = new URL(stack.vars.APP_URL || "http://localhost:5173");
  const port = appUrl.port || "5173";
  console.log(`• App: http://localhost:${port}  (Ctrl-C stops the app and the servers started here)`);
  runForeground("react-router", ["dev", "--port", port], stack);
} catch (error) {
  console.error(`✗ ${(error as Error).message}`);
  process.exit(1);
}
