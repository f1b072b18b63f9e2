// npm run bench:pages — per page (landing, sign-in, an onboarding card, the onboarding summary):
//   - JavaScript shipped: the route's <script type="module"> and modulepreload assets named in the
//     server-rendered HTML, each gzipped with node:zlib (level 9), summed. Target for a card: ≤ 150 KB.
//   - server response time, median and p95 over 50 sequential GETs (after 5 warm-ups),
//   - and an onboarding card POST (save an answer → redirect), p95 over 50. Target: ≤ 50 ms.
// Against the production build in workerd (`wrangler dev` via tests/e2e/serve.ts, with its own fresh
// local libSQL database), on this machine.
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";

const port = Number(process.env.BENCH_PORT ?? 8795);
const base = `http://localhost:${port}`;
const ROUNDS = 50;
const WARM_UP = 5;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const ms = (value: number) => `${value.toFixed(1)} ms`.padStart(9);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`.padStart(9);

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

function post(path: string, fields: Record<string, string>, headers: Record<string, string>) {
  return fetch(`${base}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin", ...headers },
    body: new URLSearchParams(fields),
  });
}

/** A fresh account, signed in: its session cookie. Each request from its own client IP (rate limits). */
async function signedInCookie(): Promise<string> {
  const username = `bench_pages_${Date.now().toString(36)}`;
  const password = "bench passphrase that is long";
  const signup = await post(
    "/signup",
    { username, email: `${username}@example.com`, password, confirmPassword: password },
    { "CF-Connecting-IP": "10.20.0.1" },
  );
  if (signup.status !== 302) throw new Error(`sign-up failed: HTTP ${signup.status}`);
  const login = await post(
    "/login",
    { login: username, password, remember: "on" },
    { "CF-Connecting-IP": "10.20.0.2" },
  );
  if (login.status !== 302) throw new Error(`sign-in failed: HTTP ${login.status}`);
  const cookie = login.headers
    .getSetCookie()
    .map((value) => value.split(";")[0]!)
    .find((value) => value.includes("session"));
  if (!cookie) throw new Error("sign-in set no session cookie");
  return cookie;
}

/** Gzipped bytes of the JavaScript a page's HTML loads (module scripts and modulepreloads). */
async function javaScriptBytes(html: string): Promise<{ files: number; raw: number; gzip: number }> {
  const urls = new Set<string>();
  for (const match of html.matchAll(/<link[^>]+rel="modulepreload"[^>]*href="([^"]+)"/g)) urls.add(match[1]!);
  for (const match of html.matchAll(/<script[^>]+type="module"[^>]*src="([^"]+)"/g)) urls.add(match[1]!);
  // React Router's inline bootstrap imports the entry and the route modules by URL.
  for (const match of html.matchAll(/import\s*(?:\*\s*as\s*\w+\s*from\s*)?"(\/assets\/[^"]+\.js)"/g))
    urls.add(match[1]!);
  let raw = 0;
  let gzip = 0;
  for (const url of urls) {
    const body = Buffer.from(await (await fetch(new URL(url, base))).arrayBuffer());
    raw += body.byteLength;
    gzip += gzipSync(body, { level: 9 }).byteLength;
  }
  return { files: urls.size, raw, gzip };
}

async function timeRequests(request: () => Promise<Response>, expectStatus: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARM_UP + ROUNDS; i++) {
    const started = performance.now();
    const response = await request();
    await response.arrayBuffer();
    const elapsed = performance.now() - started;
    if (response.status !== expectStatus) throw new Error(`expected HTTP ${expectStatus}, got ${response.status}`);
    if (i >= WARM_UP) times.push(elapsed);
  }
  return times;
}

console.log("building …");
const built = spawn("react-router", ["build"], { stdio: "ignore" });
const buildCode = await new Promise<number | null>((resolve) => built.on("exit", resolve));
if (buildCode !== 0) throw new Error("react-router build failed");
console.log("starting the production build in workerd …");
const server = spawn("node", ["tests/e2e/serve.ts", String(port)], { stdio: "ignore", detached: true });
let exitCode = 0;
try {
  await waitFor(`${base}/readyz`, 90);
  const cookie = await signedInCookie();
  // Some answers first, so the card and the summary show real content.
  for (const [card, fields] of Object.entries({
    "business-name": { text: "Bench Bakery" },
    stage: { stage: "growing" },
    budget: { currency: "EUR", amount: "300" },
  })) {
    const response = await post(`/onboarding/${card}`, { intent: "save", ...fields }, { Cookie: cookie });
    if (response.status !== 302) throw new Error(`answering ${card} failed: HTTP ${response.status}`);
  }

  const pages = [
    { name: "landing", path: "/", cookie: "" },
    { name: "sign-in", path: "/login", cookie: "" },
    { name: "onboarding card", path: "/onboarding/pricing", cookie },
    { name: "onboarding summary", path: "/onboarding/summary", cookie },
  ];
  console.log(
    `\nProduction build in workerd + local libSQL; ${ROUNDS} sequential requests after ${WARM_UP} warm-ups.\n`,
  );
  console.log(
    `${"page".padEnd(44)}${"JS gzip".padStart(9)}${"JS raw".padStart(9)}  files${"median".padStart(10)}${"p95".padStart(10)}`,
  );
  for (const page of pages) {
    const headers: Record<string, string> = page.cookie ? { Cookie: page.cookie } : {};
    const html = await (await fetch(`${base}${page.path}`, { headers, redirect: "manual" })).text();
    const js = await javaScriptBytes(html);
    const times = await timeRequests(() => fetch(`${base}${page.path}`, { headers, redirect: "manual" }), 200);
    console.log(
      `${`${page.name} (${page.path})`.padEnd(44)}${kb(js.gzip)}${kb(js.raw)}  ${String(js.files).padStart(5)}${ms(percentile(times, 50)).padStart(10)}${ms(percentile(times, 95)).padStart(10)}`,
    );
    if (page.name === "onboarding card" && js.gzip > 150 * 1024) {
      console.log("  ✗ over the 150 KB target for a card page");
      exitCode = 1;
    }
  }

  let round = 0;
  const posts = await timeRequests(
    () =>
      post(
        "/onboarding/pricing",
        { intent: "save", model: "one-off", currency: "EUR", min: String(round++ % 50), max: "100" },
        { Cookie: cookie },
      ),
    302,
  );
  const p95 = percentile(posts, 95);
  console.log(
    `\n${"card POST (/onboarding/pricing)".padEnd(44)}${"".padStart(25)}${ms(percentile(posts, 50)).padStart(10)}${ms(p95).padStart(10)}   target p95 ≤ 50 ms ${p95 <= 50 ? "✓" : "✗"}`,
  );
  if (p95 > 50) exitCode = 1;
} finally {
  process.kill(-server.pid!, "SIGTERM");
}
process.exit(exitCode);
