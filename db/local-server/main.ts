// The local libSQL server as a command:
//   node db/local-server/main.ts [--port 8880] [--file .data/alva.db] [--statement-timeout-ms 5000]
//                                [--max-response-bytes 10485760] [--max-streams 128]
// Defaults come from LOCAL_DB_PORT / LOCAL_DB_FILE, then the port of TURSO_DATABASE_URL in .dev.vars
// (8880) / .data/alva.db; the limits from LOCAL_DB_STATEMENT_TIMEOUT_MS, LOCAL_DB_MAX_RESPONSE_BYTES and
// LOCAL_DB_MAX_STREAMS, then the server's defaults. The bearer token required is LOCAL_DB_AUTH_TOKEN,
// else .dev.vars' TURSO_AUTH_TOKEN, so the app finds a server started this way ready to use. Stops on
// SIGINT / SIGTERM.
import { parseArgs } from "node:util";
import { readDevVars } from "../../scripts/dev-vars.ts";
import { DEFAULT_LIMITS, startLocalDbServer } from "./server.ts";

const usage =
  "usage: node db/local-server/main.ts [--port 8880] [--file .data/alva.db] " +
  `[--statement-timeout-ms ${DEFAULT_LIMITS.statementTimeoutMs}] [--max-response-bytes ${DEFAULT_LIMITS.maxResponseBytes}] ` +
  `[--max-streams ${DEFAULT_LIMITS.maxStreams}]`;

let values: {
  port?: string;
  file?: string;
  "statement-timeout-ms"?: string;
  "max-response-bytes"?: string;
  "max-streams"?: string;
  help?: boolean;
};
try {
  ({ values } = parseArgs({
    options: {
      port: { type: "string", short: "p" },
      file: { type: "string", short: "f" },
      "statement-timeout-ms": { type: "string" },
      "max-response-bytes": { type: "string" },
      "max-streams": { type: "string" },
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

/** A positive whole number from the flag, else the environment variable, else the server's default. */
function limit(flag: keyof typeof values, envName: string, fallback: number): number {
  const text = (values[flag] as string | undefined) ?? process.env[envName];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    console.error(`Invalid --${flag} ${JSON.stringify(text)}: a positive whole number is needed\n${usage}`);
    process.exit(2);
  }
  return value;
}
const statementTimeoutMs = limit(
  "statement-timeout-ms",
  "LOCAL_DB_STATEMENT_TIMEOUT_MS",
  DEFAULT_LIMITS.statementTimeoutMs,
);
const maxResponseBytes = limit("max-response-bytes", "LOCAL_DB_MAX_RESPONSE_BYTES", DEFAULT_LIMITS.maxResponseBytes);
const maxStreams = limit("max-streams", "LOCAL_DB_MAX_STREAMS", DEFAULT_LIMITS.maxStreams);

const server = await startLocalDbServer({
  file,
  port,
  authToken: process.env.LOCAL_DB_AUTH_TOKEN || devVars.TURSO_AUTH_TOKEN || undefined,
  statementTimeoutMs,
  maxResponseBytes,
  maxStreams,
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
