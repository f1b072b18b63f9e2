// What `npm run dev` and `npm run preview` need before the Worker starts: .dev.vars, the local
// libSQL server (started here unless one is already listening), and migrations applied; for `npm run
// dev` without an AI provider in .dev.vars, also the offline demo model (scripts/demo-model.ts).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DEMO_MODEL } from "../app/ai/provider.server.ts";
import { startLocalDbServer } from "../db/local-server/server.ts";
import { migrateDatabase } from "../db/migrate.ts";
import { startDemoModel } from "./demo-model.ts";
import { ensureDevVars, readDevVars } from "./dev-vars.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
export const localDatabaseFile = `${root}.data/alva.db`;

export interface LocalStack {
  vars: Record<string, string>;
  /** Variables the Worker gets on top of .dev.vars (the demo model's address), for DEV_WORKER_VARS. */
  workerVars: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The Worker reads .dev.vars itself; vite.config.ts adds the variables in this environment variable (JSON)
 * to the Worker's [vars], which is how `npm run dev` points the Worker at the demo model it started.
 */
export const DEV_WORKER_VARS = "DEV_WORKER_VARS";

export async function startLocalStack(options: { demoModel?: boolean } = {}): Promise<LocalStack> {
  const devVars = ensureDevVars();
  if (devVars === "created") console.log("• Created .dev.vars from .dev.vars.example with fresh secrets.");
  else if (devVars.added.length > 0) console.log(`• Added to .dev.vars: ${devVars.added.join(", ")}`);
  const vars = readDevVars();
  const url = vars.TURSO_DATABASE_URL;
  if (!url) throw new Error(".dev.vars has no TURSO_DATABASE_URL; delete .dev.vars to regenerate it.");
  const authToken = vars.TURSO_AUTH_TOKEN || undefined;

  let stopDatabase = async () => {};
  const target = new URL(url);
  const local = ["127.0.0.1", "localhost", "[::1]"].includes(target.hostname);
  if (!local) {
    console.log(`• Database: ${target.host} (remote, from .dev.vars)`);
  } else if (await databaseAnswers(url, authToken)) {
    console.log(`• Database: ${url} (already running)`);
  } else {
    const server = await startLocalDbServer({
      file: localDatabaseFile,
      port: Number(target.port || 80),
      authToken,
    });
    stopDatabase = () => server.close();
    console.log(`• Database: ${server.url} (started, file .data/alva.db)`);
  }

  try {
    await migrateDatabase({ url, authToken });
    console.log("• Migrations applied.");
  } catch (error) {
    await stopDatabase();
    throw new Error(`Applying migrations failed: ${(error as Error).message}`);
  }

  if (!options.demoModel) return { vars, workerVars: {}, stop: stopDatabase };
  if (vars.OPENAI_API_KEY || vars.OPENAI_BASE_URL) {
    const where = vars.OPENAI_BASE_URL ? new URL(vars.OPENAI_BASE_URL).host : "OpenAI";
    console.log(`• AI: ${vars.OPENAI_MODEL || "the default model"} at ${where} (from .dev.vars)`);
    return { vars, workerVars: {}, stop: stopDatabase };
  }
  // .dev.vars wins over the variables handed to the Worker, even with an empty value.
  const shadowing = ["OPENAI_BASE_URL", "OPENAI_MODEL"].filter((name) => name in vars);
  if (shadowing.length > 0) {
    console.log(
      `! AI: no provider — .dev.vars has no OPENAI_API_KEY, and its ${shadowing.join(" and ")} would hide the offline demo model. Remove those lines to use it, or set a provider (README, "AI providers").`,
    );
    return { vars, workerVars: {}, stop: stopDatabase };
  }
  let demo: Awaited<ReturnType<typeof startDemoModel>>;
  try {
    demo = await startDemoModel({ port: 0 });
  } catch (error) {
    await stopDatabase();
    throw new Error(`Starting the offline demo model failed: ${(error as Error).message}`);
  }
  console.log(
    `• AI: offline demo model at ${demo.url} — not an AI; plans are assembled from the answers. For real plans set OPENAI_API_KEY in .dev.vars (README, "AI providers").`,
  );
  return {
    vars,
    workerVars: { OPENAI_BASE_URL: demo.url, OPENAI_MODEL: DEMO_MODEL },
    stop: async () => {
      await demo.close();
      await stopDatabase();
    },
  };
}

/** True when a libSQL server answers at `url` and accepts our token. */
async function databaseAnswers(url: string, authToken: string | undefined): Promise<boolean> {
  let response: Response;
  try {
    response = await fetch(new URL("v2/pipeline", url.endsWith("/") ? url : `${url}/`), {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(authToken ? { Authorization: `Bearer ${authToken}` } : {}) },
      body: JSON.stringify({ baton: null, requests: [{ type: "close" }] }),
      signal: AbortSignal.timeout(2_000),
    });
  } catch {
    return false;
  }
  if (response.status === 401) {
    throw new Error(
      `A database server at ${url} refused TURSO_AUTH_TOKEN from .dev.vars. Stop that server, or put its token in .dev.vars.`,
    );
  }
  return response.ok;
}

/** Runs a command in the foreground; Ctrl-C reaches it directly, and we clean up when it exits. */
export function runForeground(command: string, args: string[], stack: LocalStack): void {
  const child = spawn(command, args, {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_SEND_METRICS: "false",
      [DEV_WORKER_VARS]: JSON.stringify(stack.workerVars),
    },
  });
  let stopping = false;
  const forward = (signal: NodeJS.Signals) => {
    stopping = true;
    child.kill(signal);
  };
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  child.on("exit", async (code, signal) => {
    await stack.stop();
    console.log("• Stopped.");
    process.exit(stopping || signal ? 0 : (code ?? 1));
  });
}
