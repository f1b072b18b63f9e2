// /settings/sessions: where you are signed in, and ending sessions. Ending this device's session is
// signing out; ending any other session (one, or all of them) needs a fresh authentication
// (reauth.server.ts). Session ids are only ever looked up together with the signed-in user's id.
import { data, Form, redirect, useNavigation } from "react-router";
import { z } from "zod";
import { requireUser } from "../accounts/auth.server.ts";
import { recordSecurityEvent } from "../accounts/security-log.server.ts";
import { clearedSessionCookie, deleteSession, deleteUserSessions } from "../accounts/session.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { parseForm } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { toastCookie } from "../platform/toast.server.ts";
import { PasswordConfirmation } from "../ui/password-confirmation.tsx";
import { Time } from "../ui/time.tsx";
import type { Route } from "./+types/sessions-page";
import { confirmationPassword, confirmIdentity, signedInRecently } from "./reauth.server.ts";
import { listSignIns, revokeOwnSignIn } from "./sessions.server.ts";

export async function loader(args: Route.LoaderArgs) {
  const { user, session } = requireUser(args);
  const sessions = await withDatabase(args.context, (db) => listSignIns(db, user.id));
  return {
    sessions: sessions.map((row) => ({ ...row, current: row.id === session.id })),
    /** Ending another session will ask for the password first. */
    needsPassword: !signedInRecently(session),
  };
}

export const meta: Route.MetaFunction = () => [{ title: "Sessions — Settings — Alva" }];

const actionSchema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("revoke"),
    sessionId: z.string().trim().min(1).max(64),
    password: confirmationPassword,
  }),
  z.object({ intent: z.literal("revoke-others"), password: confirmationPassword }),
]);

type Intent = z.infer<typeof actionSchema>["intent"];

export interface SessionsActionData {
  error: string;
  /** Set when the password is needed: the page shows a confirmation form for this action. */
  confirm?: { intent: Intent; sessionId?: string };
}

export async function action(args: Route.ActionArgs) {
  const { request, context } = args;
  const { user, session } = requireUser(args);
  const submission = await parseForm(args, actionSchema);
  if (submission.status !== "success") {
    return data<SessionsActionData>(
      { error: "That request wasn't understood. Reload the page and try again." },
      { status: 400 },
    );
  }
  const input = submission.value;

  return withDatabase(context, async (db) => {
    // Ending this very session is signing out: always allowed, no password needed.
    if (input.intent === "revoke" && input.sessionId === session.id) {
      await deleteSession(db, session.id);
      await recordSecurityEvent(db, {
        userId: user.id,
        type: "session-revoked",
        request,
        detail: `Signed out of this device (${session.device})`,
      });
      const headers = new Headers();
      headers.append("Set-Cookie", clearedSessionCookie(request));
      headers.append(
        "Set-Cookie",
        toastCookie(request, { kind: "success", message: "You're signed out of this device." }),
      );
      return redirect("/login", { headers });
    }

    const confirmation = await confirmIdentity({
      db,
      env: context.get(requestInfo).env,
      request,
      user,
      session,
      purpose: input.intent === "revoke" ? "ending a session" : "signing out everywhere else",
      password: input.password,
    });
    if (!confirmation.ok) {
      const confirm =
        input.intent === "revoke" ? { intent: input.intent, sessionId: input.sessionId } : { intent: input.intent };
      return data<SessionsActionData>({ error: confirmation.message, confirm }, { status: confirmation.status });
    }

    if (input.intent === "revoke") {
      const revoked = await revokeOwnSignIn(db, user.id, input.sessionId);
      if (!revoked) {
        return data<SessionsActionData>(
          { error: "That session was not found. It may have ended already." },
          { status: 404 },
        );
      }
      await recordSecurityEvent(db, {
        userId: user.id,
        type: "session-revoked",
        request,
        detail: `Ended the session on ${revoked.device}`,
      });
      return redirect("/settings/sessions", {
        headers: {
          "Set-Cookie": toastCookie(request, { kind: "success", message: `Ended the session on ${revoked.device}.` }),
        },
      });
    }

    const ended = await deleteUserSessions(db, user.id, session.id);
    if (ended > 0) {
      await recordSecurityEvent(db, {
        userId: user.id,
        type: "session-revoked",
        request,
        detail: `Signed out everywhere else (${sessionCount(ended)})`,
      });
    }
    const message =
      ended > 0 ? `Signed out everywhere else: ended ${sessionCount(ended)}.` : "You weren't signed in anywhere else.";
    return redirect("/settings/sessions", {
      headers: { "Set-Cookie": toastCookie(request, { kind: ended > 0 ? "success" : "info", message }) },
    });
  });
}

const sessionCount = (count: number) => `${count} session${count === 1 ? "" : "s"}`;

const buttonClass =
  "rounded-md border border-zinc-300 px-3 py-1.5 text-sm hover:bg-zinc-50 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-900";

export default function SessionsPage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const { sessions, needsPassword } = loaderData;
  const others = sessions.filter((row) => !row.current).length;
  const confirm = actionData?.confirm;
  const confirmDevice = confirm?.sessionId ? sessions.find((row) => row.id === confirm.sessionId)?.device : undefined;

  return (
    <section className="space-y-6" aria-labelledby="sessions-title">
      <h2 id="sessions-title" className="text-xl font-semibold tracking-tight">
        Sessions
      </h2>
      <p className="text-zinc-600 dark:text-zinc-400">
        These are the browsers, apps and scripts (API sign-ins) signed in to your account. If you don't recognise one,
        end it and change your password.
        {needsPassword
          ? " You signed in more than 15 minutes ago, so ending another session asks for your password."
          : null}
      </p>

      {actionData?.error && !confirm ? (
        <p
          role="alert"
          className="rounded-md border border-red-300 bg-red-50 px-4 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
        >
          {actionData.error}
        </p>
      ) : null}

      {confirm ? (
        <PasswordConfirmation
          title={
            confirm.intent === "revoke-others"
              ? "Confirm it's you to sign out everywhere else"
              : `Confirm it's you to end the session${confirmDevice ? ` on ${confirmDevice}` : ""}`
          }
          fields={{ intent: confirm.intent, sessionId: confirm.sessionId }}
          errors={actionData?.error}
          pending={busy}
          cancelTo="/settings/sessions"
        />
      ) : null}

      <ul
        className="divide-y divide-zinc-200 rounded-xl border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800"
        aria-label="Your sessions"
      >
        {sessions.map((row) => (
          <li key={row.id} data-testid="session" className="flex flex-wrap items-center justify-between gap-3 p-4">
            <div className="space-y-1">
              <p className="font-medium">
                {row.kind === "api" ? `API: ${row.device}` : row.device}
                {row.current ? (
                  <span
                    data-testid="current-session"
                    className="ml-2 rounded bg-brand-50 px-1.5 text-xs font-normal text-brand-700 dark:bg-brand-700/20 dark:text-brand-300"
                  >
                    This device
                  </span>
                ) : null}
              </p>
              <p className="text-sm text-zinc-600 dark:text-zinc-400">
                IP {row.ip ?? "unknown"} · Signed in <Time ms={row.createdAt} /> · Last active{" "}
                <Time ms={row.lastActiveAt} />
              </p>
            </div>
            <Form method="post">
              <input type="hidden" name="intent" value="revoke" />
              <input type="hidden" name="sessionId" value={row.id} />
              <button type="submit" disabled={busy} className={buttonClass}>
                {row.current ? "Sign out of this device" : "End session"}
              </button>
            </Form>
          </li>
        ))}
      </ul>

      {others > 0 ? (
        <Form method="post">
          <input type="hidden" name="intent" value="revoke-others" />
          <button
            type="submit"
            disabled={busy}
            className="rounded-md bg-red-600 px-4 py-2 text-sm font-medium text-white hover:bg-red-700 disabled:opacity-60"
          >
            Sign out everywhere else
          </button>
        </Form>
      ) : (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">You're signed in only on this device.</p>
      )}
    </section>
  );
}
