// Types for the workerd tests: `env` from cloudflare:workers is the Worker's Env.
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("../workers/app.ts");
  }
}
