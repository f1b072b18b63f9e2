// npm run bench:auth — two figures for the accounts feature, measured in workerd:
//   1. Argon2id (m=19 MiB, t=2, p=1) hash time: the app's hashPassword in a Worker run by `wrangler dev`
//      (bench/hash-worker.ts), request latency minus an empty request's (target <= 250 ms on this machine).
//   2. Sign-in throughput at concurrency 4 against the production build (wrangler dev + the local
//      libSQL server), plus median latency of a wrong password for a known vs an unknown account.
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function waitFor(url: string, seconds: number) {
  for (let i = 0; i < seconds * 2; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await sleep(500);
  }
  throw new Error(`${url} did not answer`);
}

async function hashTimeInWorkerd(): Promise<{ hash: number; empty: number }> {
  const hashPort = 8796;
  const worker = spawn(
    "wrangler",
    [
      "dev",
      "--config",
      "bench/hash-worker.wrangler.toml",
      "--port",
      String(hashPort),
      "--show-interactive-dev-session=false",
    ],
    {
      stdio: "ignore",
      detached: true,
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    },
  );
  try {
    const url = `http://localhost:${hashPort}`;
    await waitFor(`${url}/noop`, 60);
    for (let i = 0; i < 3; i++) await (await fetch(`${url}/hash`)).text(); // warm up
    const empty: number[] = [];
    const hash: number[] = [];
    for (let i = 0; i < 15; i++) {
      empty.push(await timed(async () => (await fetch(`${url}/noop`)).text()));
      hash.push(await timed(async () => (await fetch(`${url}/hash`)).text()));
    }
    return { hash: median(hash), empty: median(empty) };
  } finally {
    process.kill(-worker.pid!, "SIGTERM");
  }
}

const port = 8795;
const base = `http://localhost:${port}`;

function post(path: string, fields: Record<string, string>, ip: string) {
  return fetch(`${base}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      "Sec-Fetch-Site": "same-origin",
      "CF-Connecting-IP": ip,
    },
    body: new URLSearchParams(fields),
  });
}

async function signInThroughput() {
  console.log("building and starting the production build in workerd …");
  const built = spawn("react-router", ["build"], { stdio: "ignore" });
  await new Promise((resolve) => built.on("exit", resolve));
  const server = spawn("node", ["tests/e2e/serve.ts", String(port)], { stdio: "ignore", detached: true });
  try {
    await waitFor(`${base}/readyz`, 60);
    const password = "bench passphrase that is long";
    const users = Array.from({ length: 40 }, (_, i) => `bench_${i}_${Date.now().toString(36)}`);
    for (const [i, username] of users.entries()) {
      const response = await post(
        "/signup",
        { username, email: `${username}@example.com`, password, confirmPassword: password },
        `10.9.${i}.1`,
      );
      if (response.status !== 302) throw new Error(`sign-up failed: HTTP ${response.status}`);
    }

    // Wrong password, known vs unknown account: the answer must not tell them apart by time.
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 8; i++) {
      // The last 4 accounts (2 wrong tries each): the throughput run below leaves them out.
      known.push(
        await timed(() => post("/login", { login: users[36 + (i % 4)]!, password: "wrong password!" }, `10.8.${i}.1`)),
      );
      unknown.push(
        await timed(() => post("/login", { login: `ghost_${i}`, password: "wrong password!" }, `10.8.${i}.2`)),
      );
    }

    // Sign-in throughput at concurrency 4: each sign-in is a distinct client; each account at most 4 times.
    const attempts = users.slice(0, 36).flatMap((user) => [user, user, user, user]);
    let next = 0;
    let ok = 0;
    const latencies: number[] = [];
    const started = performance.now();
    const deadline = started + 15_000;
    await Promise.all(
      Array.from({ length: 4 }, async (_, worker) => {
        while (next < attempts.length && performance.now() < deadline) {
          const login = attempts[next++]!;
          const t = await timed(async () => {
            const response = await post("/login", { login, password }, `10.7.${worker}.${next % 250}`);
            if (response.status === 302) ok++;
          });
          latencies.push(t);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return {
      ok,
      total: latencies.length,
      perSecond: ok / seconds,
      median: median(latencies),
      known: median(known),
      unknown: median(unknown),
    };
  } finally {
    process.kill(-server.pid!, "SIGTERM");
  }
}

const hashing = await hashTimeInWorkerd();
console.log("\nArgon2id m=19456 KiB, t=2, p=1, in workerd (median of 15):");
console.log(
  `  hash ${ms(hashing.hash - hashing.empty)}  (request ${ms(hashing.hash)} minus empty request ${ms(hashing.empty)})  target <= 250 ms`,
);
const signIn = await signInThroughput();
console.log("\nSign-in, production build in workerd + local libSQL server, concurrency 4:");
console.log(
  `  ${signIn.ok}/${signIn.total} succeeded, ${signIn.perSecond.toFixed(2)} sign-ins/s, median latency ${ms(signIn.median)}`,
);
console.log(`  wrong password, median of 8: known account ${ms(signIn.known)}, unknown account ${ms(signIn.unknown)}`);
process.exit(0);
