// GET/POST /forgot-password. The answer never tells whether the address has an account: the same
// redirect and page either way, the same rate limits (keyed by the typed address and the client IP,
// not by the account), and the link is created and mailed after the response has gone, so the
// response time does not tell either. Signed-in users may use it too.
import { getFormProps, useForm } from "@conform-to/react";
import { data, Form, Link, redirect, useNavigation } from "react-router";
import { z } from "zod";
import { emailSchema, findUserByEmail } from "../accounts/accounts.server.ts";
import { checkClientLimit, checkLimit, retryPhrase } from "../accounts/limits.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { parseForm } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { Field, SubmitButton } from "../ui/form-field.tsx";
import type { Route } from "./+types/forgot-password-page";
import { afterResponse } from "./emails.server.ts";
import { pageHeaders } from "./headers.ts";
import { Panel } from "./panel.tsx";
import { issuePasswordReset } from "./password-reset.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Reset your password — Alva" }];
export const headers: Route.HeadersFunction = pageHeaders;

const forgotForm = z.object({ email: emailSchema });

export function loader({ request }: Route.LoaderArgs) {
  return { sent: new URL(request.url).searchParams.get("sent") === "1" };
}

export async function action(args: Route.ActionArgs) {
  const { request, context } = args;
  const { env } = context.get(requestInfo);
  const submission = await parseForm(args, forgotForm);
  // Only the address's shape is judged here, which says nothing about accounts.
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  const { email } = submission.value;

  // Per client first (one client trying many addresses), then per address (many clients, one address).
  const limit = await checkClientLimit(env, "resetRequestIp", request);
  const limited = limit.allowed ? await checkLimit(env, "resetRequestAccount", email) : limit;
  if (!limited.allowed) {
    return data(
      {
        result: submission.reply({
          fieldErrors: {
            email: [
              `Too many reset requests; ${retryPhrase(limited.retryAfterSeconds)}. A link we already sent keeps working for an hour.`,
            ],
          },
        }),
      },
      { status: 429, headers: { "Retry-After": String(limited.retryAfterSeconds) } },
    );
  }

  await withDatabase(context, async (db) => {
    // The lookup happens for every request; only the mail (slow, and only for real accounts) waits.
    const user = await findUserByEmail(db, email);
    if (user) afterResponse(context, () => issuePasswordReset(db, env, user));
  });
  return redirect("/forgot-password?sent=1");
}

export default function ForgotPasswordPage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const [form, fields] = useForm<z.input<typeof forgotForm>>({ id: "forgot-password", lastResult: actionData?.result });
  if (loaderData.sent && !actionData) {
    return (
      <Panel title="Check your e-mail">
        <p role="status">
          If an account uses that address, we've sent it a link to choose a new password. The link works once, for one
          hour.
        </p>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Nothing after a few minutes? Check your spam folder, make sure you typed the address of your account, or{" "}
          <Link to="/forgot-password" className="underline">
            ask again
          </Link>
          .
        </p>
        <p>
          <Link to="/login" className="underline">
            Back to sign in
          </Link>
        </p>
      </Panel>
    );
  }
  return (
    <Panel title="Reset your password">
      <p className="text-zinc-600 dark:text-zinc-400">
        Enter the e-mail address of your account. We'll send you a link to choose a new password.
      </p>
      <Form method="post" action="/forgot-password" {...getFormProps(form)} className="space-y-4">
        <Field meta={fields.email} label="E-mail" type="email" autoComplete="email" required />
        <SubmitButton pending={navigation.state === "submitting"} pendingLabel="Sending…">
          Send me a link
        </SubmitButton>
      </Form>
      <p className="text-sm">
        Remembered it?{" "}
        <Link to="/login" className="underline">
          Sign in
        </Link>
      </p>
    </Panel>
  );
}
