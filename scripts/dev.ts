// npm run dev: .dev.vars, local database (started and migrated), then the Vite dev server with the
// Worker, Durable Objects, Queues and R2 running in workerd. Ctrl-C stops everything it started.
import { createServer } from "node:net";
import { runForeground, startLocalStack } from "./local-stack.ts";

// vite.config.ts serves on this port with strictPort, and APP_URL in .dev.vars names it.
const APP_PORT = 5173;

try {
  if (!(await portIsFree(APP_PORT))) {
    console.error(`✗ Port ${APP_PORT} is taken: is another \`npm run dev\` running? Stop it and try again.`);
    process.exit(1);
  }
  const stack = await startLocalStack();
  console.log(`• App: http://localhost:${APP_PORT}  (Ctrl-C stops the app and the database server)`);
  console.log("• Request log lines are off in development: set LOG_REQUESTS=1 in .dev.vars to see them.");
  runForeground("react-router", ["dev"], stack);
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
