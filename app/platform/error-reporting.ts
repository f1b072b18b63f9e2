// Optional error reporting to Sentry (or anything that speaks its protocol, e.g. GlitchTip) through
// @sentry/cloudflare. Off unless SENTRY_DSN is set: then the Worker's handlers run exactly as without
// it. On, every error that logError writes is also sent, after `scrubEvent` has removed what must not
// leave the Worker: cookies, Authorization and other credential headers, tokens, passwords, e-mail
// addresses, query strings, bodies, drizzle's query parameters. No tracing, no default PII.
// docs/operations.md, "Error reporting"; docs/decisions/0113-optional-error-reporting.md.
import * as Sentry from "@sentry/cloudflare";
import { redactQueryParams } from "./request-log.ts";

interface ReportingEnv {
  SENTRY_DSN?: string;
  ENVIRONMENT: string;
}

/** The SDK's options for this env, or undefined when reporting is off. */
export function errorReportingOptions(env: ReportingEnv): Sentry.CloudflareOptions | undefined {
  const dsn = env.SENTRY_DSN?.trim();
  if (!dsn) return undefined;
  return {
    dsn,
    environment: env.ENVIRONMENT,
    // Collect nothing about the request or its user beyond the URL's path (the SDK's defaults collect
    // cookies, headers, bodies, query strings, user fields and query parameters); scrubEvent below
    // checks again whatever still gets through.
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: false,
      httpBodies: [],
      urlQueryParams: false,
      databaseQueryData: false,
      queues: false,
      genAI: { inputs: false, outputs: false },
      stackFrameVariables: false,
    },
    // No tracesSampleRate: errors only, no performance tracing (and none of its per-request cost).
    beforeSend: (event) => scrubEvent(event),
    beforeBreadcrumb: (breadcrumb) => scrubValue(breadcrumb) as Sentry.Breadcrumb,
  };
}

/**
 * The Worker's handlers, reporting to Sentry when SENTRY_DSN is set. withSentry instruments the object
 * it is given in place, so it gets a copy: without a DSN the original, untouched handlers run. The
 * result has the handler's own type, so tests call its methods as they would the plain object.
 */
export function withErrorReporting<E extends ReportingEnv, H extends ExportedHandler<E>>(handler: H): H {
  const reported = Sentry.withSentry<E, unknown, unknown, ExportedHandler<E>>((env) => errorReportingOptions(env), {
    ...handler,
  });
  const pick = (env: E): ExportedHandler<E> => (env.SENTRY_DSN?.trim() ? reported : handler);
  const wrapped: ExportedHandler<E> = {
    fetch: (request, env, ctx) => pick(env).fetch!(request, env, ctx),
    queue: (batch, env, ctx) => pick(env).queue!(batch, env, ctx),
    scheduled: (controller, env, ctx) => pick(env).scheduled!(controller, env, ctx),
  };
  return wrapped as H;
}

/**
 * Sends an error to Sentry when reporting is on for this request or batch (a no-op otherwise), tagged
 * with ids to find its log lines by (requestId, jobId).
 */
export function reportError(error: unknown, tags: Record<string, string | undefined>): void {
  if (!Sentry.getClient()) return;
  const defined = Object.fromEntries(Object.entries(tags).filter(([, value]) => value !== undefined));
  Sentry.captureException(error, { tags: defined });
}

const REDACTED = "[redacted]";
// Keys whose values are credentials or personal data, wherever they appear in an event.
const SENSITIVE_KEY =
  /cookie|authori[sz]ation|token|secret|passw|api[-_]?key|session|signature|credential|jwt|otp|^code$|e-?mail|^ip_address$|^username$/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
// The value of every query parameter in a URL-like string (reset and sign-in links carry tokens there).
const QUERY_VALUE = /([?&][^=&#\s]+)=[^&#\s]*/g;
// "token=…", "password: …" in free text (an error message that quotes what it was given).
const KEY_VALUE = /\b(token|password|passwd|secret|api[-_]?key|code|otp)(\s*[=:]\s*)[^\s&,;]+/gi;

/** A copy of `event` with credentials and personal data removed (what beforeSend returns). */
export function scrubEvent<T extends Sentry.Event>(event: T): T {
  const scrubbed = scrubValue(event) as T;
  if (scrubbed.request) {
    // Bodies and query strings may hold anything a user typed; the path is enough to find the route.
    delete scrubbed.request.cookies;
    delete scrubbed.request.data;
    if (scrubbed.request.query_string !== undefined) scrubbed.request.query_string = REDACTED;
  }
  // The user by id only (the request log's rule).
  if (scrubbed.user) scrubbed.user = scrubbed.user.id === undefined ? {} : { id: scrubbed.user.id };
  return scrubbed;
}

/** Recursively: sensitive keys' values redacted, e-mail addresses, bearer tokens and query values cut from strings. */
export function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return scrubString(value);
  if (value === null || typeof value !== "object") return value;
  if (depth > 12) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = SENSITIVE_KEY.test(key) && item !== undefined && item !== null ? REDACTED : scrubValue(item, depth + 1);
  }
  return copy;
}

function scrubString(text: string): string {
  return redactQueryParams(text)
    .replace(EMAIL, "[email]")
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(QUERY_VALUE, `$1=${REDACTED}`)
    .replace(KEY_VALUE, `$1$2${REDACTED}`);
}
