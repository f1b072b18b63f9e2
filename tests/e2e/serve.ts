// The server the e2e tests run against: a fresh local libSQL database (temporary file, migrated) and
// the production build in workerd via `wrangler dev`. Playwright starts it and stops it (SIGTERM).
//   node tests/e2e/serve.ts 8799         an instance already set up (every spec but setup.spec.ts)
//   node tests/e2e/serve.ts 8798 fresh   a fresh instance that has not been set up (setup.spec.ts)
// The set-up instance also gets the fake OAuth provider (tests/fake-oauth/server.ts) on
// E2E_FAKE_OAUTH_PORT (default 8797), with GitHub, Google and Apple sign-in pointed at it.
// Both get the offline demo model (scripts/demo-model.ts) as their AI provider, as `npm run dev` does
// without a key, so plans can be generated end to end.
// With E2E_STATE_DIR set, the database, the Durable Objects' storage and the secrets live in that
// directory and outlive the process: started again on it, the server is the same instance restarted
// (sessions stay valid), for tests/e2e/chat-restart.spec.ts. Without it, everything is temporary.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_MODEL } from "../../app/ai/provider.server.ts";
import { startLocalDbServer } from "../../db/local-server/server.ts";
import { migrateDatabase } from "../../db/migrate.ts";
import { startDemoModel } from "../../scripts/demo-model.ts";
import { generateSigningJwk } from "../../scripts/dev-vars.ts";
import { markInstanceSetUp, seedAdmin } from "./seed.ts";

const port = process.argv[2] ?? "8799";
const fresh = process.argv[3] === "fresh";
const stateDir = process.env.E2E_STATE_DIR;
if (stateDir) mkdirSync(stateDir, { recursive: true });
const dir = stateDir ?? mkdtempSync(join(tmpdir(), "alva-e2e-"));
const secretsFile = join(dir, "secrets.json");
const restarted = stateDir !== undefined && existsSync(secretsFile);
const secrets: { authToken: string; sessionSecret: string; apiSigningKey: string } = restarted
  ? JSON.parse(readFileSync(secretsFile, "utf8"))
  : {
      authToken: randomBytes(24).toString("base64url"),
      sessionSecret: randomBytes(32).toString("base64url"),
      apiSigningKey: generateSigningJwk(),
    };
const { authToken } = secrets;
const database = await startLocalDbServer({ file: join(dir, "e2e.db"), port: 0, authToken });
await migrateDatabase({ url: database.url, authToken });
if (!fresh && !restarted) await markInstanceSetUp(database.url, authToken);
if (!fresh && !restarted) await seedAdmin(database.url, authToken);
if (stateDir && !restarted) writeFileSync(secretsFile, JSON.stringify(secrets));

const appUrl = `http://localhost:${port}`;
// Short pauses between streamed pieces: a plan still arrives section by section, in about a second.
// Plans stream fast; a chat answer takes a few seconds, long enough to watch it arrive and reload mid-answer.
const demoModel = await startDemoModel({ port: 0, chunkDelayMs: 30, chatChunkDelayMs: 400 });
const fakeOAuth = fresh ? null : await startFakeOAuth(process.env.E2E_FAKE_OAUTH_PORT ?? "8797");
// `--var NAME:value` takes one line: the Apple key's newlines travel as \n (the app accepts both).
const oauthVars = Object.entries(fakeOAuth?.env ?? {}).flatMap(([name, value]) => [
  "--var",
  `${name}:${value.replaceAll("\n", "\\n")}`,
]);

/** The fake provider in its own process; its first stdout line is the variables pointing at it. */
async function startFakeOAuth(fakePort: string) {
  const child = spawn(process.execPath, ["tests/fake-oauth/main.ts", fakePort], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const env = await new Promise<Record<string, string>>((resolve, reject) => {
    let buffered = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      if (buffered.includes("\n"))
        resolve(JSON.parse(buffered.slice(0, buffered.indexOf("\n"))) as Record<string, string>);
    });
    child.on("exit", (code) => reject(new Error(`the fake OAuth provider exited (${code})`)));
  });
  return { env, close: () => void child.kill("SIGTERM") };
}
const wrangler = spawn(
  "wrangler",
  [
    "dev",
    "--port",
    port,
    "--ip",
    "127.0.0.1",
    "--var",
    `APP_URL:${appUrl}`,
    "--var",
    `TURSO_DATABASE_URL:${database.url}`,
    "--var",
    `TURSO_AUTH_TOKEN:${authToken}`,
    "--var",
    "ENVIRONMENT:test",
    "--var",
    `SESSION_SECRET:${secrets.sessionSecret}`,
    "--var",
    `API_SIGNING_KEY:${secrets.apiSigningKey}`,
    "--var",
    "RESEND_API_KEY:",
    "--var",
    "OPENAI_API_KEY:",
    "--var",
    `OPENAI_BASE_URL:${demoModel.url}`,
    "--var",
    `OPENAI_MODEL:${DEMO_MODEL}`,
    ...oauthVars,
    "--persist-to",
    join(dir, "wrangler-state"),
    "--show-interactive-dev-session=false",
  ],
  {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  },
);

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  wrangler.kill("SIGTERM");
  fakeOAuth?.close();
  await demoModel.close();
  await database.close();
  if (!stateDir) rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}
process.on("SIGTERM", () => void stop(0));
process.on("SIGINT", () => void stop(0));
wrangler.on("exit", (code) => void stop(code ?? 1));
