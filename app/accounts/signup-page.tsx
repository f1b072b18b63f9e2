import { getFormProps, useForm } from "@conform-to/react";
import { data, Form, Link, redirect, useNavigation } from "react-router";
import type { z } from "zod";
import {
  invitedEmail,
  loadInstanceSettings,
  methodEnabled,
  methodHidden,
  signupRefusals,
} from "../admin/instance-settings.server.ts";
import { sendAfterResponse } from "../email-flows/emails.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { parseForm } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { toastCookie } from "../platform/toast.server.ts";
import { Field, FormError, SubmitButton } from "../ui/form-field.tsx";
import type { Route } from "./+types/signup-page";
import { requireAnonymous } from "./auth.server.ts";
import { checkClientLimit, retryPhrase } from "./limits.server.ts";
import { signUp, signUpForm } from "./signup.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Create your account — Alva" }];

// A throttled answer carries Retry-After; the action's headers reach the document response only this way.
export const headers: Route.HeadersFunction = ({ actionHeaders, loaderHeaders }) =>
  actionHeaders.has("Retry-After") ? actionHeaders : loaderHeaders;

export async function loader(args: Route.LoaderArgs) {
  requireAnonymous(args);
  const token = new URL(args.request.url).searchParams.get("invitation");
  const [settings, invited] = await withDatabase(args.context, (db) =>
    Promise.all([loadInstanceSettings(db), invitedEmail(db, token)]),
  );
  // The policy is told up front (closed, invitation only, …); the action checks it against the address.
  return {
    password: methodEnabled(settings, "password"),
    closed: settings.signupPolicy === "closed",
    notice: settings.signupPolicy === "open" || invited ? null : signupRefusals[settings.signupPolicy],
    invitedEmail: invited,
  };
}

export async function action(args: Route.ActionArgs) {
  requireAnonymous(args);
  const { request, context } = args;
  const { env } = context.get(requestInfo);
  // Only the schema's fields are read: anything else posted (a `role`, say) is ignored.
  const submission = await parseForm(args, signUpForm);
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  if (!methodEnabled(await withDatabase(context, loadInstanceSettings), "password")) {
    return data({ result: submission.reply({ formErrors: [methodHidden] }) }, { status: 403 });
  }

  const limit = await checkClientLimit(env, "signUpIp", request);
  if (!limit.allowed) {
    return data(
      {
        result: submission.reply({
          formErrors: [`Too many sign-ups from your network; ${retryPhrase(limit.retryAfterSeconds)}.`],
        }),
      },
      { status: 429, headers: { "Retry-After": String(limit.retryAfterSeconds) } },
    );
  }

  const result = await withDatabase(context, (db) => signUp(db, env, submission.value, request));
  if (result.outcome === "refused") {
    return data({ result: submission.reply({ formErrors: [result.message] }) }, { status: 403 });
  }
  if (result.outcome === "username-taken") {
    return data(
      { result: submission.reply({ fieldErrors: { username: ["That username is taken; try another."] } }) },
      { status: 400 },
    );
  }
  sendAfterResponse(context, result.mail);
  return redirect("/login", {
    headers: {
      "Set-Cookie": toastCookie(request, {
        kind: "info",
        message: `Check ${submission.value.email}: we sent a message to verify the address. Then sign in.`,
      }),
    },
  });
}

export default function SignUpPage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const [form, fields] = useForm<z.input<typeof signUpForm>>({
    id: "signup",
    lastResult: actionData?.result,
    defaultValue: loaderData.invitedEmail ? { email: loaderData.invitedEmail } : undefined,
  });
  return (
    <section className="mx-auto max-w-md space-y-6">
      <header>
        <h1 className="text-2xl font-semibold tracking-tight">Create your account</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Already have one?{" "}
          <Link to="/login" className="underline">
            Sign in
          </Link>
        </p>
      </header>
      {loaderData.notice ? (
        <p
          role="note"
          className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
        >
          {loaderData.notice}
        </p>
      ) : null}
      <FormError errors={form.errors} />
      {loaderData.password && !loaderData.closed ? (
        <Form method="post" {...getFormProps(form)} className="space-y-4">
          <Field
            meta={fields.username}
            label="Username"
            autoComplete="username"
            hint="3–32 lowercase letters, digits or _."
            required
          />
          <Field meta={fields.email} label="E-mail" type="email" autoComplete="email" required />
          <Field meta={fields.displayName} label="Display name (optional)" autoComplete="name" />
          <Field
            meta={fields.password}
            label="Password"
            type="password"
            autoComplete="new-password"
            hint="At least 8 characters. A phrase of a few words works well."
            required
          />
          <Field
            meta={fields.confirmPassword}
            label="Password, again"
            type="password"
            autoComplete="new-password"
            required
          />
          <SubmitButton pending={navigation.state === "submitting"} pendingLabel="Creating your account…">
            Create account
          </SubmitButton>
        </Form>
      ) : loaderData.closed ? null : (
        <p>
          <Link to="/login/link" className="underline">
            Create your account with a sign-in link
          </Link>{" "}
          sent to your e-mail address.
        </p>
      )}
    </section>
  );
}
