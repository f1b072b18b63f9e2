// What /admin/system reports: the running build, the database's migrations and latency, the plan job
// queue, and which providers are configured — by name only: no value of a secret ever reaches the page.
import { sql } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import journal from "../../migrations/meta/_journal.json";
import { aiProvider } from "../ai/provider.server.ts";
import { isDevelopmentLike } from "../mail/mail.server.ts";
import { enabledProviders } from "../oauth/config.server.ts";

export interface SystemReport {
  version: string;
  commit: string | null;
  builtAt: string | null;
  environment: string;
  migrations: { applied: string[]; pending: string[]; unknown: number };
  /** Round trips of `select 1`, measured now: the median of three, in ms. */
  databaseLatencyMs: number;
  queue: { queued: number; running: number };
  providers: { mail: string; ai: string; oauth: string[] };
}

type Row = Record<string, unknown>;

export async function systemReport(db: Database, env: Env): Promise<SystemReport> {
  const timings: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await db.run(sql`select 1`);
    timings.push(performance.now() - started);
  }
  timings.sort((a, b) => a - b);

  const [migrationRows, queueRows] = await db.$client.batch(
    [
      "SELECT created_at FROM __drizzle_migrations ORDER BY created_at",
      "SELECT sum(status = 'queued') AS queued, sum(status = 'running') AS running FROM plan_jobs WHERE status IN ('queued', 'running')",
    ],
    "read",
  );
  // drizzle records each migration by its journal time (`when`), so the journal names them.
  const appliedAt = new Set((migrationRows!.rows as unknown as Row[]).map((row) => Number(row.created_at)));
  const applied = journal.entries.filter((entry) => appliedAt.has(entry.when)).map((entry) => entry.tag);
  const pending = journal.entries.filter((entry) => !appliedAt.has(entry.when)).map((entry) => entry.tag);
  const queue = (queueRows!.rows as unknown as Row[])[0] ?? {};

  const ai = aiProvider(env);
  return {
    version: import.meta.env.ALVA_VERSION ?? "development",
    commit: import.meta.env.ALVA_COMMIT ?? null,
    builtAt: import.meta.env.ALVA_BUILT_AT ?? null,
    environment: env.ENVIRONMENT,
    migrations: { applied, pending, unknown: appliedAt.size - applied.length },
    databaseLatencyMs: Math.round(timings[1]! * 10) / 10,
    queue: { queued: Number(queue.queued ?? 0), running: Number(queue.running ?? 0) },
    providers: {
      mail: env.RESEND_API_KEY
        ? "Resend"
        : isDevelopmentLike(env)
          ? "Development outbox (/dev/outbox)"
          : "None: mail cannot be sent",
      ai:
        ai.kind === "none"
          ? `None: ${ai.reason}`
          : `${ai.kind === "demo" ? "Offline demo model" : ai.baseURL ? hostOf(ai.baseURL) : "OpenAI"}, model ${ai.model}`,
      oauth: enabledProviders(env),
    },
  };
}

/** Only the host of a base URL: its path may hold an account id, its userinfo a password. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "an OpenAI-compatible API";
  }
}
