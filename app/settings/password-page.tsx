// GET/POST /settings/password (inside the signed-in shell). Asks for the current password (unless
// the account has none yet), then the new one twice. Other sessions end; this one stays.
import { getFormProps, useForm } from "@conform-to/react";
import { data, Form, redirect, useNavigation } from "react-router";
import { z } from "zod";
import { requireUser } from "../accounts/auth.server.ts";
import { newPasswordSchema } from "../accounts/password-policy.ts";
import { pageHeaders } from "../email-flows/headers.ts";
import { withDatabase } from "../platform/database.server.ts";
import { parseForm } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { toastCookie } from "../platform/toast.server.ts";
import { Field, FormError, SubmitButton } from "../ui/form-field.tsx";
import type { Route } from "./+types/password-page";
import { changePassword, currentPasswordField } from "./password-and-email.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Password — Settings — Alva" }];
export const headers: Route.HeadersFunction = pageHeaders;

const passwordForm = (hasPassword: boolean) =>
  z
    .object({
      currentPassword: currentPasswordField(hasPassword),
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
  const submission = await parseForm(args, passwordForm(user.passwordHash !== null));
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });

  const result = await withDatabase(context, (db) =>
    changePassword(db, context, env, {
      user,
      session,
      currentPassword: submission.value.currentPassword,
      newPassword: submission.value.password,
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
    case "wrong-current":
      return data(
        { result: submission.reply({ fieldErrors: { currentPassword: ["That isn't your current password."] } }) },
        { status: 400 },
      );
    case "same-as-current":
      return data(
        {
          result: submission.reply({
            fieldErrors: { password: ["That is your current password; choose a different one."] },
          }),
        },
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
  const [form, fields] = useForm<z.input<ReturnType<typeof passwordForm>>>({
    id: "password",
    lastResult: actionData?.result,
  });
  return (
    <section className="space-y-6" aria-labelledby="password-title">
      <h2 id="password-title" className="text-xl font-semibold tracking-tight">
        {loaderData.hasPassword ? "Change your password" : "Set a password"}
      </h2>
      <p className="max-w-md text-zinc-600 dark:text-zinc-400">
        Every other device signed in to your account is signed out; this one stays signed in. We'll e-mail you that it
        changed.
      </p>
      <FormError errors={form.errors} />
      <Form method="post" action="/settings/password" {...getFormProps(form)} className="max-w-md space-y-4">
        <input type="text" name="username" autoComplete="username" value={loaderData.username} readOnly hidden />
        {loaderData.hasPassword ? (
          <Field
            meta={fields.currentPassword}
            label="Current password"
            type="password"
            autoComplete="current-password"
            required
          />
        ) : null}
        <Field
          meta={fields.password}
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="At least 8 characters. A phrase of a few words works well."
          required
        />
        <Field
          meta={fields.confirmPassword}
          label="New password, again"
          type="password"
          autoComplete="new-password"
          required
        />
        <SubmitButton pending={navigation.state === "submitting"} pendingLabel="Saving…">
          {loaderData.hasPassword ? "Change password" : "Set password"}
        </SubmitButton>
      </Form>
    </section>
  );
}
