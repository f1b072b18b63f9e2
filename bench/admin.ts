// npm run bench:admin [-- --rounds 40 --skip-build]
// /admin/stats on a large instance: 100k accounts (each with a workspace and a session), about 1M
// onboarding answers with a realistic drop-off (and the funnel's roll-up), ~6% of accounts active each
// day for 120 days (the activity roll-up), 30k plan
// jobs, 1M chat messages as the rooms' daily counts (chat_room_days: messages themselves live in each
// room's Durable Object, decision 0106) and 20k waitlist entries, spread over a year. Then an admin
// requests /admin/stats for each period (7, 30, 90 days) `rounds` times on the production build in
// workerd (wrangler dev + the local libSQL server) and the script prints p50/p95 server time per period.
// Target: p95 ≤ 300 ms for every period; exits 1 when it is missed.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { cards } from "../app/onboarding/cards.ts";
import { startLocalDbServer } from "../db/local-server/server.ts";
import { migrateDatabase } from "../db/migrate.ts";
import { markInstanceSetUp } from "../tests/e2e/seed.ts";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "40" },
    users: { type: "string", default: "100000" },
    messages: { type: "string", default: "1000000" },
    "skip-build": { type: "boolean", default: false },
  },
});
const ROUNDS = Number(args.rounds);
const USERS = Number(args.users);
const MESSAGES = Number(args.messages);
const TARGET_P95_MS = 300;
const appPort = Number(process.env.BENCH_PORT ?? 8856);
const appUrl = `http://localhost:${appPort}`;
const DAY = 86_400_000;
const quiet = { CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
};
const base32 = (length: number) =>
  Array.from(randomBytes(length), (byte) => "abcdefghijklmnopqrstuvwxyz234567"[byte % 32]).join("");
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A deterministic pseudo-random sequence, so every run seeds the same shape. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

async function waitFor(url: string, seconds: number) {
  for (let i = 0; i < seconds * 4; i++) {
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

/** Everything written straight into the database file in one transaction; returns the admin's Cookie. */
export function seed(file: string): string {
  const db = new DatabaseSync(file);
  db.exec("PRAGMA busy_timeout = 10000");
  const rand = random(14);
  const now = Date.now();
  const started = performance.now();
  db.exec("BEGIN");
  const insertUser = db.prepare(
    "INSERT INTO users (id, username, email, role, email_verified_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const insertWorkspace = db.prepare("INSERT INTO workspaces (id, name, owner_id, created_at) VALUES (?, ?, ?, ?)");
  const insertMember = db.prepare(
    "INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)",
  );
  const insertSession = db.prepare(
    `INSERT INTO sessions (id, secret_hash, user_id, created_at, last_active_at, idle_expires_at, absolute_expires_at,
       persistent, ip, device) VALUES (?, ?, ?, ?, ?, ?, ?, 1, NULL, 'bench')`,
  );
  const insertAnswer = db.prepare(
    "INSERT INTO onboarding_answers (workspace_id, card_id, value, skipped, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const userIds: string[] = [];
  const workspaceIds: string[] = [];
  let answers = 0;
  for (let i = 0; i < USERS; i++) {
    const userId = crypto.randomUUID();
    const workspaceId = crypto.randomUUID();
    const createdAt = now - Math.floor(rand() * 365 * DAY);
    userIds.push(userId);
    workspaceIds.push(workspaceId);
    insertUser.run(userId, `bench_${i}`, `bench_${i}@example.com`, "user", createdAt, createdAt);
    insertWorkspace.run(workspaceId, `Bench ${i}`, userId, createdAt);
    insertMember.run(workspaceId, userId, createdAt);
    insertSession.run(base32(16), "0".repeat(64), userId, createdAt, createdAt, now + DAY, now + 30 * DAY);
    // Each card keeps ~90% of those who reached it; a few skip optional ones.
    for (const card of cards) {
      if (rand() > 0.9) break;
      const skipped = !card.required && rand() < 0.15;
      insertAnswer.run(workspaceId, card.id, skipped ? "null" : '"bench"', skipped ? 1 : 0, userId, createdAt);
      answers++;
    }
  }

  // The funnel's roll-up, as the app keeps it: each card counted on the day of its first answer.
  db.exec(`INSERT INTO onboarding_card_days (day, card_id, answered, skipped)
    SELECT strftime('%Y-%m-%d', updated_at / 1000, 'unixepoch'), card_id, sum(skipped = 0), sum(skipped)
    FROM onboarding_answers GROUP BY 1, 2`);

  // ~6% of accounts active on each of the last 120 days, oldest first (as the app would have seen them).
  const countActive = db.prepare(
    "INSERT INTO active_user_days (day, users) VALUES (?, 1) ON CONFLICT (day) DO UPDATE SET users = users + 1",
  );
  const moveLastActive = db.prepare(
    "INSERT INTO user_last_active (user_id, day) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET day = excluded.day",
  );
  const lastActive = new Map<string, string>();
  let activity = 0;
  for (let d = 119; d >= 0; d--) {
    const day = utcDay(now - d * DAY);
    for (let k = 0; k < USERS * 0.06; k++) {
      const userId = userIds[Math.floor(rand() * USERS)]!;
      if (lastActive.get(userId) === day) continue;
      lastActive.set(userId, day);
      countActive.run(day);
      moveLastActive.run(userId, day);
      activity++;
    }
  }

  // 30k plan jobs: mostly succeeded, some failed (a third of those dead-lettered), a few live.
  const insertJob = db.prepare(
    `INSERT INTO plan_jobs (id, workspace_id, kind, profile_revision, status, attempts, last_error, deadline_at, model,
       tokens_in, tokens_out, created_at, started_at, finished_at) VALUES (?, ?, 'plan', ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (let i = 0; i < 30_000; i++) {
    const createdAt = now - Math.floor(rand() * 365 * DAY);
    const roll = rand();
    const status = i < 20 ? (i < 10 ? "queued" : "running") : roll < 0.9 ? "succeeded" : "failed";
    const error =
      status === "failed" ? (rand() < 0.33 ? "Gave up after 3 attempts: timeout" : "The model refused.") : null;
    const seconds = 20 + Math.floor(rand() * 60);
    insertJob.run(
      crypto.randomUUID(),
      workspaceIds[i % USERS]!,
      // Live jobs get revisions no finished job uses (one live job per revision).
      status === "queued" || status === "running" ? 1000 + i : i,
      status,
      error,
      createdAt + 15 * 60_000,
      status === "succeeded" ? "gpt-4.1-mini" : null,
      status === "succeeded" ? 6000 + Math.floor(rand() * 3000) : null,
      status === "succeeded" ? 9000 + Math.floor(rand() * 5000) : null,
      createdAt,
      createdAt + 500,
      status === "queued" || status === "running" ? null : createdAt + seconds * 1000,
    );
  }

  // MESSAGES chat messages as 2,000 rooms' daily counts over a year, and Alva's answers with tokens.
  const insertRoomDay = db.prepare(
    `INSERT INTO chat_room_days (day, room_id, model, messages, answers, tokens_in, tokens_out) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (day, room_id, model) DO UPDATE SET messages = messages + excluded.messages, answers = answers + excluded.answers`,
  );
  let messages = 0;
  while (messages < MESSAGES) {
    const day = utcDay(now - Math.floor(rand() * 365) * DAY);
    const room = `room-${Math.floor(rand() * 2000)}`;
    const count = 1 + Math.floor(rand() * 19);
    insertRoomDay.run(day, room, "", count, 0, 0, 0);
    if (rand() < 0.2) insertRoomDay.run(day, room, "gpt-4.1-mini", 0, 1, 4000, 600);
    messages += count;
  }

  const insertWaitlist = db.prepare("INSERT INTO waitlist (email, created_at) VALUES (?, ?)");
  for (let i = 0; i < 20_000; i++) insertWaitlist.run(`wait_${i}@example.com`, now - Math.floor(rand() * 365 * DAY));

  // The admin who looks.
  const adminId = crypto.randomUUID();
  const sessionId = base32(16);
  const secret = base32(32);
  insertUser.run(adminId, "bench_admin", "bench_admin@example.com", "admin", now, now);
  insertSession.run(
    sessionId,
    createHash("sha256").update(secret).digest("hex"),
    adminId,
    now,
    now,
    now + DAY,
    now + 30 * DAY,
  );
  db.exec("COMMIT");
  db.exec("ANALYZE");
  db.close();
  console.log(
    `seeded ${USERS.toLocaleString("en")} accounts, ${answers.toLocaleString("en")} onboarding answers, ` +
      `${activity.toLocaleString("en")} activity days, 30,000 plan jobs, ${messages.toLocaleString("en")} chat messages ` +
      `(as room-day counts), 20,000 waitlist entries in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return `alva_session=${sessionId}.${secret}`;
}

if (import.meta.main) await main();

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "alva-bench-admin-"));
  let wrangler: ChildProcess | undefined;
  let failed = false;
  try {
    if (!args["skip-build"]) {
      console.log("building …");
      const built = spawn("react-router", ["build"], { stdio: "ignore" });
      if ((await new Promise((resolve) => built.on("exit", resolve))) !== 0) throw new Error("the build failed");
    }
    const file = join(dir, "bench.db");
    const authToken = randomBytes(24).toString("base64url");
    const database = await startLocalDbServer({ file, port: 0, authToken });
    await migrateDatabase({ url: database.url, authToken });
    await markInstanceSetUp(database.url, authToken);
    const cookie = seed(file);

    wrangler = spawn(
      "wrangler",
      [
        "dev",
        "--port",
        String(appPort),
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
        `SESSION_SECRET:${randomBytes(32).toString("base64url")}`,
        "--persist-to",
        join(dir, "state"),
        "--show-interactive-dev-session=false",
      ],
      { stdio: "ignore", detached: true, env: { ...process.env, ...quiet } },
    );
    await waitFor(`${appUrl}/readyz`, 180);

    console.log(`\n/admin/stats as an admin, ${ROUNDS} sequential requests per period after 3 warm-ups:\n`);
    const timed = async (path: string, marker: string) => {
      const times: number[] = [];
      for (let i = 0; i < ROUNDS + 3; i++) {
        const started = performance.now();
        const response = await fetch(`${appUrl}${path}`, { headers: { Cookie: cookie }, redirect: "manual" });
        const html = await response.text();
        const elapsed = performance.now() - started;
        if (response.status !== 200 || !html.includes(marker))
          throw new Error(`${path} answered HTTP ${response.status}`);
        if (i >= 3) times.push(elapsed);
      }
      return { p50: percentile(times, 0.5), p95: percentile(times, 0.95) };
    };
    const line = (label: string, { p50, p95 }: { p50: number; p95: number }, verdict = "") =>
      console.log(
        `  ${label.padEnd(34)} p50 ${p50.toFixed(1).padStart(7)} ms   p95 ${p95.toFixed(1).padStart(7)} ms   ${verdict}`,
      );
    for (const days of [7, 30, 90]) {
      const result = await timed(`/admin/stats?days=${days}`, "Onboarding funnel");
      const ok = result.p95 <= TARGET_P95_MS;
      if (!ok) failed = true;
      line(`/admin/stats?days=${days}`, result, `${ok ? "✓" : "✗"} (target p95 ≤ ${TARGET_P95_MS} ms)`);
    }
    // For comparison: a signed-in page with no statistics on the same server (what any page costs here).
    line("/admin/system (baseline, no stats)", await timed("/admin/system", "Migrations applied"));
  } finally {
    if (wrangler?.pid) process.kill(-wrangler.pid, "SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}
