// npm run bench:api — the JSON API's cost per request, on the production build in workerd
// (`wrangler dev` via tests/e2e/serve.ts, with its own fresh local libSQL database):
//   1. requests per second at concurrency 8 for GET /api/v1/auth/me with a valid token (JWT check,
//      the token family's lookup, two rate-limit buckets) next to GET /healthz (no I/O at all).
//      Target: /me >= 0.5x /healthz; the script exits non-zero when it is missed.
//   2. POST /api/v1/auth/refresh latency (median, p95), sequential: rotation is a read, a conditional
//      update and a batch of two writes.
// `-- --seconds 5` sets each throughput run's length (default 5); `-- --no-build` reuses build/.
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: { seconds: { type: "string", default: "5" }, "no-build": { type: "boolean", default: false } },
});
const SECONDS = Math.max(1, Number(args.seconds) || 5);
const CONCURRENCY = 8;
const port = Number(process.env.BENCH_PORT ?? 8794);
const base = `http://localhost:${port}`;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

async function waitFor(url: string, seconds: number) {
  for (let i = 0; i < seconds * 2; i++) {
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await sleep(500);
  }
  throw new Error(`${url} did not answer`);
}

let ipCounter = 0;
/** Each request from another client address: the per-address API limit is not what is measured. */
const nextIp = () => {
  ipCounter++;
  return `10.${40 + ((ipCounter >> 16) % 200)}.${(ipCounter >> 8) % 256}.${ipCounter % 256}`;
};

function form(path: string, fields: Record<string, string>) {
  return fetch(`${base}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      "Sec-Fetch-Site": "same-origin",
      "CF-Connecting-IP": nextIp(),
    },
    body: new URLSearchParams(fields),
  });
}

function json(path: string, body: unknown) {
  return fetch(`${base}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": nextIp() },
    body: JSON.stringify(body),
  });
}

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/** One account per concurrent client, signed in through the API (each token has its own rate limit). */
async function signUpAndSignIn(index: number): Promise<Tokens> {
  const username = `bench_api_${index}_${Date.now().toString(36)}`;
  const password = "bench passphrase that is long";
  const signup = await form("/signup", {
    username,
    email: `${username}@example.com`,
    password,
    confirmPassword: password,
  });
  if (signup.status !== 302) throw new Error(`sign-up failed: HTTP ${signup.status}`);
  const response = await json("/api/v1/auth/token", { login: username, password });
  if (response.status !== 200) throw new Error(`API sign-in failed: HTTP ${response.status}`);
  return (await response.json()) as Tokens;
}

/** Requests per second over SECONDS at CONCURRENCY; worker i sends headers(i). */
async function throughput(path: string, headers: (worker: number) => Record<string, string>) {
  // Warm-up: the isolate, the route module, the database connection.
  for (let i = 0; i < 20; i++)
    await (await fetch(`${base}${path}`, { headers: headers(i % CONCURRENCY) })).arrayBuffer();
  let ok = 0;
  let failed = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      while (performance.now() < deadline) {
        const response = await fetch(`${base}${path}`, {
          headers: { ...headers(worker), "CF-Connecting-IP": nextIp() },
        });
        await response.arrayBuffer();
        if (response.status === 200) ok++;
        else failed++;
      }
    }),
  );
  return { perSecond: ok / ((performance.now() - started) / 1000), ok, failed };
}

if (!args["no-build"]) {
  console.log("building …");
  const built = spawn("react-router", ["build"], { stdio: "ignore" });
  const code = await new Promise<number | null>((resolve) => built.on("exit", resolve));
  if (code !== 0) throw new Error("react-router build failed");
}
console.log("starting the production build in workerd …");
const server = spawn("node", ["tests/e2e/serve.ts", String(port)], { stdio: "ignore", detached: true });
let exitCode = 0;
try {
  await waitFor(`${base}/readyz`, 90);
  const clients = await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => signUpAndSignIn(i)));

  const healthz = await throughput("/healthz", () => ({}));
  const me = await throughput("/api/v1/auth/me", (worker) => ({
    Authorization: `Bearer ${clients[worker]!.accessToken}`,
  }));
  if (healthz.failed || me.failed) {
    console.log(`  (non-200 answers: /healthz ${healthz.failed}, /me ${me.failed})`);
    exitCode = 1;
  }

  // Refresh latency: one client's chain, sequentially (each refresh uses the token the last one gave).
  let refreshToken = clients[0]!.refreshToken;
  const refreshTimes: number[] = [];
  for (let i = 0; i < 60; i++) {
    const started = performance.now();
    const response = await json("/api/v1/auth/refresh", { refreshToken });
    const body = (await response.json()) as Tokens;
    if (response.status !== 200) throw new Error(`refresh failed: HTTP ${response.status}`);
    if (i >= 10) refreshTimes.push(performance.now() - started);
    refreshToken = body.refreshToken;
  }

  const ratio = me.perSecond / healthz.perSecond;
  console.log(`\nProduction build in workerd + local libSQL; ${SECONDS} s per run at concurrency ${CONCURRENCY}.\n`);
  console.log(`GET /healthz            ${healthz.perSecond.toFixed(0).padStart(7)} req/s`);
  console.log(
    `GET /api/v1/auth/me     ${me.perSecond.toFixed(0).padStart(7)} req/s   ${ratio.toFixed(2)}x /healthz   target >= 0.5x ${ratio >= 0.5 ? "✓" : "✗"}`,
  );
  console.log(
    `POST /api/v1/auth/refresh  median ${percentile(refreshTimes, 50).toFixed(1)} ms, p95 ${percentile(refreshTimes, 95).toFixed(1)} ms (${refreshTimes.length} sequential)`,
  );
  if (ratio < 0.5) exitCode = 1;
} finally {
  process.kill(-server.pid!, "SIGTERM");
}
process.exit(exitCode);
