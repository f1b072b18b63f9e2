// GET/POST /settings/profile (inside the signed-in shell): display name, username and avatar.
// Three plain multipart forms that work without JavaScript; each posts an `intent`. A too-large or
// wrong-type upload comes back as a message on this page (413/415), never an error page.
import { data, Form, redirect, useNavigation } from "react-router";
import { z } from "zod";
import { displayNameSchema, usernameSchema } from "../accounts/accounts.server.ts";
import { requireUser } from "../accounts/auth.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { logRefusedForm, readFormBody } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { toastCookie } from "../platform/toast.server.ts";
import { SettingsNav } from "../settings/settings-nav.tsx";
import { Field, FormError, fieldErrors, SubmitButton } from "../ui/form-field.tsx";
import type { Route } from "./+types/profile-page";
import { imageUrl, MAX_UPLOAD_FORM_BYTES, TOO_LARGE_MESSAGE } from "./images.server.ts";
import { removeAvatar, replaceAvatar, updateProfile } from "./profile.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Profile — Settings — Alva" }];
export const headers: Route.HeadersFunction = () => ({ "Cache-Control": "no-store" });

const profileForm = z.object({ displayName: displayNameSchema, username: usernameSchema });

export function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  return {
    username: user.username,
    displayName: user.displayName ?? "",
    avatarUrl: user.avatarImageId ? imageUrl(user.avatarImageId, "medium") : null,
    mustChooseUsername: user.mustChooseUsername,
  };
}

interface ActionData {
  intent: "profile" | "avatar";
  values?: { displayName: string; username: string };
  errors?: Record<string, string>;
  formError?: string | null;
}

const saved = (request: Request, message: string) =>
  redirect("/settings/profile", { headers: { "Set-Cookie": toastCookie(request, { kind: "success", message }) } });

export async function action(args: Route.ActionArgs) {
  const { request, context } = args;
  const { user } = requireUser(args);
  const { env } = context.get(requestInfo);

  const read = await readFormBody(request, { maxBytes: MAX_UPLOAD_FORM_BYTES });
  if (!read.ok) {
    logRefusedForm(context, read);
    return data<ActionData>(
      { intent: "avatar", formError: read.status === 413 ? TOO_LARGE_MESSAGE : read.message },
      { status: read.status },
    );
  }
  const form = read.form;
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" ? value : "";
  };

  switch (text("intent")) {
    case "profile": {
      const values = { displayName: text("displayName").slice(0, 200), username: text("username").slice(0, 200) };
      const parsed = profileForm.safeParse(values);
      if (!parsed.success) {
        return data<ActionData>(
          { intent: "profile", values, errors: fieldErrors(parsed.error.issues) },
          { status: 400 },
        );
      }
      const result = await withDatabase(context, (db) =>
        updateProfile(db, {
          userId: user.id,
          displayName: parsed.data.displayName,
          username: parsed.data.username,
          currentUsername: user.username,
        }),
      );
      if (result.outcome === "username-taken") {
        return data<ActionData>(
          { intent: "profile", values, errors: { username: "That username is taken. Choose another." } },
          { status: 400 },
        );
      }
      return saved(request, "Your profile is saved.");
    }
    case "avatar-upload": {
      const file = form.get("avatar");
      if (!(file instanceof File) || file.size === 0) {
        return data<ActionData>({ intent: "avatar", formError: "Choose an image to upload." }, { status: 400 });
      }
      const result = await withDatabase(context, (db) =>
        replaceAvatar(env, db, { userId: user.id, previousImageId: user.avatarImageId, file }),
      );
      if (!result.ok)
        return data<ActionData>({ intent: "avatar", formError: result.message }, { status: result.status });
      return saved(request, "Your picture is updated.");
    }
    case "avatar-remove": {
      await withDatabase(context, (db) => removeAvatar(env, db, { userId: user.id, imageId: user.avatarImageId }));
      return saved(request, "Your picture is removed.");
    }
    default:
      return data<ActionData>(
        { intent: "profile", formError: "That form could not be read. Try again." },
        { status: 400 },
      );
  }
}

export default function ProfilePage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const submitting = (intent: string) =>
    navigation.state === "submitting" && navigation.formData?.get("intent") === intent;
  const profileErrors = actionData?.intent === "profile" ? (actionData.errors ?? {}) : {};
  const values = actionData?.intent === "profile" ? actionData.values : undefined;
  const initial = loaderData.displayName
    ? loaderData.displayName[0]!.toUpperCase()
    : loaderData.username[0]!.toUpperCase();

  return (
    <section className="space-y-6" aria-labelledby="profile-title">
      <h1 id="profile-title" className="text-2xl font-semibold tracking-tight">
        Profile
      </h1>
      <SettingsNav />

      <section
        className="max-w-md space-y-4 rounded-xl border border-zinc-200 p-5 dark:border-zinc-800"
        aria-labelledby="avatar-title"
      >
        <h2 id="avatar-title" className="text-lg font-medium">
          Picture
        </h2>
        <div className="flex items-center gap-4">
          {loaderData.avatarUrl ? (
            <img
              src={loaderData.avatarUrl}
              alt="You"
              data-testid="avatar-image"
              width={80}
              height={80}
              className="size-20 rounded-full object-cover"
            />
          ) : (
            <span
              aria-label="No picture yet"
              role="img"
              className="flex size-20 items-center justify-center rounded-full bg-zinc-200 text-2xl font-semibold text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300"
            >
              {initial}
            </span>
          )}
          {loaderData.avatarUrl ? (
            <Form method="post" encType="multipart/form-data" action="/settings/profile">
              <input type="hidden" name="intent" value="avatar-remove" />
              <button
                type="submit"
                className="rounded-md border border-zinc-300 px-3 py-1.5 text-sm dark:border-zinc-700"
                disabled={submitting("avatar-remove")}
              >
                {submitting("avatar-remove") ? "Removing…" : "Remove picture"}
              </button>
            </Form>
          ) : null}
        </div>
        <FormError message={actionData?.intent === "avatar" ? actionData.formError : null} />
        {/* Keyed by the current picture so the chosen file is cleared once it has been uploaded. */}
        <Form
          key={loaderData.avatarUrl ?? "none"}
          method="post"
          encType="multipart/form-data"
          action="/settings/profile"
          className="space-y-3"
        >
          <input type="hidden" name="intent" value="avatar-upload" />
          <Field
            name="avatar"
            label={loaderData.avatarUrl ? "Replace picture" : "Upload a picture"}
            type="file"
            accept="image/png,image/jpeg,image/webp,image/gif"
            hint="PNG, JPEG, WebP or GIF, up to 5 MB."
            required
          />
          <SubmitButton pending={submitting("avatar-upload")} pendingLabel="Uploading…">
            Upload picture
          </SubmitButton>
        </Form>
      </section>

      <div className="max-w-md space-y-4">
        <h2 className="text-lg font-medium">Name</h2>
        {loaderData.mustChooseUsername ? (
          <p className="text-sm text-amber-800 dark:text-amber-200">
            Your username was generated for you. Choose your own below.
          </p>
        ) : null}
        <FormError message={actionData?.intent === "profile" ? actionData.formError : null} />
        <Form method="post" encType="multipart/form-data" action="/settings/profile" className="space-y-4" noValidate>
          <input type="hidden" name="intent" value="profile" />
          <Field
            name="displayName"
            label="Display name"
            autoComplete="name"
            maxLength={80}
            defaultValue={values?.displayName ?? loaderData.displayName}
            error={profileErrors.displayName}
            hint="Shown to your team. Leave empty to use your username."
          />
          <Field
            name="username"
            label="Username"
            autoComplete="username"
            maxLength={32}
            defaultValue={values?.username ?? loaderData.username}
            error={profileErrors.username}
            hint="Letters, digits and _; 3 to 32 characters. You can sign in with it."
            required
          />
          <SubmitButton pending={submitting("profile")} pendingLabel="Saving…">
            Save profile
          </SubmitButton>
        </Form>
      </div>
    </section>
  );
}
