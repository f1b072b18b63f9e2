// GET/POST /settings/email (inside the signed-in shell): a new address plus the current password.
// Nothing changes here: a code and link go to the new address, and the switch happens when they are
// used at /verify-email. The answer is the same whether or not the new address has an account.
import { getFormProps, useForm } from "@conform-to/react";
import { data, Form, Link, redirect, useNavigation } from "react-router";
import { z } from "zod";
import { emailSchema } from "../accounts/accounts.server.ts";
import { requireUser } from "../accounts/auth.server.ts";
import { pageHeaders } from "../email-flows/headers.ts";
import { withDatabase } from "../platform/database.server.ts";
import { parseForm } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { toastCookie } from "../platform/toast.server.ts";
import { Field, FormError, SubmitButton } from "../ui/form-field.tsx";
import type { Route } from "./+types/email-page";
import { currentPasswordField, requestEmailChange } from "./password-and-email.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "E-mail address — Settings — Alva" }];
export const headers: Route.HeadersFunction = pageHeaders;

const emailForm = (hasPassword: boolean) =>
  z.object({ email: emailSchema, currentPassword: currentPasswordField(hasPassword) });

export function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  return { email: user.email, verified: user.emailVerifiedAt !== null, hasPassword: user.passwordHash !== null };
}

export async function action(args: Route.ActionArgs) {
  const { request, context } = args;
  const { user, session } = requireUser(args);
  const { env } = context.get(requestInfo);
  const submission = await parseForm(args, emailForm(user.passwordHash !== null));
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });

  const result = await withDatabase(context, (db) =>
    requestEmailChange(db, context, env, {
      user,
      session,
      newEmail: submission.value.email,
      currentPassword: submission.value.currentPassword,
      request,
    }),
  );
  switch (result.outcome) {
    case "sign-in-again":
      return data({ result: submission.reply({ formErrors: [result.message] }) }, { status: 403 });
    case "throttled":
      return data(
        { result: submission.reply({ formErrors: [result.message] }) },
        { status: 429, headers: { "Retry-After": String(result.retryAfterSeconds) } },
      );
    case "wrong-password":
      return data(
        { result: submission.reply({ fieldErrors: { currentPassword: ["That isn't your current password."] } }) },
        { status: 400 },
      );
    case "same-address":
      return data(
        { result: submission.reply({ fieldErrors: { email: ["That is already your address."] } }) },
        { status: 400 },
      );
    case "sent":
      return redirect("/settings/email", {
        headers: {
          "Set-Cookie": toastCookie(request, {
            kind: "info",
            message: `We sent a link to ${submission.value.email}. Your address changes once you confirm it there (within an hour).`,
          }),
        },
      });
  }
}

export default function SettingsEmailPage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const [form, fields] = useForm<z.input<ReturnType<typeof emailForm>>>({
    id: "email",
    lastResult: actionData?.result,
  });
  return (
    <section className="space-y-6" aria-labelledby="email-title">
      <h2 id="email-title" className="text-xl font-semibold tracking-tight">
        Change your e-mail address
      </h2>
      <p className="max-w-md text-zinc-600 dark:text-zinc-400">
        Your address is <strong data-testid="current-email">{loaderData.email}</strong>
        {loaderData.verified ? " (verified)" : " (not verified yet)"}. We'll send a code and link to the new address; it
        replaces this one when you confirm, and we tell this address about the change.
      </p>
      <FormError errors={form.errors} />
      <Form method="post" action="/settings/email" {...getFormProps(form)} className="max-w-md space-y-4">
        <Field meta={fields.email} label="New e-mail address" type="email" autoComplete="email" required />
        {loaderData.hasPassword ? (
          <Field
            meta={fields.currentPassword}
            label="Current password"
            type="password"
            autoComplete="current-password"
            required
          />
        ) : null}
        <SubmitButton pending={navigation.state === "submitting"} pendingLabel="Sending…">
          Send a confirmation link
        </SubmitButton>
      </Form>
      <p className="text-sm">
        Already have the code?{" "}
        <Link to="/verify-email" className="underline">
          Enter it here
        </Link>
        .
      </p>
    </section>
  );
}
