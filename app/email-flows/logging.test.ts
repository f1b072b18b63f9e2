import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { RouterContextProvider } from "react-router";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { codeIn, comparable, lastMailTo, mailTo, randomIp, tokenIn } from "../../tests/support/email-flows.ts";
import {
  createTestUser,
  ensureInstance,
  formPost,
  postAs,
  send,
  signIn,
  TEST_PASSWORD,
} from "../../tests/worker-helpers.ts";
import { requestInfo } from "../platform/request-info.ts";
import { afterResponse } from "./emails.server.ts";

beforeAll(ensureInstance);
afterEach(() => vi.restoreAllMocks());

/** Everything written to the console while `work` runs. */
async function captureConsole(work: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const capture = (...args: unknown[]) =>
    void lines.push(args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "));
  for (const method of ["log", "info", "warn", "error", "debug"] as const)
    vi.spyOn(console, method).mockImplementation(capture);
  await work();
  vi.restoreAllMocks();
  return lines.join("\n");
}

describe("secrets in logs", () => {
  it("no code or token of any flow reaches the console", async () => {
    const secrets: string[] = [];
    const output = await captureConsole(async () => {
      const user = await createTestUser({ verified: false, label: "logs" });
      const cookie = await signIn(user);
      // Verification: resend, a wrong code, the right code, the link (GET and POST).
      await postAs("/verify-email/resend", cookie, {});
      const mail = await lastMailTo(user.email);
      const code = codeIn(mail);
      const token = tokenIn(mail, "/verify-email");
      secrets.push(code, token);
      await postAs("/verify-email", cookie, { code: code === "00000000" ? "11111111" : "00000000" });
      await send(`/verify-email?token=${token}`);
      await send(formPost(`/verify-email?token=${token}`, { token }));
      await send(formPost(`/verify-email?token=${token}`, { token }));

      // Reset: request, view, a refused password, success, reuse.
      await send(formPost("/forgot-password", { email: user.email }, { "CF-Connecting-IP": randomIp() }));
      const resetToken = tokenIn(await lastMailTo(user.email), "/reset-password");
      secrets.push(resetToken);
      await send(`/reset-password?token=${resetToken}`);
      await send(
        formPost(`/reset-password?token=${resetToken}`, {
          token: resetToken,
          password: "short",
          confirmPassword: "short",
        }),
      );
      const newPassword = "log test new passphrase";
      secrets.push(newPassword, TEST_PASSWORD);
      await send(
        formPost(`/reset-password?token=${resetToken}`, {
          token: resetToken,
          password: newPassword,
          confirmPassword: newPassword,
        }),
      );
      await send(
        formPost(`/reset-password?token=${resetToken}`, {
          token: resetToken,
          password: newPassword,
          confirmPassword: newPassword,
        }),
      );
    });
    expect(output).toContain('"msg":"request"'); // the capture did see the request log lines
    for (const secret of secrets) expect(output).not.toContain(secret);
  });

  it("when mail cannot be sent, the reset answer stays the same and the log names no token", async () => {
    const user = await createTestUser({ label: "nomail" });
    const unknown = `nobody-${crypto.randomUUID()}@example.com`;
    const production = { ENVIRONMENT: "production", RESEND_API_KEY: "" };
    const responses: Response[] = [];
    const output = await captureConsole(async () => {
      for (const email of [user.email, unknown]) {
        responses.push(
          await send(formPost("/forgot-password", { email }, { "CF-Connecting-IP": randomIp() }), production),
        );
      }
    });
    const [known, missing] = responses;
    expect(known!.status).toBe(302);
    expect(known!.status).toBe(missing!.status);
    expect(known!.headers.get("Location")).toBe(missing!.headers.get("Location"));
    expect(comparable(await known!.text())).toBe(comparable(await missing!.text()));
    expect(output).toContain("MailNotConfiguredError");
    expect(output).not.toMatch(/token=|[a-z2-7]{32}/);
    expect(await mailTo(user.email)).toHaveLength(0);
  });

  it("a failed background query is logged without its parameters", async () => {
    const ctx = createExecutionContext();
    const context = new RouterContextProvider();
    context.set(requestInfo, { env, ctx, requestId: "req-1", nonce: "n", log: {} });
    const output = await captureConsole(async () => {
      afterResponse(context, async () => {
        throw new Error(
          'Failed query: insert into "email_verifications" values (?, ?)\nparams: secret-code-hash,someone@example.com',
        );
      });
      await waitOnExecutionContext(ctx);
    });
    expect(output).toContain("background work failed");
    expect(output).toContain("Failed query: insert into");
    expect(output).not.toContain("secret-code-hash");
    expect(output).not.toContain("someone@example.com");
  });
});
