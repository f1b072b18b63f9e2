// npm run dev: .dev.vars, local database (started and migrated), then the Vite dev server with the
// Worker, Durable Objects, Queues and R2 running in workerd. Ctrl-C stops everything started here.
import { runForeground, startLocalStack } from "./local-stack.ts";

try {
  const stack = await startLocalStack();
  console.log("• App: http://localhost:5173  (Ctrl-C stops the app and the database server)");
  runForeground("react-router", ["dev"], stack);
} catch (error) {
  console.error(`✗ ${(error as Error).message}`);
  process.exit(1);
}
