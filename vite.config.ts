import { cloudflare } from "@cloudflare/vite-plugin";
import { reactRouter } from "@react-router/dev/vite";
import tailwindcss from "@tailwindcss/vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [cloudflare({ viteEnvironment: { name: "ssr" }, config: addDevWorkerVars }), tailwindcss(), reactRouter()],
  resolve: { tsconfigPaths: true },
  server: { port: 5173, strictPort: true },
});

/**
 * `npm run dev` passes variables for the Worker in DEV_WORKER_VARS (JSON; scripts/local-stack.ts): the
 * offline demo model's address when .dev.vars has no AI provider. They join wrangler.toml's [vars], so
 * .dev.vars still wins for any name it sets. Unset in builds.
 */
function addDevWorkerVars(config: { vars: Record<string, unknown> }): void {
  const extra = process.env.DEV_WORKER_VARS;
  if (extra) Object.assign(config.vars, JSON.parse(extra) as Record<string, string>);
}
