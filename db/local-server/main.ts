// The local libSQL server as a command:
//   node db/local-server/main.ts [--port 8880] [--file .data/alva.db]
// Defaults come from LOCAL_DB_PORT / LOCAL_DB_FILE, then the port of TURSO_DATABASE_URL in .dev.vars
// (8880) / .data/alva.db. The bearer token required is LOCAL_DB_AUTH_TOKEN, else .dev.vars'
// TURSO_AUTH_TOKEN, so the app finds a server started this way ready to use. Stops on SIGINT / SIGTERM.
import { parseArgs } from "node:util";
import { readDevVars } from "../../scripts/dev-vars.ts";
import { startLocalDbServer } from "./server.ts";

const usage = "usage: node db/local-server/main.ts [--port 8880] [--file .data/alva.db]";

let values: { port?: string; file?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      port: { type: "string", short: "p" },
      file: { type: "string", short: "f" },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}

const devVars = readDevVars();
const devVarsPort = devVars.TURSO_DATABASE_URL ? new URL(devVars.TURSO_DATABASE_URL).port : "";
const portText = values.port ?? process.env.LOCAL_DB_PORT ?? (devVarsPort || "8880");
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`Invalid port ${JSON.stringify(portText)}\n${usage}`);
  process.exit(2);
}
const file = values.file ?? process.env.LOCAL_DB_FILE ?? ".data/alva.db";

const server = await startLocalDbServer({
  file,
  port,
  authToken: process.env.LOCAL_DB_AUTH_TOKEN || devVars.TURSO_AUTH_TOKEN || undefined,
  log: (line) => console.error(`[local-db] ${line}`),
}).catch((error: unknown) => {
  console.error(`Could not start the libSQL server: ${(error as Error).message}`);
  process.exit(1);
});

console.log(`libSQL server listening on ${server.url} (file ${file})`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  server.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`Error while stopping after ${signal}: ${(error as Error).message}`);
      process.exit(1);
    },
  );
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
