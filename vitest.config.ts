// Tests that run inside workerd against the real Worker (workers/app.ts): pages, actions, Durable
// Objects, queue and cron handlers. The local libSQL server runs beside them in Node (global setup).

import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { reactRouter } from "@react-router/dev/vite";
import { defineConfig } from "vitest/config";
import { generateSigningJwk } from "./scripts/dev-vars.ts";

const currentSigningKey = generateSigningJwk();
const previousSigningKey = generateSigningJwk(new Date(Date.now() - 90 * 24 * 60 * 60 * 1000));

export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          ENVIRONMENT: "test",
          APP_URL: "http://localhost:5173",
          TURSO_DATABASE_URL: inject<string>("databaseUrl"),
          TURSO_AUTH_TOKEN: inject<string>("databaseToken"),
          SESSION_SECRET: "test-session-secret-0123456789abcdef0123456789",
          // The API's signing keys: a fresh current key per run, and a "previous" one so the rotation
          // path (a token signed by the key being retired still verifies) is tested too.
          API_SIGNING_KEY: currentSigningKey,
          API_SIGNING_KEY_PREVIOUS: previousSigningKey,
          MAX_SESSIONS_PER_USER: "10",
          RESEND_API_KEY: "",
          // GitHub, Google and Apple sign-in against the fake provider (tests/fake-oauth.setup.ts).
          ...inject<Record<string, string>>("fakeOAuthEnv"),
          // Plans against the fake OpenAI-compatible server (tests/fake-openai.setup.ts).
          OPENAI_API_KEY: "test-openai-key",
          OPENAI_BASE_URL: inject<string>("fakeOpenAiUrl"),
          OPENAI_MODEL: "fake-gpt",
        },
      },
    })),
    reactRouter(),
  ],
  resolve: {
    alias: {
      // @libsql's package exports would pick the Node `ws` build; workerd has WebSocket built in.
      "@libsql/isomorphic-ws": fileURLToPath(new URL("node_modules/@libsql/isomorphic-ws/web.mjs", import.meta.url)),
    },
  },
  test: {
    include: ["app/**/*.test.{ts,tsx}", "workers/**/*.test.ts"],
    // The first request of a file loads the whole app into workerd, which takes 10 s and more when the
    // machine is busy; the default 5 s then fails tests that are not slow themselves.
    testTimeout: 60_000,
    hookTimeout: 60_000, // beforeAll hooks that warm the Worker up pay the same load
    // The app's JSON log lines (one per request, plus warnings and errors that tests provoke on
    // purpose) would bury vitest's own output. Tests that check logs spy on console and still see
    // them. ALVA_TEST_LOGS=1 shows them all, for debugging.
    onConsoleLog: (log) => (process.env.ALVA_TEST_LOGS === "1" || !log.startsWith('{"level":') ? undefined : false),
    globalSetup: [
      "./tests/worker-database.setup.ts",
      "./tests/fake-oauth.setup.ts",
      "./tests/fake-openai.setup.ts",
      "./tests/demo-model.setup.ts",
    ],
    server: { deps: { inline: [/@libsql\//] } },
  },
});
