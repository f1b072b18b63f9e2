// npm run preview: the production build (made by `npm run build` just before) served by `wrangler dev`,
// with the same local database as `npm run dev`, and configured as production: ENVIRONMENT=production
// (so /dev/outbox and the console mail links are off, and the production CSP applies) whatever
// .dev.vars says. Mail is sent only when .dev.vars has RESEND_API_KEY, exactly as in production.
import { runForeground, startLocalStack } from "./local-stack.ts";

const port = process.env.PORT ?? "8787";
try {
  const stack = await startLocalStack();
  console.log(`• App (production build, ENVIRONMENT=production): http://localhost:${port}`);
  if (!stack.vars.RESEND_API_KEY) {
    console.log(
      "! Mail is NOT sent: .dev.vars has no RESEND_API_KEY, and production has no outbox. Sign-up works, but\n" +
        "  verification codes, reset and sign-in links fail (logged as errors). Use `npm run dev` for mail flows.",
    );
  }
  runForeground(
    "wrangler",
    ["dev", "--port", port, "--var", `APP_URL:http://localhost:${port}`, "--var", "ENVIRONMENT:production"],
    stack,
  );
} catch (error) {
  console.error(`✗ ${(error as Error).message}`);
  process.exit(1);
}
