// GET/POST /settings/profile (inside the signed-in shell): display name, username and avatar.
// Three plain multipart forms that work without JavaScript; each posts an `intent`. A too-large or
// wrong-type upload comes back as a message on this page (413/415), never an error page.
import { getFormProps, type SubmissionResult, useForm } from "@conform-to/react";
import { data, Form, redirect, useNavigation } from "react-router";
import { z } from "zod";
import { displayNameSchema, usernameSchema } from "../accounts/accounts.server.ts";
import { requireUser } from "../accounts/auth.server.ts";
import { imageUrl, MAX_UPLOAD_FORM_BYTES, TOO_LARGE_MESSAGE } from "../images/images.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { logRefusedForm, parseFormData, readFormBody } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { toastCookie } from "../platform/toast.server.ts";
import { Field, FormError, SubmitButton } from "../ui/form-field.tsx";
import type { Route } from "./+types/profile-page";
import { removeAvatar, replaceAvatar, updateProfile } from "./profile.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Profile — Settings — Alva" }];
export const headers: Route.HeadersFunction = () => ({ "Cache-Control": "no-store" });

export function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  return {
    username: user.username,
    displayName: user.displayName ?? "",
    avatarUrl: user.avatarImageId ? imageUrl(user.avatarImageId, "medium") : null,
    mustChooseUsername: user.mustChooseUsername,
  };
}

/** Three forms on the page, told apart by the button's form's `intent`. */
const profileAction = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("profile"), displayName: displayNameSchema, username: usernameSchema }),
  z.object({
    intent: z.literal("avatar-upload"),
    avatar: z.instanceof(File, { error: "Choose an image to upload." }),
  }),
  z.object({ intent: z.literal("avatar-remove") }),
]);

type Intent = z.infer<typeof profileAction>["intent"];

/** Which form the answer is for ("avatar" for both picture forms), and conform's reply. */
interface ActionData {
  form: "profile" | "avatar";
  result: SubmissionResult<string[]>;
}

const saved = (request: Request, message: string) =>
  redirect("/settings/profile", { headers: { "Set-Cookie": toastCookie(request, { kind: "success", message }) } });

export async function action(args: Route.ActionArgs) {
  const { request, context } = args;
  const { user } = requireUser(args);
  const { env } = context.get(requestInfo);

  // Read here rather than by parseForm: an upload past the limit is a message on the page, not an error page.
  const read = await readFormBody(request, { maxBytes: MAX_UPLOAD_FORM_BYTES });
  if (!read.ok) {
    logRefusedForm(context, read);
    const message = read.status === 413 ? TOO_LARGE_MESSAGE : read.message;
    return data<ActionData>(
      { form: "avatar", result: { status: "error", error: { "": [message] } } },
      { status: read.status },
    );
  }
  const submission = parseFormData(read.form, profileAction);
  const posted = read.form.get("intent");
  const answerFor: ActionData["form"] = posted === "avatar-upload" || posted === "avatar-remove" ? "avatar" : "profile";
  if (submission.status !== "success") {
    const known = (["profile", "avatar-upload", "avatar-remove"] satisfies Intent[]).some(
      (intent) => intent === posted,
    );
    const result = known
      ? submission.reply()
      : submission.reply({ formErrors: ["That form could not be read. Try again."] });
    return data<ActionData>({ form: answerFor, result }, { status: 400 });
  }
  const input = submission.value;

  switch (input.intent) {
    case "profile": {
      const result = await withDatabase(context, (db) =>
        updateProfile(db, {
          userId: user.id,
          displayName: input.displayName,
          username: input.username,
          currentUsername: user.username,
        }),
      );
      if (result.outcome === "username-taken") {
        return data<ActionData>(
          {
            form: "profile",
            result: submission.reply({ fieldErrors: { username: ["That username is taken. Choose another."] } }),
          },
          { status: 400 },
        );
      }
      return saved(request, "Your profile is saved.");
    }
    case "avatar-upload": {
      const result = await withDatabase(context, (db) =>
        replaceAvatar(env, db, { userId: user.id, previousImageId: user.avatarImageId, file: input.avatar }),
      );
      if (!result.ok)
        return data<ActionData>(
          { form: "avatar", result: submission.reply({ formErrors: [result.message] }) },
          { status: result.status },
        );
      return saved(request, "Your picture is updated.");
    }
    case "avatar-remove": {
      await withDatabase(context, (db) => removeAvatar(env, db, { userId: user.id, imageId: user.avatarImageId }));
      return saved(request, "Your picture is removed.");
    }
  }
}

export default function ProfilePage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const submitting = (intent: string) =>
    navigation.state === "submitting" && navigation.formData?.get("intent") === intent;
  const [profileForm, profileFields] = useForm<{ displayName: string; username: string }>({
    id: "profile",
    lastResult: actionData?.form === "profile" ? actionData.result : undefined,
    defaultValue: { displayName: loaderData.displayName, username: loaderData.username },
  });
  const [avatarForm, avatarFields] = useForm<{ avatar: File }>({
    id: "avatar",
    lastResult: actionData?.form === "avatar" ? actionData.result : undefined,
  });
  const initial = loaderData.displayName
    ? loaderData.displayName[0]!.toUpperCase()
    : loaderData.username[0]!.toUpperCase();

  return (
    <section className="space-y-6" aria-labelledby="profile-title">
      <h2 id="profile-title" className="text-xl font-semibold tracking-tight">
        Profile
      </h2>

      <section
        className="max-w-md space-y-4 rounded-xl border border-zinc-200 p-5 dark:border-zinc-800"
        aria-labelledby="avatar-title"
      >
        <h3 id="avatar-title" className="text-lg font-medium">
          Picture
        </h3>
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
        <FormError errors={avatarForm.errors} />
        {/* Keyed by the current picture so the chosen file is cleared once it has been uploaded. */}
        <Form
          key={loaderData.avatarUrl ?? "none"}
          method="post"
          encType="multipart/form-data"
          action="/settings/profile"
          {...getFormProps(avatarForm)}
          className="space-y-3"
        >
          <input type="hidden" name="intent" value="avatar-upload" />
          <Field
            meta={avatarFields.avatar}
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
        <h3 className="text-lg font-medium">Name</h3>
        {loaderData.mustChooseUsername ? (
          <p className="text-sm text-amber-800 dark:text-amber-200">
            Your username was generated for you. Choose your own below.
          </p>
        ) : null}
        <FormError errors={profileForm.errors} />
        <Form
          method="post"
          encType="multipart/form-data"
          action="/settings/profile"
          {...getFormProps(profileForm)}
          className="space-y-4"
        >
          <input type="hidden" name="intent" value="profile" />
          <Field
            meta={profileFields.displayName}
            label="Display name"
            autoComplete="name"
            maxLength={80}
            hint="Shown to your team. Leave empty to use your username."
          />
          <Field
            meta={profileFields.username}
            label="Username"
            autoComplete="username"
            maxLength={32}
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
