// npm run deploy [-- wrangler deploy options]: builds, then `wrangler deploy` with the options given.
//   npm run deploy                      -> production (the top level of wrangler.toml)
//   npm run deploy -- --env staging     -> the [env.staging] Worker, its own bindings
// With the Cloudflare Vite plugin the environment is chosen when building (CLOUDFLARE_ENV): the build
// writes a flattened config for that one environment, and `wrangler deploy --env` alone would not
// change it. So the environment is read from the arguments here and given to the build; wrangler still
// gets `--env` and refuses a build made for another environment.
import { spawnSync } from "node:child_process";

/** The `--env`/`-e` value in wrangler-style arguments (`--env x`, `--env=x`, `-e x`), or undefined. */
export function cloudflareEnvFromArgs(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--env" || arg === "-e") return args[i + 1] || undefined;
    if (arg.startsWith("--env=")) return arg.slice("--env=".length) || undefined;
  }
  return undefined;
}

/** The environment variables of the build for `cloudflareEnv` (the top level when undefined). */
export function buildEnv(cloudflareEnv: string | undefined, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, CLOUDFLARE_CF_FETCH_ENABLED: "false" };
  if (cloudflareEnv) env.CLOUDFLARE_ENV = cloudflareEnv;
  else delete env.CLOUDFLARE_ENV;
  return env;
}

/** `react-router build` for that environment; exits on failure. */
export function buildFor(cloudflareEnv: string | undefined): void {
  const label = cloudflareEnv ? `the ${cloudflareEnv} environment` : "production";
  console.log(`• Building for ${label}`);
  run("react-router", ["build"], buildEnv(cloudflareEnv));
}

export function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { stdio: "inherit", env });
  if (result.status !== 0) {
    console.error(`✗ ${command} ${args.join(" ")} failed`);
    process.exit(result.status ?? 1);
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const cloudflareEnv = cloudflareEnvFromArgs(args);
  buildFor(cloudflareEnv);
  run("wrangler", ["deploy", ...args], buildEnv(cloudflareEnv));
}
