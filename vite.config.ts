import { cloudflare } from "@cloudflare/vite-plugin";
import { reactRouter } from "@react-router/dev/vite";
import tailwindcss from "@tailwindcss/vite";
import { defineConfig, type Plugin } from "vite";
import { staticAssetHeadersFile } from "./app/platform/security-headers.ts";

export default defineConfig({
  plugins: [cloudflare({ viteEnvironment: { name: "ssr" } }), tailwindcss(), reactRouter(), staticAssetHeaders()],
  resolve: { tsconfigPaths: true },
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
