// GET/POST /welcome: "finish your profile" for accounts created by a magic link or a provider, which
// start with a generated username. The user keeps or replaces it (unique case-insensitively: usernames
// are stored lowercase under a UNIQUE constraint, which also settles two people racing for one name)
// and may set a display name. Pages of the shell send such users here
// (app/accounts/finished-profile.server.ts).

import { getFormProps, useForm } from "@conform-to/react";
import { and, eq } from "drizzle-orm";
import { data, Form, redirect, useNavigation } from "react-router";
import { z } from "zod";
import { users } from "../../db/schema.ts";
import { displayNameSchema, isUniqueViolation, usernameSchema } from "../accounts/accounts.server.ts";
import { requireUser } from "../accounts/auth.server.ts";
import { Panel } from "../email-flows/panel.tsx";
import { withDatabase } from "../platform/database.server.ts";
import { parseForm } from "../platform/forms.server.ts";
import { toastCookie } from "../platform/toast.server.ts";
import { Field, FormError, SubmitButton } from "../ui/form-field.tsx";
import type { Route } from "./+types/welcome-page";

export const meta: Route.MetaFunction = () => [{ title: "Finish your profile — Alva" }];

const TAKEN = "That username is taken. Choose another.";

const profileForm = z.object({ username: usernameSchema, displayName: displayNameSchema });

export function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  if (!user.mustChooseUsername) throw redirect("/dashboard");
  return { username: user.username, displayName: user.displayName ?? "", email: user.email };
}

export async function action(args: Route.ActionArgs) {
  const { user } = requireUser(args);
  if (!user.mustChooseUsername) throw redirect("/dashboard");
  const submission = await parseForm(args, profileForm);
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  const { username, displayName } = submission.value;

  const saved = await withDatabase(args.context, async (db) => {
    const [owner] = await db.select({ id: users.id }).from(users).where(eq(users.username, username)).limit(1);
    if (owner && owner.id !== user.id) return "taken" as const;
    try {
      const [row] = await db
        .update(users)
        .set({ username, displayName, mustChooseUsername: false })
        .where(and(eq(users.id, user.id), eq(users.mustChooseUsername, true)))
        .returning({ id: users.id });
      return row ? ("saved" as const) : ("already" as const);
    } catch (error) {
      // Someone took the name between the check and the update: the UNIQUE constraint decides.
      if (isUniqueViolation(error)) return "taken" as const;
      throw error;
    }
  });
  if (saved === "taken")
    return data({ result: submission.reply({ fieldErrors: { username: [TAKEN] } }) }, { status: 409 });
  if (saved === "already") throw redirect("/dashboard"); // finished in another tab meanwhile
  return redirect("/dashboard", {
    headers: {
      "Set-Cookie": toastCookie(args.request, { kind: "success", message: `Welcome to Alva, @${username}!` }),
    },
  });
}

export default function WelcomePage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const [form, fields] = useForm<z.input<typeof profileForm>>({
    id: "welcome",
    lastResult: actionData?.result,
    defaultValue: { username: loaderData.username, displayName: loaderData.displayName },
  });
  return (
    <Panel title="Finish your profile">
      <p className="text-zinc-600 dark:text-zinc-400">
        You're signed in as <strong>{loaderData.email}</strong>. Choose the username people will see — you can keep the
        one we made up — and, if you like, your name.
      </p>
      <FormError errors={form.errors} />
      <Form method="post" action="/welcome" {...getFormProps(form)} className="space-y-4">
        <Field
          meta={fields.username}
          label="Username"
          autoComplete="username"
          hint="3–32 letters, digits or _."
          required
        />
        <Field meta={fields.displayName} label="Display name (optional)" autoComplete="name" />
        <SubmitButton pending={navigation.state === "submitting"} pendingLabel="Saving…">
          Save and continue
        </SubmitButton>
      </Form>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">You can add a password later in Settings → Password.</p>
    </Panel>
  );
}
