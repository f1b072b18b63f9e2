// GET/POST /settings/password (inside the signed-in shell). Asks for the current password (unless
// the account has none yet), then the new one twice. Other sessions end; this one stays.
import { data, Form, redirect, useNavigation } from "react-router";
import { z } from "zod";
import { requireUser } from "../accounts/auth.server.ts";
import { newPasswordSchema } from "../accounts/password-policy.ts";
import { withDatabase } from "../platform/database.server.ts";
import { readForm } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { toastCookie } from "../platform/toast.server.ts";
import { SettingsNav } from "../settings/settings-nav.tsx";
import { Field, FormError, fieldErrors, SubmitButton } from "../ui/form-field.tsx";
import type { Route } from "./+types/settings-password-page";
import { changePassword } from "./account-settings.server.ts";
import { pageHeaders } from "./headers.ts";

export const meta: Route.MetaFunction = () => [{ title: "Password — Settings — Alva" }];
export const headers: Route.HeadersFunction = pageHeaders;

const passwordForm = z
  .object({
    currentPassword: z.string().max(1024, "That is longer than any password we accept.").default(""),
    password: newPasswordSchema,
    confirmPassword: z.string({ error: "Type the new password again." }).max(1024),
  })
  .refine((form) => form.password === form.confirmPassword.normalize("NFC"), {
    path: ["confirmPassword"],
    message: "The two passwords differ.",
  });

export function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  return { hasPassword: user.passwordHash !== null, username: user.username };
}

export async function action(args: Route.ActionArgs) {
  const { request, context } = args;
  const { user, session } = requireUser(args);
  const { env } = context.get(requestInfo);
  const form = await readForm(args);
  const field = (name: string) => (typeof form.get(name) === "string" ? String(form.get(name)) : undefined);
  const parsed = passwordForm.safeParse({
    currentPassword: field("currentPassword"),
    password: field("password"),
    confirmPassword: field("confirmPassword"),
  });
  const errors: Record<string, string> = parsed.success ? {} : fieldErrors(parsed.error.issues);
  if (user.passwordHash !== null && !field("currentPassword"))
    errors.currentPassword ??= "Enter your current password.";
  if (!parsed.success || Object.keys(errors).length > 0) return data({ errors, formError: null }, { status: 400 });

  const result = await withDatabase(context, (db) =>
    changePassword(db, context, env, {
      user,
      session,
      currentPassword: parsed.data.currentPassword,
      newPassword: parsed.data.password,
      request,
    }),
  );
  switch (result.outcome) {
    case "sign-in-again":
      return data({ errors: {}, formError: result.message }, { status: 403 });
    case "throttled":
      return data(
        { errors: {}, formError: result.message },
        { status: 429, headers: { "Retry-After": String(result.retryAfterSeconds) } },
      );
    case "wrong-current":
      return data(
        { errors: { currentPassword: "That isn't your current password." }, formError: null },
        { status: 400 },
      );
    case "same-as-current":
      return data(
        { errors: { password: "That is your current password; choose a different one." }, formError: null },
        { status: 400 },
      );
    case "changed": {
      const others = result.endedSessions > 0 ? " Your other devices were signed out." : "";
      return redirect("/settings/password", {
        headers: {
          "Set-Cookie": toastCookie(request, { kind: "success", message: `Your password was changed.${others}` }),
        },
      });
    }
  }
}

export default function SettingsPasswordPage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const errors: Record<string, string> = actionData?.errors ?? {};
  return (
    <section className="space-y-6" aria-labelledby="password-title">
      <h1 id="password-title" className="text-2xl font-semibold tracking-tight">
        {loaderData.hasPassword ? "Change your password" : "Set a password"}
      </h1>
      <SettingsNav />
      <p className="max-w-md text-zinc-600 dark:text-zinc-400">
        Every other device signed in to your account is signed out; this one stays signed in. We'll e-mail you that it
        changed.
      </p>
      <FormError message={actionData?.formError} />
      <Form method="post" action="/settings/password" className="max-w-md space-y-4" noValidate>
        <input type="text" name="username" autoComplete="username" value={loaderData.username} readOnly hidden />
        {loaderData.hasPassword ? (
          <Field
            name="currentPassword"
            label="Current password"
            type="password"
            autoComplete="current-password"
            error={errors.currentPassword}
            required
          />
        ) : null}
        <Field
          name="password"
          label="New password"
          type="password"
          autoComplete="new-password"
          error={errors.password}
          hint="At least 8 characters. A phrase of a few words works well."
          required
        />
        <Field
          name="confirmPassword"
          label="New password, again"
          type="password"
          autoComplete="new-password"
          error={errors.confirmPassword}
          required
        />
        <SubmitButton pending={navigation.state === "submitting"} pendingLabel="Saving…">
          {loaderData.hasPassword ? "Change password" : "Set password"}
        </SubmitButton>
      </Form>
    </section>
  );
}
