// GET/POST /verify-email. Signed in: a form for the 8-digit code. With ?token= (the link in the
// mail): a "Confirm my address" button. The GET never uses anything up — mail scanners and link
// previews follow links — only the POST does. The token works signed out; the code only for its user.
import { getFormProps, useForm } from "@conform-to/react";
import { data, Form, Link, redirect, useNavigation } from "react-router";
import { z } from "zod";
import { getAuth, requireUser } from "../accounts/auth.server.ts";
import { normalizeCode } from "../accounts/emailed-secrets.server.ts";
import { checkLimit, retryPhrase } from "../accounts/limits.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { oneTimeCodeField, parseFormData, readForm } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { toastCookie } from "../platform/toast.server.ts";
import { CodeInput, SubmitButton } from "../ui/form-field.tsx";
import type { Route } from "./+types/verify-email-page";
import { pageHeaders } from "./headers.ts";
import { Panel } from "./panel.tsx";
import {
  consumeVerificationCode,
  consumeVerificationToken,
  findUsableVerification,
  pendingEmailChange,
  type VerificationOutcome,
} from "./verification.server.ts";

const codeForm = z.object({ code: oneTimeCodeField(normalizeCode, "Enter the 8-digit code from the e-mail.") });

export const meta: Route.MetaFunction = () => [{ title: "Confirm your e-mail address — Alva" }];
export const headers: Route.HeadersFunction = pageHeaders;

export async function loader(args: Route.LoaderArgs) {
  const { request, context } = args;
  const token = new URL(request.url).searchParams.get("token");
  if (token !== null) {
    const row = await withDatabase(context, (db) => findUsableVerification(db, token));
    if (!row)
      return data(
        { view: "link-invalid" as const, signedIn: getAuth(context).status === "signed-in" },
        { status: 410 },
      );
    return { view: "link" as const, token, email: row.email, purpose: row.purpose };
  }
  const { user } = requireUser(args);
  const pendingEmail = await withDatabase(context, (db) => pendingEmailChange(db, user.id));
  return { view: "code" as const, email: user.email, verified: user.emailVerifiedAt !== null, pendingEmail };
}

export async function action(args: Route.ActionArgs) {
  const { request, context } = args;
  const { env } = context.get(requestInfo);
  const form = await readForm(args);
  const token = form.get("token");

  if (typeof token === "string" && token !== "") {
    const result = await withDatabase(context, (db) => consumeVerificationToken(db, env, { token, request }));
    if (result.outcome === "invalid") {
      return data(
        { view: "link-invalid" as const, signedIn: getAuth(context).status === "signed-in" },
        { status: 410 },
      );
    }
    return finish(request, result);
  }

  const { user } = requireUser(args);
  const submission = parseFormData(form, codeForm);
  if (submission.status !== "success")
    return data({ view: "code-error" as const, result: submission.reply() }, { status: 400 });
  const { code } = submission.value;

  // Counted before the code is compared, so once the bucket is empty not even a right guess gets through.
  const limit = await checkLimit(env, "verificationCode", user.id);
  if (!limit.allowed) {
    return data(
      {
        view: "code-error" as const,
        result: submission.reply({
          fieldErrors: {
            code: [
              `Too many attempts; ${retryPhrase(limit.retryAfterSeconds)}. You can also use the link in the e-mail.`,
            ],
          },
        }),
      },
      { status: 429, headers: { "Retry-After": String(limit.retryAfterSeconds) } },
    );
  }
  const result = await withDatabase(context, (db) =>
    consumeVerificationCode(db, env, { userId: user.id, code, request }),
  );
  if (result.outcome === "invalid") {
    return data(
      {
        view: "code-error" as const,
        result: submission.reply({
          fieldErrors: {
            code: [
              "That code is wrong, has expired or was already used. Check the newest e-mail from us, or send a new code.",
            ],
          },
        }),
      },
      { status: 400 },
    );
  }
  return finish(request, result);
}

function finish(request: Request, result: Exclude<VerificationOutcome, { outcome: "invalid" }>) {
  if (result.outcome === "address-taken") {
    return data({ view: "address-taken" as const, email: result.email }, { status: 409 });
  }
  const message =
    result.purpose === "change-email"
      ? `Your e-mail address is now ${result.email}.`
      : `Thanks — ${result.email} is verified.`;
  return redirect("/dashboard", { headers: { "Set-Cookie": toastCookie(request, { kind: "success", message }) } });
}

export default function VerifyEmailPage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const pending = navigation.state === "submitting";
  const [form, fields] = useForm<z.input<typeof codeForm>>({
    id: "verify-email",
    lastResult: actionData?.view === "code-error" ? actionData.result : undefined,
  });

  if (actionData?.view === "address-taken") {
    return (
      <Panel title="That address is taken now">
        <p>
          Another account started using <strong>{actionData.email}</strong> in the meantime, so your address did not
          change. You can choose a different one in{" "}
          <Link to="/settings/email" className="underline">
            your settings
          </Link>
          .
        </p>
      </Panel>
    );
  }

  if (actionData?.view === "link-invalid" || loaderData.view === "link-invalid") {
    const signedIn =
      actionData?.view === "link-invalid"
        ? actionData.signedIn
        : loaderData.view === "link-invalid" && loaderData.signedIn;
    return (
      <Panel title="This link has expired or was used">
        <p>Confirmation links work once, for one hour. If you asked for several, only the newest one works.</p>
        {signedIn ? (
          <Form method="post" action="/verify-email/resend">
            <SubmitButton pending={pending} pendingLabel="Sending…">
              Send me a new code
            </SubmitButton>
          </Form>
        ) : (
          <p>
            <Link to="/login?redirectTo=%2Fverify-email" className="underline">
              Sign in
            </Link>{" "}
            to get a new code.
          </p>
        )}
      </Panel>
    );
  }

  if (loaderData.view === "link") {
    return (
      <Panel title="Confirm your e-mail address">
        <p>
          {loaderData.purpose === "change-email" ? "Make " : "Confirm that "}
          <strong>{loaderData.email}</strong>
          {loaderData.purpose === "change-email" ? " the address of your Alva account." : " is your address."}
        </p>
        {/* The token stays in the URL too, so the page can re-render it if the POST fails. */}
        <Form method="post" action={`/verify-email?token=${encodeURIComponent(loaderData.token)}`}>
          <input type="hidden" name="token" value={loaderData.token} />
          <SubmitButton pending={pending} pendingLabel="Confirming…">
            Confirm my address
          </SubmitButton>
        </Form>
      </Panel>
    );
  }

  const error = actionData?.view === "code-error";
  const code = loaderData.view === "code" ? loaderData : null;
  return (
    <Panel title="Confirm your e-mail address">
      {code?.verified && !code.pendingEmail && !error ? (
        <p role="status">
          <strong>{code.email}</strong> is verified. Nothing to do here —{" "}
          <Link to="/dashboard" className="underline">
            go to your dashboard
          </Link>
          .
        </p>
      ) : (
        <p>
          We sent an 8-digit code to <strong>{code?.pendingEmail ?? code?.email}</strong>. Type it below, or use the
          link in the same e-mail.
        </p>
      )}
      <Form method="post" action="/verify-email" {...getFormProps(form)} className="space-y-4">
        <CodeInput meta={fields.code} />
        <SubmitButton pending={pending && navigation.formAction === "/verify-email"} pendingLabel="Checking…">
          Confirm
        </SubmitButton>
      </Form>
      {code && !code.verified ? (
        <Form method="post" action="/verify-email/resend" className="text-sm">
          Nothing arrived?{" "}
          <button type="submit" className="underline">
            Send a new code
          </button>
        </Form>
      ) : code?.pendingEmail ? (
        <p className="text-sm">
          Nothing arrived? Ask again in{" "}
          <Link to="/settings/email" className="underline">
            your e-mail settings
          </Link>
          .
        </p>
      ) : null}
    </Panel>
  );
}
