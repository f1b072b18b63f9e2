// npm run bench:plans — plan jobs end to end on the production build in workerd (`wrangler dev` on
// build/, local queues from wrangler.toml) with the fake OpenAI server (tests/fake-openai) answering each
// call in 2 s. N accounts (seeded in the database: verified, signed in, required cards answered) each
// press Generate (POST /plans, the real route) at once; the script polls the jobs
// until every one is terminal and prints wall time, p50/p95 job latency (created → finished), model
// calls per job and duplicates (a second plan for a job or a workspace, or more calls than claims).
//   --fail 0.2     answer 20% of calls with a transient 429 or 500
//   --jobs 100     --latency 2000 (ms per call)     --no-build (reuse build/)
// Targets: all jobs terminal within 30 s, 0 duplicates, and without --fail every job succeeded; with
// --fail every job succeeded or failed with a reason. Exits 1 when a target is missed.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { type Client, createClient, type InStatement } from "@libsql/client";
import { startLocalDbServer } from "../db/local-server/server.ts";
import { migrateDatabase } from "../db/migrate.ts";
import { markInstanceSetUp } from "../tests/e2e/seed.ts";
import { startFakeOpenAiServer } from "../tests/fake-openai/server.ts";
import { requiredCardValues } from "../tests/fixtures/plan-profile.ts";

const { values: options } = parseArgs({
  options: {
    fail: { type: "string", default: "0" },
    jobs: { type: "string", default: "100" },
    latency: { type: "string", default: "2000" },
    "no-build": { type: "boolean", default: false },
  },
});
const failRate = Number(options.fail);
const jobCount = Number(options.jobs);
const TARGET_WALL_MS = 30_000;
const APP_PORT = 8851;
const FAKE_PORT = 8852;
const base = `http://127.0.0.1:${APP_PORT}`;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function run(command: string, args: string[]) {
  const child = spawn(command, args, { stdio: "inherit" });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${code}`);
}

async function waitFor(url: string, timeoutSeconds: number) {
  for (let i = 0; i < timeoutSeconds * 4; i++) {
    if (
      await fetch(url).then(
        (response) => response.ok,
        () => false,
      )
    )
      return;
    await sleep(250);
  }
  throw new Error(`${url} did not answer`);
}

/** Runs `work` over `items`, `concurrency` at a time. */
async function pool<T, R>(items: T[], concurrency: number, work: (item: T, index: number) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!, index);
      }
    }),
  );
  return results;
}

const base32 = (length: number) =>
  Array.from(randomBytes(length), (byte) => "abcdefghijklmnopqrstuvwxyz234567"[byte % 32]).join("");

/**
 * N verified accounts, each with its workspace, a session and every required card answered, written
 * straight into the database as the app's own sign-up would (hashing N passwords would take minutes on
 * this machine and is not what is measured). Returns each account's Cookie header.
 */
async function seedAccounts(client: Client, count: number): Promise<string[]> {
  const now = Date.now();
  const cookies: string[] = [];
  const statements: InStatement[] = [];
  for (let i = 0; i < count; i++) {
    const userId = crypto.randomUUID();
    const workspaceId = crypto.randomUUID();
    // The app's session token: 10 and 20 random bytes in lowercase base32 (app/accounts/session.server.ts).
    const sessionId = base32(16);
    const secret = base32(32);
    const username = `plans_${i}_${now.toString(36)}`;
    cookies.push(`alva_session=${sessionId}.${secret}`);
    statements.push(
      {
        sql: "INSERT INTO users (id, username, email, role, email_verified_at, created_at) VALUES (?, ?, ?, 'user', ?, ?)",
        args: [userId, username, `${username}@example.com`, now, now],
      },
      {
        sql: "INSERT INTO workspaces (id, name, owner_id, created_at) VALUES (?, ?, ?, ?)",
        args: [workspaceId, `Bench ${i}`, userId, now],
      },
      {
        sql: "INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)",
        args: [workspaceId, userId, now],
      },
      {
        sql: `INSERT INTO sessions (id, secret_hash, user_id, created_at, last_active_at, idle_expires_at,
                absolute_expires_at, persistent, ip, device) VALUES (?, ?, ?, ?, ?, ?, ?, 1, NULL, 'bench')`,
        args: [
          sessionId,
          createHash("sha256").update(secret).digest("hex"),
          userId,
          now,
          now,
          now + 86_400_000,
          now + 86_400_000,
        ],
      },
      ...Object.entries(requiredCardValues).map(([cardId, value]) => ({
        sql: "INSERT INTO onboarding_answers (workspace_id, card_id, value, skipped, updated_by, updated_at) VALUES (?, ?, ?, 0, ?, ?)",
        args: [workspaceId, cardId, JSON.stringify(value), userId, now],
      })),
    );
  }
  await client.batch(statements, "write");
  return cookies;
}

if (!options["no-build"]) {
  console.log("building …");
  await run("react-router", ["build"]);
}

const dir = mkdtempSync(join(tmpdir(), "alva-bench-plans-"));
const authToken = randomBytes(24).toString("base64url");
const database = await startLocalDbServer({ file: join(dir, "bench.db"), port: 0, authToken });
await migrateDatabase({ url: database.url, authToken });
await markInstanceSetUp(database.url, authToken);
const db = createClient({ url: database.url, authToken });
const fake = await startFakeOpenAiServer({ port: FAKE_PORT, latencyMs: Number(options.latency), failRate });

const wrangler = spawn(
  "wrangler",
  [
    "dev",
    "--port",
    String(APP_PORT),
    "--ip",
    "127.0.0.1",
    ...Object.entries({
      APP_URL: base,
      ENVIRONMENT: "test",
      TURSO_DATABASE_URL: database.url,
      TURSO_AUTH_TOKEN: authToken,
      SESSION_SECRET: randomBytes(32).toString("base64url"),
      RESEND_API_KEY: "",
      OPENAI_API_KEY: "bench-key",
      OPENAI_BASE_URL: fake.url,
      OPENAI_MODEL: "fake-gpt",
    }).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    "--persist-to",
    join(dir, "wrangler-state"),
    "--show-interactive-dev-session=false",
  ],
  {
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  },
);

/** Time the consumer spent on each job (claim to saved plan), from its log lines. */
const consumerMs: number[] = [];
let logBuffer = "";
wrangler.stdout!.on("data", (chunk: Buffer) => {
  logBuffer += chunk.toString();
  const lines = logBuffer.split("\n");
  logBuffer = lines.pop() ?? "";
  for (const line of lines) {
    const match = /"msg":"plan job succeeded".*?"ms":(\d+)/.exec(line);
    if (match) consumerMs.push(Number(match[1]));
  }
});

let exitCode = 1;
try {
  await waitFor(`${base}/healthz`, 60);

  console.log(`seeding ${jobCount} accounts …`);
  const cookies = await seedAccounts(db, jobCount);

  console.log(
    `${jobCount} × Generate (POST /plans), fake model ${options.latency} ms per call, fail rate ${failRate} …`,
  );
  const started = Date.now();
  let unavailable = 0;
  const jobIds = await pool(cookies, 20, async (cookie) => {
    const generate = () =>
      fetch(`${base}/plans`, {
        method: "POST",
        redirect: "manual",
        headers: {
          Cookie: cookie,
          "Sec-Fetch-Site": "same-origin",
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body: "",
      });
    let response = await generate();
    // 503: the database did not answer (the page says so); pressing Generate again is safe (idempotent).
    for (let tries = 0; response.status === 503 && tries < 3; tries++) {
      unavailable++;
      await sleep(500);
      response = await generate();
    }
    const location = response.headers.get("Location") ?? "";
    if (response.status !== 303 || !location.startsWith("/plans/jobs/")) {
      throw new Error(`POST /plans answered ${response.status} ${location}`);
    }
    return location.slice("/plans/jobs/".length);
  });
  const enqueuedMs = Date.now() - started;

  type JobRow = {
    id: string;
    status: string;
    attempts: number;
    last_error: string | null;
    created_at: number;
    finished_at: number | null;
  };
  let jobs: JobRow[] = [];
  const terminal = new Set(["succeeded", "failed", "cancelled"]);
  const giveUpAt = started + 120_000;
  while (Date.now() < giveUpAt) {
    jobs = (
      await db.execute("SELECT id, status, attempts, last_error, created_at, finished_at FROM plan_jobs")
    ).rows.map((row) => ({ ...row }) as unknown as JobRow);
    if (jobs.length === jobCount && jobs.every((job) => terminal.has(job.status))) break;
    await sleep(500);
  }
  const wallMs = Math.max(...jobs.map((job) => Number(job.finished_at ?? Date.now()))) - started;

  const calls = fake.stats();
  const latencies = jobs
    .filter((job) => job.finished_at)
    .map((job) => Number(job.finished_at) - Number(job.created_at));
  const callsPerJob = jobIds.map((id) => calls[id] ?? 0);
  const extraCalls = jobs.reduce((total, job) => total + Math.max(0, (calls[job.id] ?? 0) - Number(job.attempts)), 0);
  const duplicatePlans = Number(
    (
      await db.execute(
        "SELECT count(*) AS n FROM (SELECT workspace_id FROM plans GROUP BY workspace_id HAVING count(*) > 1)",
      )
    ).rows[0]!.n,
  );
  const byStatus = Object.groupBy(jobs, (job) => job.status);
  const unfinished = jobs.filter((job) => !terminal.has(job.status)).length + (jobCount - jobs.length);
  const failedWithoutReason = (byStatus.failed ?? []).filter((job) => !job.last_error).length;

  console.log(
    `\n${jobCount} plan jobs, fake model ${options.latency} ms per call, ${failRate * 100}% transient failures:`,
  );
  console.log(
    `  enqueued in         ${seconds(enqueuedMs)}${unavailable ? `  (${unavailable} clicks answered 503 and were pressed again)` : ""}`,
  );
  console.log(`  all terminal after  ${seconds(wallMs)}  (target <= ${seconds(TARGET_WALL_MS)})`);
  console.log(
    `  job latency         p50 ${seconds(percentile(latencies, 50))}  p95 ${seconds(percentile(latencies, 95))}`,
  );
  console.log(
    `  consumer per job    p50 ${seconds(percentile(consumerMs, 50))}  p95 ${seconds(percentile(consumerMs, 95))}  (claim to saved plan; the rest is queueing)`,
  );
  console.log(
    `  model calls per job mean ${(callsPerJob.reduce((a, b) => a + b, 0) / jobCount).toFixed(2)}  max ${Math.max(...callsPerJob)}`,
  );
  console.log(
    `  outcomes            ${Object.entries(byStatus)
      .map(([status, list]) => `${status} ${list?.length}`)
      .join(", ")}${unfinished ? `, unfinished ${unfinished}` : ""}`,
  );
  for (const job of byStatus.failed ?? []) console.log(`    failed: ${job.last_error}`);
  console.log(
    `  duplicates          ${duplicatePlans} duplicate plans, ${extraCalls} model calls beyond claims  (target 0)`,
  );

  const missed = [
    wallMs > TARGET_WALL_MS && "wall time",
    duplicatePlans + extraCalls > 0 && "duplicates",
    unfinished > 0 && "unfinished jobs",
    failedWithoutReason > 0 && "failed without a reason",
    failRate === 0 && (byStatus.succeeded?.length ?? 0) !== jobCount && "not every job succeeded",
  ].filter(Boolean);
  if (missed.length > 0) console.log(`\nMISSED: ${missed.join(", ")}`);
  exitCode = missed.length > 0 ? 1 : 0;
} finally {
  process.kill(-wrangler.pid!, "SIGTERM");
  db.close();
  await fake.close();
  await database.close();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
