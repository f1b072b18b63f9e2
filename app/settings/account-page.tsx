// /settings/account: take your data and leave. "Download my data" prepares one JSON archive in the
// background (data-export.server.ts) while this page refreshes itself; "Delete my account" asks for
// the password every time (or, for an account without one, a code mailed to it) and refuses while
// the account is the only owner of a workspace other people use (account-deletion.server.ts).
import { getFormProps, useForm } from "@conform-to/react";
import { useEffect } from "react";
import { data, Form, Link, redirect, useNavigation, useRevalidator } from "react-router";
import { z } from "zod";
import { deleteAccount, PURGE_AFTER_MS, workspacesToHandOver } from "../accounts/account-deletion.server.ts";
import { requireUser } from "../accounts/auth.server.ts";
import { normalizeCode } from "../accounts/emailed-secrets.server.ts";
import { clearedSessionCookie } from "../accounts/session.server.ts";
import { getDatabase, withDatabase } from "../platform/database.server.ts";
import { oneTimeCodeField, parseForm } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { toastCookie } from "../platform/toast.server.ts";
import { CodeInput, Field, FormError } from "../ui/form-field.tsx";
import { Time } from "../ui/time.tsx";
import type { Route } from "./+types/account-page";
import { latestExport, requestExport } from "./data-export.server.ts";
import { formatTime } from "./format.ts";
import { confirmationPassword, confirmIdentity, sendIdentityCode } from "./reauth.server.ts";

const REFRESH_SECONDS = 3;

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const page = await withDatabase(args.context, async (db) => ({
    archive: await latestExport(db, user.id),
    handOver: await workspacesToHandOver(db, user.id),
    hasPassword: user.passwordHash !== null,
    username: user.username,
    email: user.email,
    purgeDays: PURGE_AFTER_MS / (24 * 60 * 60 * 1000),
  }));
  // Without JavaScript the browser reloads the page itself while the archive is being prepared. The URL
  // is explicit: a refresh of a URL with a #fragment is a same-document jump, not a reload.
  const headers: HeadersInit =
    page.archive.status === "preparing" ? { Refresh: `${REFRESH_SECONDS}; url=/settings/account` } : {};
  return data(page, { headers });
}

export const headers: Route.HeadersFunction = ({ loaderHeaders }) => {
  const headers = new Headers({ "Cache-Control": "no-store" });
  const refresh = loaderHeaders.get("Refresh");
  if (refresh) headers.set("Refresh", refresh);
  return headers;
};

export const meta: Route.MetaFunction = () => [{ title: "Your data and account — Settings — Alva" }];

const deleteForm = z.object({
  intent: z.literal("delete"),
  password: confirmationPassword,
  code: oneTimeCodeField(normalizeCode, "Enter the 8-digit code from the e-mail.").optional(),
});
const actionSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("export") }),
  z.object({ intent: z.literal("send-code") }),
  deleteForm,
]);

export async function action(args: Route.ActionArgs) {
  const { request, context } = args;
  const { user, session } = requireUser(args);
  const { env, ctx } = context.get(requestInfo);
  const submission = await parseForm(args, actionSchema);
  if (submission.status !== "success") {
    return data({ intent: "delete" as const, result: submission.reply() }, { status: 400 });
  }
  const input = submission.value;
  const db = getDatabase(context);

  if (input.intent === "export") {
    const work = await requestExport(env, db, { userId: user.id, request });
    if (work) ctx.waitUntil(work());
    return redirect("/settings/account");
  }

  if (input.intent === "send-code") {
    await sendIdentityCode(env, db, user, "deleting your account");
    return redirect("/settings/account?code=sent#delete-account", {
      headers: {
        "Set-Cookie": toastCookie(request, { kind: "info", message: `We e-mailed a code to ${user.email}.` }),
      },
    });
  }

  const confirmation = await confirmIdentity({
    db,
    env,
    request,
    user,
    session,
    purpose: "deleting the account",
    password: input.password,
    code: input.code,
    always: true,
  });
  if (!confirmation.ok) {
    const field = user.passwordHash ? "password" : "code";
    return data(
      { intent: "delete" as const, result: submission.reply({ fieldErrors: { [field]: [confirmation.message] } }) },
      { status: confirmation.status },
    );
  }
  const deletion = await deleteAccount(env, db, { userId: user.id, request });
  if (!deletion.ok) {
    const message =
      deletion.reason === "hand-over"
        ? "Hand over the workspaces listed above to another member first."
        : deletion.reason === "last-admin"
          ? "You're the only administrator of this Alva instance: make someone else an admin first."
          : "This account was deleted already.";
    return data({ intent: "delete" as const, result: submission.reply({ formErrors: [message] }) }, { status: 409 });
  }
  const headers = new Headers();
  headers.append("Set-Cookie", clearedSessionCookie(request));
  headers.append(
    "Set-Cookie",
    toastCookie(request, {
      kind: "success",
      message: `Your account was deleted. It will be removed for good on ${formatTime(deletion.purgeAt.getTime())}; until then an administrator can restore it.`,
    }),
  );
  return redirect("/", { headers });
}

const buttonClass =
  "rounded-md border border-zinc-300 px-3 py-1.5 text-sm hover:bg-zinc-50 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-900";

export default function AccountPage({ loaderData, actionData }: Route.ComponentProps) {
  const { archive, handOver, hasPassword, username, email, purgeDays } = loaderData;
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  const preparing = archive.status === "preparing";
  const revalidator = useRevalidator();
  useEffect(() => {
    if (!preparing) return;
    const timer = setInterval(() => revalidator.revalidate(), REFRESH_SECONDS * 1000);
    return () => clearInterval(timer);
  }, [preparing, revalidator]);

  const [form, fields] = useForm<z.input<typeof deleteForm>>({
    id: "delete-account",
    lastResult: actionData?.result,
  });

  return (
    <section className="space-y-8" aria-labelledby="account-title">
      <h2 id="account-title" className="text-xl font-semibold tracking-tight">
        Your data and account
      </h2>

      <section id="your-data" aria-labelledby="data-title" className="max-w-2xl space-y-3">
        <h3 id="data-title" className="text-lg font-semibold">
          Download your data
        </h3>
        <p className="text-zinc-600 dark:text-zinc-400">
          One JSON file with your account, the onboarding answers and plans of the workspaces you own, the chat messages
          you wrote, your security activity and links to the images you uploaded. It takes a moment to prepare; you can
          leave this page meanwhile. The file stays available for 7 days.
        </p>
        <div aria-live="polite" className="space-y-3">
          {archive.status === "preparing" ? (
            <p data-testid="export-status">
              Preparing your archive (asked at <Time ms={archive.requestedAt} />
              )… This page refreshes by itself.
            </p>
          ) : null}
          {archive.status === "ready" ? (
            <p data-testid="export-status">
              Your archive from <Time ms={archive.requestedAt} /> is ready ({formatBytes(archive.bytes)}):{" "}
              <a
                href={`/settings/account/exports/${archive.id}`}
                download
                className="font-medium text-brand-700 underline dark:text-brand-300"
              >
                Download alva-data.json
              </a>
              . Available until <Time ms={archive.expiresAt} />.
            </p>
          ) : null}
          {archive.status === "failed" ? (
            <p data-testid="export-status" role="alert" className="text-red-700 dark:text-red-300">
              Preparing your archive failed: {archive.error} Try again.
            </p>
          ) : null}
        </div>
        {preparing ? null : (
          <Form method="post" action="/settings/account">
            <input type="hidden" name="intent" value="export" />
            <button type="submit" disabled={busy} className={buttonClass}>
              {archive.status === "none" ? "Prepare my data" : "Prepare a new archive"}
            </button>
          </Form>
        )}
      </section>

      <section
        id="delete-account"
        aria-labelledby="delete-title"
        className="max-w-2xl space-y-4 rounded-xl border border-red-200 p-5 dark:border-red-900"
      >
        <h3 id="delete-title" className="text-lg font-semibold">
          Delete your account
        </h3>
        <p className="text-zinc-600 dark:text-zinc-400">
          You are signed out everywhere at once and cannot sign in again; your messages in chat show as "deleted user".
          After {purgeDays} days your account, your workspaces that nobody else uses and your images are removed for
          good. Until then an administrator can restore it if you ask. Download your data first if you want to keep it.
        </p>
        {handOver.length > 0 ? (
          <div
            role="note"
            className="rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100"
          >
            <p>You are the only owner of workspaces other people use. Make another member the owner first:</p>
            <ul className="mt-2 list-inside list-disc">
              {handOver.map((workspace) => (
                <li key={workspace.id}>
                  <Link to={`/workspaces/${workspace.id}/members`} className="font-medium underline">
                    {workspace.name}
                  </Link>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {hasPassword ? null : (
          <Form method="post" action="/settings/account" className="space-y-2">
            <input type="hidden" name="intent" value="send-code" />
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              Your account has no password: we e-mail a code to {email} to confirm it's you.
            </p>
            <button type="submit" disabled={busy} className={buttonClass}>
              E-mail me a code
            </button>
          </Form>
        )}
        <FormError errors={form.errors} />
        <Form method="post" action="/settings/account" {...getFormProps(form)} className="max-w-md space-y-4">
          <input type="hidden" name="intent" value="delete" />
          <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
          {hasPassword ? (
            <Field
              meta={fields.password}
              label="Your password"
              type="password"
              autoComplete="current-password"
              required
            />
          ) : (
            <CodeInput meta={fields.code} />
          )}
          <button
            type="submit"
            disabled={busy || handOver.length > 0}
            className="rounded-md bg-red-700 px-4 py-2 font-medium text-white hover:bg-red-800 disabled:opacity-60"
          >
            {navigation.state === "submitting" && navigation.formData?.get("intent") === "delete"
              ? "Deleting…"
              : "Delete my account"}
          </button>
        </Form>
      </section>
    </section>
  );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
