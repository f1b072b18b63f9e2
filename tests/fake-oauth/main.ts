// Runs the fake OAuth provider as its own process (for tests/e2e/serve.ts):
//   node tests/fake-oauth/main.ts [port]
// prints one JSON line with the app variables that point at it, and stops on SIGTERM/SIGINT.
import { startFakeOAuthServer } from "./server.ts";

const fake = await startFakeOAuthServer({ port: Number(process.argv[2] ?? 0) });
process.stdout.write(`${JSON.stringify(fake.env)}\n`);
const stop = () => void fake.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
