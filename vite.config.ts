import { cloudflare } from "@cloudflare/vite-plugin";
import { reactRouter } from "@react-router/dev/vite";
import tailwindcss from "@tailwindcss/vite";
import { defineConfig, type Plugin } from "vite";
import { staticAssetHeadersFile } from "./app/platform/security-headers.ts";

export default defineConfig({
  plugins: [cloudflare({ viteEnvironment: { name: "ssr" } }), tailwindcss(), reactRouter(), staticAssetHeaders()],
  resolve: { tsconfigPaths: true },
  // Pre-bundle what route modules import in the browser. Otherwise Vite finds @conform-to/react only
  // when the first onboarding card loads, re-optimises, and the page fails ("Invalid hook call": two
  // copies of React) before reloading to where the user came from.
  optimizeDeps: { include: ["@conform-to/react", "@conform-to/zod/v4", "zod"] },
  server: { port: 5173, strictPort: true },
});

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
