// GET/POST /login/link. GET: the "e-mail me a sign-in link" form, or with ?sent=1 the "check your
// inbox" page with a field for the code. POST intent=request asks for a link; intent=code types the
// code. Asking answers the same whether or not the address has an account (nothing is looked up, and
// the mail is sent after the response); it is limited per address and per client IP, the same way for
// every address. The code works only in this browser (see magic-links.server.ts).
import { getFormProps, useForm } from "@conform-to/react";
import { data, Form, Link, redirect, useNavigation } from "react-router";
import { z } from "zod";
import { AccountRefusedError } from "../accounts/account-status.ts";
import { emailSchema } from "../accounts/accounts.server.ts";
import { requireAnonymous } from "../accounts/auth.server.ts";
import { normalizeCode } from "../accounts/emailed-secrets.server.ts";
import { checkClientLimit, checkLimit, retryPhrase } from "../accounts/limits.server.ts";
import { randomSecret } from "../accounts/secrets.server.ts";
import {
  loadInstanceSettings,
  methodEnabled,
  methodHidden,
  SignupRefusedError,
} from "../admin/instance-settings.server.ts";
import { afterResponse } from "../email-flows/emails.server.ts";
import { pageHeaders } from "../email-flows/headers.ts";
import { Panel } from "../email-flows/panel.tsx";
import { withDatabase } from "../platform/database.server.ts";
import { oneTimeCodeField, parseFormData, readForm } from "../platform/forms.server.ts";
import { httpError } from "../platform/http-error.ts";
import { requestInfo } from "../platform/request-info.ts";
import { safeRedirectPath } from "../platform/safe-redirect.ts";
import { CodeInput, FormError, SubmitButton } from "../ui/form-field.tsx";
import type { Route } from "./+types/request-page";
import { MagicLinkForm } from "./magic-link-form.tsx";
import {
  browserCookie,
  consumeCode,
  createMagicLink,
  readBrowserSecret,
  sendMagicLinkMail,
  signedInRedirect,
  signInWithLink,
} from "./magic-links.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Sign in with an e-mail link — Alva" }];
export const headers: Route.HeadersFunction = pageHeaders;

const WRONG_CODE =
  "That code doesn't work. Codes work once, for 10 minutes, only in the browser where you asked for the link, and only the newest one. Use the link in the e-mail, or ask for a new one.";

const ENTER_CODE = "Enter the 8-digit code from the e-mail.";
const requestForm = z.object({
  intent: z.literal("request"),
  email: emailSchema,
  redirectTo: z.string().max(2048).optional(),
});
const codeForm = z.object({ intent: z.literal("code"), code: oneTimeCodeField(normalizeCode, ENTER_CODE) });

export async function loader(args: Route.LoaderArgs) {
  requireAnonymous(args);
  await refuseWhenHidden(args);
  const url = new URL(args.request.url);
  return {
    sent: url.searchParams.get("sent") === "1",
    redirectTo: safeRedirectPath(url.searchParams.get("redirectTo"), "") || null,
  };
}

/** Turned off at /admin/settings: neither the page nor its posts work. */
async function refuseWhenHidden({ context }: Route.LoaderArgs | Route.ActionArgs) {
  const settings = await withDatabase(context, loadInstanceSettings);
  if (!methodEnabled(settings, "magic-link")) httpError(context, 403, methodHidden);
}

export async function action(args: Route.ActionArgs) {
  requireAnonymous(args);
  await refuseWhenHidden(args);
  const form = await readForm(args);
  return form.get("intent") === "code" ? typeCode(args, form) : requestLink(args, form);
}

async function requestLink({ request, context }: Route.ActionArgs, form: FormData) {
  const { env } = context.get(requestInfo);
  // Whatever else the post says, a post without intent=code asks for a link.
  form.set("intent", "request");
  const submission = parseFormData(form, requestForm);
  if (submission.status !== "success")
    return data({ view: "request" as const, result: submission.reply() }, { status: 400 });
  const { email } = submission.value;

  // Per client first (one client, many addresses), then per address (many clients, one mailbox).
  const ipLimit = await checkClientLimit(env, "magicLinkIp", request);
  const limit = ipLimit.allowed ? await checkLimit(env, "magicLinkEmail", email) : ipLimit;
  if (!limit.allowed) {
    return data(
      {
        view: "request" as const,
        result: submission.reply({
          fieldErrors: {
            email: [
              `Too many sign-in links asked for; ${retryPhrase(limit.retryAfterSeconds)}. A link we already sent keeps working for 10 minutes.`,
            ],
          },
        }),
      },
      { status: 429, headers: { "Retry-After": String(limit.retryAfterSeconds) } },
    );
  }

  // A browser that already asked keeps its value, so its earlier code keeps working until a newer one.
  const browserSecret = readBrowserSecret(request) ?? randomSecret(20);
  const redirectTo = safeRedirectPath(submission.value.redirectTo, "") || null;
  await withDatabase(context, async (db) => {
    const mail = await createMagicLink(db, env, { email, browserSecret, redirectTo });
    afterResponse(context, () => sendMagicLinkMail(db, env, mail));
  });
  return redirect("/login/link?sent=1", { headers: { "Set-Cookie": browserCookie(request, browserSecret) } });
}

async function typeCode({ request, context }: Route.ActionArgs, form: FormData) {
  const { env } = context.get(requestInfo);
  const submission = parseFormData(form, codeForm);
  if (submission.status !== "success")
    return data({ view: "code" as const, result: submission.reply() }, { status: 400 });
  const { code } = submission.value;

  const result = await withDatabase(context, async (db) => {
    const link = await consumeCode(db, { browserSecret: readBrowserSecret(request), code });
    if (!link) return null;
    return { link, signedIn: await signInWithLink(db, env, { link, request }) };
  }).catch((error: unknown) => {
    // No account yet, and the sign-up policy does not admit this address (/admin/settings).
    if (error instanceof SignupRefusedError) httpError(context, 403, error.message);
    return error instanceof AccountRefusedError ? error : Promise.reject(error);
  });
  if (result instanceof AccountRefusedError) {
    return data({ view: "code" as const, result: submission.reply({ formErrors: [result.message] }) }, { status: 403 });
  }
  if (!result)
    return data({ view: "code" as const, result: submission.reply({ formErrors: [WRONG_CODE] }) }, { status: 400 });

  return signedInRedirect(request, result.signedIn, result.link);
}

export default function MagicLinkRequestPage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const showCode = actionData?.view === "code" || (loaderData.sent && !actionData);
  const [form, fields] = useForm<z.input<typeof codeForm>>({
    id: "magic-link-code",
    lastResult: actionData?.view === "code" ? actionData.result : undefined,
  });
  if (showCode) {
    return (
      <Panel title="Check your inbox">
        <p role="status">
          We've sent a sign-in link and a code to the address you entered. Open the link on any device, or type the code
          here. Both work once, for 10 minutes.
        </p>
        <FormError errors={form.errors} />
        <Form method="post" action="/login/link" {...getFormProps(form)} className="space-y-4">
          <input type="hidden" name="intent" value="code" />
          <CodeInput meta={fields.code} />
          <SubmitButton pending={navigation.state === "submitting"} pendingLabel="Checking…">
            Sign in
          </SubmitButton>
        </Form>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Nothing after a few minutes? Check your spam folder, or{" "}
          <Link to="/login/link" className="underline">
            ask again
          </Link>
          .
        </p>
      </Panel>
    );
  }
  const refused = actionData?.view === "request" ? actionData.result : undefined;
  return (
    <Panel title="Sign in with an e-mail link">
      <p className="text-zinc-600 dark:text-zinc-400">
        We'll e-mail you a link and a code to sign in — no password needed. New here? The same link creates your
        account.
      </p>
      <MagicLinkForm result={refused} redirectTo={loaderData.redirectTo} />
      <p className="text-sm">
        <Link to="/login" className="underline">
          Sign in with a password instead
        </Link>
      </p>
    </Panel>
  );
}
