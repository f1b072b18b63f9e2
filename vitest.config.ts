// Tests that run inside workerd against the real Worker (workers/app.ts): pages, actions, Durable
// Objects, queue and cron handlers. The local libSQL server runs beside them in Node (global setup).

import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { reactRouter } from "@react-router/dev/vite";
import { defineConfig } from "vitest/config";

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
    globalSetup: ["./tests/worker-database.setup.ts", "./tests/fake-oauth.setup.ts", "./tests/fake-openai.setup.ts"],
    server: { deps: { inline: [/@libsql\//] } },
  },
});
