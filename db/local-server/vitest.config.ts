// The local libSQL server's own tests, and the migrations' upgrade test (db/migrations.test.ts) that runs
// on it: Node environment, each file starts its own server on port 0.
//   npx vitest run --config db/local-server/vitest.config.ts
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    environment: "node",
    include: ["db/local-server/**/*.test.ts", "db/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
