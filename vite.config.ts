import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cloudflare } from "@cloudflare/vite-plugin";
import { reactRouter } from "@react-router/dev/vite";
import tailwindcss from "@tailwindcss/vite";
import { defineConfig, type Plugin } from "vite";
import { staticAssetHeadersFile } from "./app/platform/security-headers.ts";

export default defineConfig({
  plugins: [
    cloudflare({ viteEnvironment: { name: "ssr" }, config: addDevWorkerVars }),
    tailwindcss(),
    reactRouter(),
    staticAssetHeaders(),
  ],
  resolve: { tsconfigPaths: true },
  // Pre-bundle what route modules import in the browser. Otherwise Vite finds @conform-to/react only
  // when the first onboarding card loads, re-optimises, and the page fails ("Invalid hook call": two
  // copies of React) before reloading to where the user came from.
  optimizeDeps: { include: ["@conform-to/react", "@conform-to/zod/v4", "zod"] },
  server: { port: 5173, strictPort: true },
  environments: { ssr: { build: { minify: true } } },
  // What /admin/system shows as the version and build (app/admin/system.server.ts).
  define: buildInfo(),
});

function buildInfo(): Record<string, string> {
  const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version?: string };
  let commit: string | null = null;
  try {
    commit = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    // Built outside a git checkout: no commit to show.
  }
  return {
    "import.meta.env.ALVA_VERSION": JSON.stringify(version ?? "0.0.0"),
    "import.meta.env.ALVA_COMMIT": JSON.stringify(commit),
    "import.meta.env.ALVA_BUILT_AT": JSON.stringify(new Date().toISOString()),
  };
}

/** Writes build/client/_headers, so static files get the security headers the Worker gives its answers. */
function staticAssetHeaders(): Plugin {
  return {
    name: "alva:static-asset-headers",
    apply: "build",
    applyToEnvironment: (environment) => environment.name === "client",
    generateBundle() {
      this.emitFile({ type: "asset", fileName: "_headers", source: staticAssetHeadersFile() });
    },
  };
}

/**
 * `npm run dev` passes variables for the Worker in DEV_WORKER_VARS (JSON; scripts/local-stack.ts): the
 * offline demo model's address when .dev.vars has no AI provider. They join wrangler.toml's [vars], so
 * .dev.vars still wins for any name it sets. Unset in builds.
 */
function addDevWorkerVars(config: { vars: Record<string, unknown> }): void {
  const extra = process.env.DEV_WORKER_VARS;
  if (extra) Object.assign(config.vars, JSON.parse(extra) as Record<string, string>);
}
