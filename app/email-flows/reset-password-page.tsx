// GET/POST /reset-password?token=…: the GET only shows the form (a link preview must not use the
// token up); the POST uses the token once, sets the new password, ends every session of the account
// and sends the user to sign in — it signs no one in, so the link alone never yields a session.
import { getFormProps, useForm } from "@conform-to/react";
import { data, Form, Link, redirect, useNavigation } from "react-router";
import { z } from "zod";
import { hashPassword } from "../accounts/password.server.ts";
import { newPasswordSchema } from "../accounts/password-policy.ts";
import { withDatabase } from "../platform/database.server.ts";
import { parseFormData, readForm } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { toastCookie } from "../platform/toast.server.ts";
import { Field, SubmitButton } from "../ui/form-field.tsx";
import type { Route } from "./+types/reset-password-page";
import { passwordChangedMail, sendAfterResponse } from "./emails.server.ts";
import { pageHeaders } from "./headers.ts";
import { Panel } from "./panel.tsx";
import { completePasswordReset, findUsableReset } from "./password-reset.server.ts";

export const meta: Route.MetaFunction = () => [
  { title: "Choose a new password — Alva" },
  { name: "robots", content: "noindex" },
];
export const headers: Route.HeadersFunction = pageHeaders;

const resetForm = z
  .object({
    password: newPasswordSchema,
    confirmPassword: z.string({ error: "Type the password again." }).max(1024),
  })
  .refine((form) => form.password === form.confirmPassword.normalize("NFC"), {
    path: ["confirmPassword"],
    message: "The two passwords differ.",
  });

const expired = () => data({ view: "invalid" as const }, { status: 410 });

export async function loader({ request, context }: Route.LoaderArgs) {
  const token = new URL(request.url).searchParams.get("token") ?? "";
  const reset = await withDatabase(context, (db) => findUsableReset(db, token));
  if (!reset) return expired();
  return { view: "form" as const, token, email: reset.email };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { env } = context.get(requestInfo);
  const form = await readForm({ request, context });
  const token = typeof form.get("token") === "string" ? String(form.get("token")) : "";
  // Checked before the slow hashing, so a dead link answers at once (and nothing is hashed for it).
  const reset = await withDatabase(context, (db) => findUsableReset(db, token));
  if (!reset) return expired();

  const submission = parseFormData(form, resetForm);
  if (submission.status !== "success")
    return data({ view: "form-error" as const, result: submission.reply() }, { status: 400 });

  const passwordHash = await hashPassword(submission.value.password);
  const result = await withDatabase(context, (db) => completePasswordReset(db, { token, passwordHash, request }));
  if (result.outcome === "invalid") return expired(); // someone used the link a moment ago
  const { user } = result;
  sendAfterResponse(context, passwordChangedMail({ env, user, to: user.email, how: "reset" }));
  return redirect("/login", {
    headers: {
      "Set-Cookie": toastCookie(request, {
        kind: "success",
        message: "Your password was changed and every device was signed out. Sign in with the new password.",
      }),
    },
  });
}

export default function ResetPasswordPage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const [form, fields] = useForm<z.input<typeof resetForm>>({
    id: "reset-password",
    lastResult: actionData?.view === "form-error" ? actionData.result : undefined,
  });
  if (actionData?.view === "invalid" || loaderData.view === "invalid") {
    return (
      <Panel title="This link has expired or was used">
        <p>A reset link works once, for one hour, and only the newest one you asked for works.</p>
        <p>
          <Link
            to="/forgot-password"
            className="inline-block rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700"
          >
            Send me a new link
          </Link>
        </p>
      </Panel>
    );
  }
  return (
    <Panel title="Choose a new password">
      <p className="text-zinc-600 dark:text-zinc-400">
        After this, every device signed in to your account is signed out, and you sign in again with the new password.
      </p>
      <Form
        method="post"
        action={`/reset-password?token=${encodeURIComponent(loaderData.token)}`}
        {...getFormProps(form)}
        className="space-y-4"
      >
        <input type="hidden" name="token" value={loaderData.token} />
        {/* Lets password managers file the new password under the right account. */}
        <input type="text" name="username" autoComplete="username" value={loaderData.email} readOnly hidden />
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
          Save the new password
        </SubmitButton>
      </Form>
    </Panel>
  );
}
