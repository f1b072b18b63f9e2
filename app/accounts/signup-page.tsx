import { data, Form, Link, redirect, useNavigation } from "react-router";
import { sendAfterResponse } from "../email-flows/emails.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { toastCookie } from "../platform/toast.server.ts";
import { Field, FormError, fieldErrors, SubmitButton } from "../ui/form-field.tsx";
import type { Route } from "./+types/signup-page";
import { requireAnonymous } from "./auth.server.ts";
import { checkClientLimit, retryPhrase } from "./limits.server.ts";
import { signUp, signUpForm } from "./signup.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Create your account — Alva" }];

// A throttled answer carries Retry-After; the action's headers reach the document response only this way.
export const headers: Route.HeadersFunction = ({ actionHeaders, loaderHeaders }) =>
  actionHeaders.has("Retry-After") ? actionHeaders : loaderHeaders;

export function loader(args: Route.LoaderArgs) {
  requireAnonymous(args);
  return null;
}

type Fields = { username: string; email: string; displayName: string };

export async function action(args: Route.ActionArgs) {
  requireAnonymous(args);
  const { request, context } = args;
  const { env } = context.get(requestInfo);
  const form = await request.formData();
  const text = (name: string) => (typeof form.get(name) === "string" ? String(form.get(name)) : "");
  // Only these fields are read: anything else posted (a `role`, say) is ignored.
  const fields: Fields = { username: text("username"), email: text("email"), displayName: text("displayName") };

  const parsed = signUpForm.safeParse({
    ...fields,
    password: form.get("password") ?? undefined,
    confirmPassword: form.get("confirmPassword") ?? undefined,
  });
  if (!parsed.success)
    return data({ fields, errors: fieldErrors(parsed.error.issues), formError: null }, { status: 400 });

  const limit = await checkClientLimit(env, "signUpIp", request);
  if (!limit.allowed) {
    return data(
      {
        fields,
        errors: {},
        formError: `Too many sign-ups from your network; ${retryPhrase(limit.retryAfterSeconds)}.`,
      },
      { status: 429, headers: { "Retry-After": String(limit.retryAfterSeconds) } },
    );
  }

  const result = await withDatabase(context, (db) => signUp(db, env, parsed.data, request));
  if (result.outcome === "username-taken") {
    return data(
      { fields, errors: { username: "That username is taken; try another." }, formError: null },
      { status: 400 },
    );
  }
  sendAfterResponse(context, result.mail);
  return redirect("/login", {
    headers: {
      "Set-Cookie": toastCookie(request, {
        kind: "info",
        message: `Check ${parsed.data.email}: we sent a message to verify the address. Then sign in.`,
      }),
    },
  });
}

export default function SignUpPage({ actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const errors: Record<string, string> = actionData?.errors ?? {};
  const fields = actionData?.fields;
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
      <FormError message={actionData?.formError} />
      <Form method="post" className="space-y-4" noValidate>
        <Field
          name="username"
          label="Username"
          autoComplete="username"
          defaultValue={fields?.username}
          error={errors.username}
          hint="3–32 lowercase letters, digits or _."
          required
        />
        <Field
          name="email"
          label="E-mail"
          type="email"
          autoComplete="email"
          defaultValue={fields?.email}
          error={errors.email}
          required
        />
        <Field
          name="displayName"
          label="Display name (optional)"
          autoComplete="name"
          defaultValue={fields?.displayName}
          error={errors.displayName}
        />
        <Field
          name="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          error={errors.password}
          hint="At least 8 characters. A phrase of a few words works well."
          required
        />
        <Field
          name="confirmPassword"
          label="Password, again"
          type="password"
          autoComplete="new-password"
          error={errors.confirmPassword}
          required
        />
        <SubmitButton pending={navigation.state === "submitting"} pendingLabel="Creating your account…">
          Create account
        </SubmitButton>
      </Form>
    </section>
  );
}
