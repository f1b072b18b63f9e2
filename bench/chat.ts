// npm run bench:chat [-- --clients 200 --interval 5 --duration 30 --skip-build]
// N authenticated clients in one room of the production build (wrangler dev + the local libSQL server),
// each sending one message every `interval` seconds for `duration` seconds; then the same load against a
// bare broadcast Durable Object (bench/chat-bare.ts: no auth, no storage) as the runtime's limit.
// Prints messages sent and delivered, fan-out latency p50/p95/p99 and messages/s for both.
// Targets: every message reaches every other client (delivered = sent × (N−1)) and the room's p99 is
// within 1.5× the bare object's. Exits 1 when a target is missed.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { createClient } from "@libsql/client";
import { startLocalDbServer } from "../db/local-server/server.ts";
import { migrateDatabase } from "../db/migrate.ts";
import { markInstanceSetUp } from "../tests/e2e/seed.ts";

const { values: args } = parseArgs({
  options: {
    clients: { type: "string", default: "100" },
    interval: { type: "string", default: "5" },
    duration: { type: "string", default: "30" },
    /** Reuse build/ as it is (it must be a current production build). */
    "skip-build": { type: "boolean", default: false },
  },
});
const clients = Number(args.clients);
const intervalMs = Number(args.interval) * 1000;
const durationMs = Number(args.duration) * 1000;
const appPort = 8864;
const barePort = 8865;
const appUrl = `http://localhost:${appPort}`;
const quiet = { CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

interface Result {
  sent: number;
  delivered: number;
  latencies: number[];
  seconds: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

async function waitFor(url: string, seconds: number) {
  for (let i = 0; i < seconds * 2; i++) {
    if (
      await fetch(url).then(
        (response) => response.ok,
        () => false,
      )
    )
      return;
    await sleep(500);
  }
  throw new Error(`${url} did not answer within ${seconds} s`);
}

function start(command: string, commandArgs: string[]): ChildProcess {
  return spawn(command, commandArgs, { stdio: "ignore", detached: true, env: { ...process.env, ...quiet } });
}

const base32 = (bytes: number) =>
  [...randomBytes(bytes)].map((byte) => "abcdefghijklmnopqrstuvwxyz234567"[byte % 32]).join("");

/** N accounts, one workspace they all belong to, its general room, and a session cookie each. */
async function seed(url: string, authToken: string): Promise<{ roomId: string; cookies: string[] }> {
  const db = createClient({ url, authToken });
  const now = Date.now();
  const workspaceId = crypto.randomUUID();
  const roomId = crypto.randomUUID();
  const cookies: string[] = [];
  const statements: { sql: string; args: (string | number)[] }[] = [];
  for (let i = 0; i < clients; i++) {
    const userId = crypto.randomUUID();
    const username = `bench_${i}`;
    statements.push({
      sql: "INSERT INTO users (id, username, email, role, created_at, email_verified_at) VALUES (?, ?, ?, 'user', ?, ?)",
      args: [userId, username, `${username}@example.com`, now, now],
    });
    if (i === 0) {
      statements.push(
        {
          sql: "INSERT INTO workspaces (id, name, owner_id, created_at) VALUES (?, 'Bench', ?, ?)",
          args: [workspaceId, userId, now],
        },
        {
          sql: "INSERT INTO chat_rooms (id, workspace_id, kind, name, created_at) VALUES (?, ?, 'general', 'general', ?)",
          args: [roomId, workspaceId, now],
        },
      );
    }
    statements.push({
      sql: "INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
      args: [workspaceId, userId, i === 0 ? "owner" : "member", now],
    });
    const id = base32(16);
    const secret = base32(32);
    statements.push({
      sql: `INSERT INTO sessions (id, secret_hash, user_id, created_at, last_active_at, idle_expires_at,
              absolute_expires_at, persistent, device) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 'bench')`,
      args: [
        id,
        createHash("sha256").update(secret).digest("hex"),
        userId,
        now,
        now,
        now + 86_400_000,
        now + 86_400_000,
      ],
    });
    cookies.push(`alva_session=${id}.${secret}`);
  }
  await db.batch(statements, "write");
  db.close();
  return { roomId, cookies };
}

/**
 * Opens every socket, then each client sends on its own schedule (a random offset within the first
 * interval); receivers time each frame from the sender's timestamp. `encode`/`decode` speak the
 * protocol of the target (the chat protocol, or raw text for the bare object).
 */
async function run(target: {
  url: string;
  headers: (i: number) => Record<string, string>;
  encode: (from: number, seq: number, sentAt: number) => string;
  /** [from, sentAt] of a frame that is another client's message, or null for anything else. */
  decode: (data: string) => [number, number] | null;
}): Promise<Result> {
  const sockets: WebSocket[] = [];
  const latencies: number[] = [];
  let delivered = 0;
  async function open(i: number): Promise<WebSocket> {
    const socket = new WebSocket(target.url, { headers: target.headers(i) } as unknown as string[]);
    socket.addEventListener("message", (event) => {
      const decoded = target.decode(String(event.data));
      if (!decoded || decoded[0] === i) return;
      delivered++;
      latencies.push(Date.now() - decoded[1]);
    });
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve());
      socket.addEventListener("error", () => reject(new Error(`client ${i} could not connect`)));
    });
    return socket;
  }
  // Connect ten at a time (a burst of upgrades is not what is measured), retrying a refused one.
  for (let first = 0; first < clients; first += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, clients - first) }, async (_, k) => {
        const i = first + k;
        for (let attempt = 1; ; attempt++) {
          try {
            sockets[i] = await open(i);
            return;
          } catch (error) {
            if (attempt === 5) throw error;
            await sleep(500 * attempt);
          }
        }
      }),
    );
  }
  await sleep(1000); // let the presence frames of the connections settle
  let sent = 0;
  const started = Date.now();
  await Promise.all(
    sockets.map(async (socket, i) => {
      await sleep(Math.random() * intervalMs);
      for (let seq = 0; Date.now() - started < durationMs; seq++) {
        socket.send(target.encode(i, seq, Date.now()));
        sent++;
        await sleep(intervalMs);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  // Stragglers: wait until everything arrived or 10 s passed.
  for (let i = 0; i < 100 && delivered < sent * (clients - 1); i++) await sleep(100);
  for (const socket of sockets) socket.close(1000, "done");
  return { sent, delivered, latencies: latencies.sort((a, b) => a - b), seconds };
}

function report(name: string, result: Result) {
  const { sent, delivered, latencies, seconds } = result;
  const expected = sent * (clients - 1);
  console.log(
    `${name.padEnd(22)} sent ${sent}, delivered ${delivered}/${expected}${delivered === expected ? "" : " (LOST)"}, ` +
      `fan-out p50 ${percentile(latencies, 0.5)} ms, p95 ${percentile(latencies, 0.95)} ms, p99 ${percentile(latencies, 0.99)} ms, ` +
      `${(delivered / seconds).toFixed(0)} deliveries/s (${(sent / seconds).toFixed(1)} messages/s in)`,
  );
}

const dir = mkdtempSync(join(tmpdir(), "alva-bench-chat-"));
const children: ChildProcess[] = [];
let failed = false;
try {
  console.log(`building; then ${clients} clients, one message each every ${args.interval} s for ${args.duration} s …`);
  if (!args["skip-build"]) {
    const built = spawn("react-router", ["build"], { stdio: "ignore" });
    if ((await new Promise((resolve) => built.on("exit", resolve))) !== 0) throw new Error("the build failed");
  }
  const authToken = randomBytes(24).toString("base64url");
  const database = await startLocalDbServer({ file: join(dir, "bench.db"), port: 0, authToken });
  await migrateDatabase({ url: database.url, authToken });
  await markInstanceSetUp(database.url, authToken);
  const { roomId, cookies } = await seed(database.url, authToken);
  children.push(
    start("wrangler", [
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
    ]),
  );
  await waitFor(`${appUrl}/readyz`, 180);
  children.push(
    start("wrangler", [
      "dev",
      "--config",
      "bench/chat-bare.wrangler.toml",
      "--port",
      String(barePort),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      join(dir, "bare-state"),
      "--show-interactive-dev-session=false",
    ]),
  );
  await waitFor(`http://127.0.0.1:${barePort}/`, 180);
  const alva = await run({
    url: `ws://localhost:${appPort}/chat/${roomId}/socket`,
    headers: (i) => ({ Cookie: cookies[i]!, Origin: appUrl }),
    encode: (from, seq, sentAt) =>
      JSON.stringify({ type: "send", clientId: `${from}-${seq}`, text: `${from} ${sentAt}` }),
    decode: (data) => {
      const frame = JSON.parse(data);
      if (frame.type === "error") console.error(`error frame: ${frame.code} ${frame.message}`);
      if (frame.type !== "message") return null;
      const [from, sentAt] = String(frame.message.text).split(" ").map(Number);
      return [from!, sentAt!];
    },
  });
  const bare = await run({
    url: `ws://127.0.0.1:${barePort}/room`,
    headers: () => ({}),
    encode: (from, _seq, sentAt) => `${from} ${sentAt}`,
    decode: (data) => {
      const [from, sentAt] = data.split(" ").map(Number);
      return [from!, sentAt!];
    },
  });
  console.log();
  report("ChatRoom (production)", alva);
  report("bare broadcast object", bare);
  const alvaP99 = percentile(alva.latencies, 0.99);
  const bareP99 = percentile(bare.latencies, 0.99);
  const lost = alva.delivered !== alva.sent * (clients - 1);
  const slow = alvaP99 > 1.5 * bareP99;
  console.log(
    `\ntargets: nothing lost ${lost ? "MISSED" : "ok"}; p99 ${alvaP99} ms <= 1.5 × ${bareP99} ms = ${(1.5 * bareP99).toFixed(0)} ms ${slow ? "MISSED" : "ok"}`,
  );
  failed = lost || slow;
} catch (error) {
  console.error(error);
  failed = true;
} finally {
  for (const child of children) {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
