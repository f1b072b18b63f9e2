// Helpers for workerd tests that call the real Worker entry with a chosen env.
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import worker from "../workers/app.ts";

export const origin = "http://localhost:5173";

/** Sends `request` through workers/app.ts, optionally with env overrides (e.g. a dead database). */
export async function send(request: Request | string, overrides: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const req = typeof request === "string" ? new Request(new URL(request, origin)) : request;
  const response = await worker.fetch(req as Request<unknown, IncomingRequestCfProperties>, { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** A plain HTML form post from one of our own pages, the way a browser without JavaScript sends it. */
export function formPost(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Request {
  return new Request(new URL(path, origin), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin", ...headers },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

/** An address on this machine where nothing listens: the database is "down". */
export const deadDatabase: Partial<Env> = { TURSO_DATABASE_URL: "http://127.0.0.1:9" };
