import { getFormProps, useForm } from "@conform-to/react";
import { data, Form, Link, redirect, useNavigation, useSearchParams } from "react-router";
import { z } from "zod";
import { loadInstanceSettings, methodEnabled, methodHidden } from "../admin/instance-settings.server.ts";
import { MagicLinkForm } from "../magic-links/magic-link-form.tsx";
import { enabledProviders } from "../oauth/config.server.ts";
import { ProviderButtons } from "../oauth/provider-buttons.tsx";
import { withDatabase } from "../platform/database.server.ts";
import { parseForm } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { safeRedirectPath } from "../platform/safe-redirect.ts";
import { Field, FormError, SubmitButton } from "../ui/form-field.tsx";
import type { Route } from "./+types/login-page";
import { requireAnonymous } from "./auth.server.ts";
import { MAX_PASSWORD_INPUT_LENGTH } from "./password-limits.ts";
import { SIGN_IN_FAILED_MESSAGE, signIn } from "./sign-in.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Sign in — Alva" }];

const signInForm = z.object({
  login: z.string().trim().min(1, "Enter your e-mail or username.").max(254),
  // Not the new-password rules: any string is checked, up to the longest password we accept.
  password: z.string().min(1, "Enter your password.").max(MAX_PASSWORD_INPUT_LENGTH),
  remember: z.literal("on").optional(),
  redirectTo: z.string().optional(),
});

// A throttled answer carries Retry-After; the action's headers reach the document response only this way.
export const headers: Route.HeadersFunction = ({ actionHeaders, loaderHeaders }) =>
  actionHeaders.has("Retry-After") ? actionHeaders : loaderHeaders;

export async function loader(args: Route.LoaderArgs) {
  requireAnonymous(args);
  const settings = await withDatabase(args.context, loadInstanceSettings);
  return {
    // Only providers with credentials configured, and not turned off at /admin/settings, are offered.
    providers: enabledProviders(args.context.get(requestInfo).env).filter((provider) =>
      methodEnabled(settings, provider),
    ),
    password: methodEnabled(settings, "password"),
    magicLink: methodEnabled(settings, "magic-link"),
  };
}

export async function action(args: Route.ActionArgs) {
  requireAnonymous(args);
  const { request, context } = args;
  const { env } = context.get(requestInfo);
  const submission = await parseForm(args, signInForm);
  if (submission.status !== "success") return data({ result: submission.reply(), throttled: false }, { status: 400 });
  if (!methodEnabled(await withDatabase(context, loadInstanceSettings), "password")) {
    return data({ result: submission.reply({ formErrors: [methodHidden] }), throttled: false }, { status: 403 });
  }
  const result = await withDatabase(context, (db) =>
    signIn(db, env, {
      login: submission.value.login,
      password: submission.value.password,
      persistent: submission.value.remember === "on",
      request,
    }),
  );
  if (result.outcome === "throttled") {
    return data(
      { result: submission.reply({ formErrors: [result.message] }), throttled: true },
      { status: 429, headers: { "Retry-After": String(result.retryAfterSeconds) } },
    );
  }
  if (result.outcome === "refused") {
    return data(
      { result: submission.reply({ formErrors: [result.refusal.message] }), throttled: false },
      { status: 403 },
    );
  }
  if (result.outcome === "invalid")
    return data(
      { result: submission.reply({ formErrors: [SIGN_IN_FAILED_MESSAGE] }), throttled: false },
      { status: 400 },
    );
  return redirect(safeRedirectPath(submission.value.redirectTo, "/dashboard"), {
    headers: { "Set-Cookie": result.cookie },
  });
}

export default function LoginPage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const [searchParams] = useSearchParams();
  const [form, fields] = useForm<z.input<typeof signInForm>>({ id: "login", lastResult: actionData?.result });
  return (
    <section className="mx-auto max-w-md space-y-6">
      <header>
        <h1 className="text-2xl font-semibold tracking-tight">Sign in</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          New here?{" "}
          <Link to="/signup" className="underline">
            Create an account
          </Link>
        </p>
      </header>
      <FormError errors={form.errors} />
      {actionData?.throttled ? (
        <p className="text-sm">
          <Link to="/forgot-password" className="underline">
            Reset your password
          </Link>
        </p>
      ) : null}
      {loaderData.password ? (
        <>
          <Form method="post" {...getFormProps(form)} className="space-y-4">
            <input type="hidden" name="redirectTo" value={searchParams.get("redirectTo") ?? ""} />
            <Field meta={fields.login} label="E-mail or username" autoComplete="username" required />
            <Field meta={fields.password} label="Password" type="password" autoComplete="current-password" required />
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="remember" defaultChecked className="size-4" /> Keep me signed in on this
              device
            </label>
            <SubmitButton pending={navigation.state === "submitting"} pendingLabel="Signing in…">
              Sign in
            </SubmitButton>
          </Form>
          <p className="text-sm">
            <Link to="/forgot-password" className="underline">
              Forgot your password?
            </Link>
          </p>
        </>
      ) : null}
      {loaderData.magicLink || loaderData.providers.length > 0 ? (
        <div
          className={loaderData.password ? "space-y-4 border-t border-zinc-200 pt-6 dark:border-zinc-800" : "space-y-4"}
        >
          {loaderData.password ? (
            <h2 className="text-sm font-medium text-zinc-600 dark:text-zinc-400">Or sign in without a password</h2>
          ) : null}
          {loaderData.magicLink ? <MagicLinkForm redirectTo={searchParams.get("redirectTo")} /> : null}
          <ProviderButtons providers={loaderData.providers} redirectTo={searchParams.get("redirectTo")} />
        </div>
      ) : null}
    </section>
  );
}
