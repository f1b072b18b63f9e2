// npm run dev: .dev.vars, local database (started and migrated), the offline demo model when no AI
// provider is configured, then the Vite dev server with the Worker, Durable Objects, Queues and R2
// running in workerd. The app listens on APP_URL's port (.dev.vars). Ctrl-C stops everything started here.
import { createServer } from "node:net";
import { runForeground, startLocalStack } from "./local-stack.ts";

try {
  const stack = await startLocalStack({ demoModel: true });
  const port = Number(new URL(stack.vars.APP_URL || "http://localhost:5173").port || 5173);
  if (!(await portIsFree(port))) {
    await stack.stop();
    console.error(`✗ Port ${port} is taken: is another \`npm run dev\` running? Stop it and try again.`);
    process.exit(1);
  }
  console.log(`• App: http://localhost:${port}  (Ctrl-C stops the app and the servers started here)`);
  console.log("• Request log lines are off in development: set LOG_REQUESTS=1 in .dev.vars to see them.");
  runForeground("react-router", ["dev", "--port", String(port)], stack);
} catch (error) {
  console.error(`✗ ${(error as Error).message}`);
  process.exit(1);
}

/** Whether we could listen on `port` (as Vite will, on localhost). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "localhost", () => probe.close(() => resolve(true)));
  });
}
