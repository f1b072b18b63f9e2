// /admin/users/:id: one account — profile, workspaces, sessions and API sign-ins, connected providers,
// security log and the audit entries about it. Moderators read; admins act: change the role (the rules
// of users.server.ts), disable / enable, sign out everywhere, resend the verification mail. Changes
// that take or give access ask the admin to confirm it's them, like a role change always did.
import { data, Form, Link, useNavigation } from "react-router";
import { z } from "zod";
import type { Role } from "../../db/schema.ts";
import { deleteAccount, purgeDate, restoreAccount } from "../accounts/account-deletion.server.ts";
import { requireRole } from "../accounts/auth.server.ts";
import { recordSecurityEvent } from "../accounts/security-log.server.ts";
import { providerLabels } from "../oauth/providers.ts";
import { withDatabase } from "../platform/database.server.ts";
import { parseForm } from "../platform/forms.server.ts";
import { httpError, NOT_FOUND_MESSAGE } from "../platform/http-error.ts";
import { requestInfo } from "../platform/request-info.ts";
import { redirectWithToast } from "../platform/toast.server.ts";
import { describeSecurityEvent, formatTime, roleNames, roleOptions } from "../settings/format.ts";
import { confirmationPassword, confirmIdentity } from "../settings/reauth.server.ts";
import { PasswordConfirmation } from "../ui/password-confirmation.tsx";
import { Time } from "../ui/time.tsx";
import type { Route } from "./+types/user-page";
import { AdminNav } from "./admin-nav.tsx";
import { listAudit, recordAudit } from "./audit.server.ts";
import {
  closeChatSockets,
  disableUser,
  enableUser,
  findUser,
  resendVerification,
  signOutEverywhere,
  userDetail,
} from "./user-admin.server.ts";
import { StatusBadge } from "./user-status.tsx";
import { changeRole } from "./users.server.ts";

export async function loader(args: Route.LoaderArgs) {
  const { user: viewer } = requireRole(args, "moderator");
  const detail = await withDatabase(args.context, async (db) => {
    const user = await findUser(db, args.params.id);
    if (!user) return null;
    const [shown, audit] = await Promise.all([
      userDetail(db, user),
      viewer.role === "admin" ? listAudit(db, { actor: "", action: "", targetUserId: user.id }, 20) : null,
    ]);
    return { ...shown, audit: audit?.rows ?? [] };
  });
  if (!detail) httpError(args.context, 404, NOT_FOUND_MESSAGE);
  const { deletedAt } = detail.profile;
  const purgeAt = deletedAt === null ? null : purgeDate(new Date(deletedAt)).getTime();
  return { ...detail, purgeAt, viewer: { id: viewer.id, role: viewer.role } };
}

export const meta: Route.MetaFunction = ({ loaderData }) => [
  { title: `${loaderData ? `@${loaderData.profile.username}` : "User"} — Admin — Alva` },
];

const understood = { error: "That request wasn't understood. Reload the page and try again." };

const actionSchema = z.discriminatedUnion(
  "intent",
  [
    z.object({
      intent: z.literal("change-role"),
      role: z.enum(roleOptions, { error: "Choose user, moderator or admin." }),
      password: confirmationPassword,
    }),
    z.object({ intent: z.literal("disable"), password: confirmationPassword }),
    z.object({ intent: z.literal("enable"), password: confirmationPassword }),
    z.object({ intent: z.literal("sign-out-everywhere"), password: confirmationPassword }),
    z.object({ intent: z.literal("resend-verification") }),
    // Deleting someone else's account: the admin types its e-mail address, as a deliberate act.
    z.object({
      intent: z.literal("delete"),
      confirmEmail: z.string().trim().max(320).default(""),
      password: confirmationPassword,
    }),
    z.object({ intent: z.literal("restore"), password: confirmationPassword }),
  ],
  understood,
);

type Intent = z.infer<typeof actionSchema>["intent"];

const purposes: Record<Exclude<Intent, "resend-verification">, string> = {
  "change-role": "changing a role",
  disable: "disabling an account",
  enable: "enabling an account",
  "sign-out-everywhere": "signing an account out everywhere",
  delete: "deleting an account",
  restore: "restoring a deleted account",
};

export interface UserActionData {
  error: string;
  /** Set when the password is needed first: the page asks for it to do this. */
  confirm?: { intent: Intent; role?: Role; email?: string };
}

export async function action(args: Route.ActionArgs) {
  const { request, context, params } = args;
  const { user: actor, session } = requireRole(args, "admin");
  const { env } = context.get(requestInfo);
  const submission = await parseForm(args, actionSchema);
  if (submission.status !== "success") {
    const error = Object.values(submission.error ?? {}).flat()[0] ?? understood.error;
    return data<UserActionData>({ error }, { status: 400 });
  }
  const input = submission.value;
  const here = `/admin/users/${params.id}`;

  return withDatabase(context, async (db) => {
    const target = await findUser(db, params.id);
    if (!target) httpError(context, 404, NOT_FOUND_MESSAGE);
    const by = { actor: { id: actor.id, username: actor.username }, target, request };
    const name = `@${target.username}`;

    if (input.intent === "resend-verification") {
      const sent = await resendVerification(db, env, by);
      if (sent.outcome === "already-verified") {
        return redirectWithToast(request, here, {
          kind: "info",
          message: `${name} has already verified their address.`,
        });
      }
      if (sent.outcome === "refused") {
        return data<UserActionData>({ error: "Enable the account first." }, { status: 409 });
      }
      return redirectWithToast(request, here, {
        kind: "success",
        message: `A new code is on its way to ${target.email}.`,
      });
    }

    if (input.intent === "delete" && input.confirmEmail.toLowerCase() !== target.email) {
      return data<UserActionData>(
        { error: `Type ${target.email} exactly to confirm that this account is to be deleted.` },
        { status: 400 },
      );
    }
    if (input.intent === "delete" && target.id === actor.id) {
      return data<UserActionData>({ error: "Delete your own account in Settings → Your data." }, { status: 409 });
    }

    // A stolen, older admin session must not hand out or take away access (reauth.server.ts).
    const confirmation = await confirmIdentity({
      db,
      env,
      request,
      user: actor,
      session,
      purpose: purposes[input.intent],
      password: input.password,
    });
    if (!confirmation.ok) {
      return data<UserActionData>(
        {
          error: confirmation.message,
          confirm: {
            intent: input.intent,
            role: input.intent === "change-role" ? input.role : undefined,
            email: input.intent === "delete" ? input.confirmEmail : undefined,
          },
        },
        { status: confirmation.status },
      );
    }

    switch (input.intent) {
      case "change-role": {
        const change = await changeRole(db, { actorId: actor.id, targetId: target.id, role: input.role });
        if (change.outcome === "changed") {
          await recordAudit(db, {
            ...by,
            action: "user.role",
            target: { userId: target.id, label: target.username },
            detail: { from: change.from, to: input.role },
          });
          await recordSecurityEvent(db, {
            userId: target.id,
            type: "role-changed",
            request,
            detail: `${change.from} → ${input.role}, by @${actor.username}`,
          });
          const self = target.id === actor.id;
          return redirectWithToast(request, self && input.role !== "admin" ? "/settings" : here, {
            kind: "success",
            message: `${self ? "You are" : `${name} is`} now ${input.role === "admin" ? "an admin" : `a ${input.role}`}.`,
          });
        }
        if (change.outcome === "unchanged") {
          return redirectWithToast(request, here, { kind: "info", message: `${name} already has that role.` });
        }
        if (change.outcome === "last-admin") {
          return data<UserActionData>(
            { error: "You're the only admin, so you can't give up the role. Make someone else an admin first." },
            { status: 409 },
          );
        }
        if (change.outcome === "not-allowed") {
          return data<UserActionData>(
            { error: "You're no longer an admin, so you can't change roles." },
            { status: 403 },
          );
        }
        return httpError(context, 404, NOT_FOUND_MESSAGE);
      }
      case "disable": {
        const change = await disableUser(db, by);
        if (change.outcome === "self") {
          return data<UserActionData>({ error: "You can't disable your own account." }, { status: 409 });
        }
        if (change.outcome === "changed") await closeChatSockets(db, env, target.id);
        return redirectWithToast(request, here, {
          kind: change.outcome === "changed" ? "success" : "info",
          message:
            change.outcome === "changed"
              ? `${name} is disabled and signed out everywhere.`
              : `${name} was already disabled.`,
        });
      }
      case "enable": {
        const change = await enableUser(db, by);
        return redirectWithToast(request, here, {
          kind: change.outcome === "changed" ? "success" : "info",
          message: change.outcome === "changed" ? `${name} can sign in again.` : `${name} wasn't disabled.`,
        });
      }
      case "delete": {
        // The owner's own deletion, started by an admin: same marks, same mail, same purge date.
        const deletion = await deleteAccount(env, db, { userId: target.id, request });
        if (!deletion.ok) {
          const error =
            deletion.reason === "hand-over"
              ? `${name} is the only owner of ${deletion.workspaces.map((workspace) => `“${workspace.name}”`).join(", ")}, which other people use: make another member its owner first.`
              : deletion.reason === "last-admin"
                ? `${name} is the only administrator who can sign in: make someone else an admin first.`
                : `${name} was already deleted.`;
          return data<UserActionData>({ error }, { status: 409 });
        }
        await recordAudit(db, {
          ...by,
          action: "user.delete",
          target: { userId: target.id, label: target.username },
          detail: { purgeAt: deletion.purgeAt.toISOString() },
        });
        return redirectWithToast(request, here, {
          kind: "success",
          message: `${name} is deleted and signed out everywhere; it will be purged on ${formatTime(deletion.purgeAt.getTime())} unless restored.`,
        });
      }
      case "restore": {
        const restored = await restoreAccount(env, db, { userId: target.id, request });
        if (restored) {
          await recordAudit(db, {
            ...by,
            action: "user.restore",
            target: { userId: target.id, label: target.username },
          });
        }
        return redirectWithToast(request, here, {
          kind: restored ? "success" : "info",
          message: restored ? `${name} is restored and can sign in again.` : `${name} wasn't deleted.`,
        });
      }
      case "sign-out-everywhere": {
        const ended = await signOutEverywhere(db, by);
        await closeChatSockets(db, env, target.id);
        return redirectWithToast(request, here, {
          kind: "success",
          message: `${name} is signed out everywhere (${ended} sign-in${ended === 1 ? "" : "s"} ended).`,
        });
      }
    }
  });
}

const buttonClass =
  "rounded-md border border-zinc-300 px-3 py-1.5 text-sm hover:bg-zinc-50 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-900";
const dangerClass =
  "rounded-md border border-red-400 px-3 py-1.5 text-sm text-red-800 hover:bg-red-50 disabled:opacity-60 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950";
const cardClass = "space-y-3 rounded-xl border border-zinc-200 p-5 dark:border-zinc-800";

const confirmTitles: Record<Exclude<Intent, "resend-verification">, string> = {
  "change-role": "change this role",
  disable: "disable this account",
  enable: "enable this account",
  "sign-out-everywhere": "sign this account out everywhere",
  delete: "delete this account",
  restore: "restore this account",
};

export default function AdminUserPage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const { profile, workspaces, signIns, providers, events, audit, viewer } = loaderData;
  const canAct = viewer.role === "admin";
  const self = viewer.id === profile.id;
  const confirm = actionData?.confirm;
  const gone = profile.status === "deleted";

  return (
    <section className="space-y-6" aria-labelledby="user-title">
      <AdminNav viewer={viewer.role} />
      <p className="text-sm">
        <Link to="/admin/users" className="underline">
          ← All users
        </Link>
      </p>
      <header className="flex flex-wrap items-center gap-3">
        <h1 id="user-title" className="text-2xl font-semibold tracking-tight">
          {`@${profile.username}`}
        </h1>
        <StatusBadge status={profile.status} />
      </header>

      {confirm && confirm.intent !== "resend-verification" ? (
        <PasswordConfirmation
          title={`Confirm it's you to ${confirmTitles[confirm.intent]}`}
          fields={{ intent: confirm.intent, role: confirm.role, confirmEmail: confirm.email }}
          errors={actionData?.error}
          pending={busy}
          cancelTo={`/admin/users/${profile.id}`}
        />
      ) : actionData?.error ? (
        <p
          role="alert"
          className="rounded-md border border-red-300 bg-red-50 px-4 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
        >
          {actionData.error}
        </p>
      ) : null}

      <section className={cardClass} aria-labelledby="profile-title">
        <h2 id="profile-title" className="font-medium">
          Profile
        </h2>
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[10rem_1fr]">
          <dt className="text-zinc-600 dark:text-zinc-400">E-mail</dt>
          <dd className="break-all">
            {profile.email}{" "}
            {profile.emailVerifiedAt ? (
              <span className="text-zinc-600 dark:text-zinc-400">
                (verified <Time ms={profile.emailVerifiedAt} />)
              </span>
            ) : (
              <span className="text-amber-800 dark:text-amber-300">(not verified)</span>
            )}
          </dd>
          <dt className="text-zinc-600 dark:text-zinc-400">Name</dt>
          <dd>{profile.displayName ?? "—"}</dd>
          <dt className="text-zinc-600 dark:text-zinc-400">Role</dt>
          <dd>{roleNames[profile.role]}</dd>
          <dt className="text-zinc-600 dark:text-zinc-400">Password</dt>
          <dd>{profile.hasPassword ? "Set" : "None (signs in with an e-mailed link or a provider)"}</dd>
          <dt className="text-zinc-600 dark:text-zinc-400">Created</dt>
          <dd>
            <Time ms={profile.createdAt} />
          </dd>
          {profile.disabledAt ? (
            <>
              <dt className="text-zinc-600 dark:text-zinc-400">Disabled</dt>
              <dd>
                <Time ms={profile.disabledAt} />
              </dd>
            </>
          ) : null}
          {profile.deletedAt ? (
            <>
              <dt className="text-zinc-600 dark:text-zinc-400">Deleted</dt>
              <dd>
                <Time ms={profile.deletedAt} />
              </dd>
            </>
          ) : null}
        </dl>
      </section>

      {canAct && !gone ? (
        <section className={cardClass} aria-labelledby="actions-title">
          <h2 id="actions-title" className="font-medium">
            Actions
          </h2>
          <Form method="post" className="flex flex-wrap items-end gap-2">
            <input type="hidden" name="intent" value="change-role" />
            <div>
              <label htmlFor="user-role" className="block text-sm font-medium">
                Role
              </label>
              <select
                id="user-role"
                name="role"
                defaultValue={profile.role}
                className="mt-1 rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-900"
              >
                {roleOptions.map((role) => (
                  <option key={role} value={role}>
                    {roleNames[role]}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" disabled={busy} className={buttonClass}>
              Change role
            </button>
          </Form>
          <div className="flex flex-wrap gap-2">
            {self ? null : profile.disabledAt ? (
              <Form method="post">
                <input type="hidden" name="intent" value="enable" />
                <button type="submit" disabled={busy} className={buttonClass}>
                  Enable account
                </button>
              </Form>
            ) : (
              <Form method="post">
                <input type="hidden" name="intent" value="disable" />
                <button type="submit" disabled={busy} className={dangerClass}>
                  Disable account
                </button>
              </Form>
            )}
            <Form method="post">
              <input type="hidden" name="intent" value="sign-out-everywhere" />
              <button type="submit" disabled={busy} className={buttonClass}>
                Sign out everywhere
              </button>
            </Form>
            {profile.emailVerifiedAt || profile.disabledAt ? null : (
              <Form method="post">
                <input type="hidden" name="intent" value="resend-verification" />
                <button type="submit" disabled={busy} className={buttonClass}>
                  Resend verification e-mail
                </button>
              </Form>
            )}
          </div>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            A disabled account is signed out at once (browser sessions, API sign-ins, chat) and cannot sign in or use
            the API until it is enabled again.
          </p>
        </section>
      ) : null}

      {canAct && gone && profile.deletedAt ? (
        <section className={cardClass} aria-labelledby="restore-title">
          <h2 id="restore-title" className="font-medium">
            Deleted account
          </h2>
          <p className="text-sm">
            Deleted <Time ms={profile.deletedAt} />. It will be purged with its images and lone workspaces on{" "}
            <Time ms={loaderData.purgeAt ?? profile.deletedAt} />, unless it is restored before then.
          </p>
          <Form method="post">
            <input type="hidden" name="intent" value="restore" />
            <button type="submit" disabled={busy} className={buttonClass}>
              Restore account
            </button>
          </Form>
        </section>
      ) : null}

      {canAct && !gone && !self ? (
        <section className={`${cardClass} border-red-200 dark:border-red-900`} aria-labelledby="delete-title">
          <h2 id="delete-title" className="font-medium">
            Delete account
          </h2>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Signed out everywhere at once, shown as "deleted user" in chat, and purged after 30 days with its images and
            the workspaces nobody else uses. It can be restored here until then. The owner is told by e-mail.
          </p>
          <Form method="post" className="flex flex-wrap items-end gap-2">
            <input type="hidden" name="intent" value="delete" />
            <div>
              <label htmlFor="confirm-email" className="block text-sm font-medium">
                Type <span className="break-all">{profile.email}</span> to confirm
              </label>
              <input
                id="confirm-email"
                name="confirmEmail"
                type="email"
                autoComplete="off"
                required
                className="mt-1 w-full max-w-sm rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm dark:border-zinc-700 dark:bg-zinc-900"
              />
            </div>
            <button type="submit" disabled={busy} className={dangerClass}>
              Delete account
            </button>
          </Form>
        </section>
      ) : null}

      <section className={cardClass} aria-labelledby="workspaces-title">
        <h2 id="workspaces-title" className="font-medium">
          Workspaces
        </h2>
        {workspaces.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">None.</p>
        ) : (
          <ul className="space-y-1 text-sm">
            {workspaces.map((workspace) => (
              <li key={workspace.id}>
                {workspace.name}{" "}
                <span className="text-zinc-600 dark:text-zinc-400">
                  ({workspace.role}, since <Time ms={workspace.joinedAt} />)
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className={cardClass} aria-labelledby="signins-title">
        <h2 id="signins-title" className="font-medium">
          Sessions and API sign-ins
        </h2>
        {signIns.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">Signed in nowhere.</p>
        ) : (
          <ul className="space-y-1 text-sm" data-testid="admin-signins">
            {signIns.map((signIn) => (
              <li key={signIn.id}>
                {signIn.kind === "api" ? "API: " : "Browser: "}
                {signIn.device}
                {signIn.ip ? ` · ${signIn.ip}` : ""} · last active <Time ms={signIn.lastActiveAt} />
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className={cardClass} aria-labelledby="providers-title">
        <h2 id="providers-title" className="font-medium">
          Connected providers
        </h2>
        {providers.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">None.</p>
        ) : (
          <ul className="space-y-1 text-sm">
            {providers.map((provider) => (
              <li key={provider.provider}>
                {providerLabels[provider.provider]}
                {provider.email ? ` (${provider.email})` : ""}, since <Time ms={provider.createdAt} />
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className={cardClass} aria-labelledby="events-title">
        <h2 id="events-title" className="font-medium">
          Security log
        </h2>
        {events.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">Nothing yet.</p>
        ) : (
          <ul className="space-y-1 text-sm">
            {events.map((event) => (
              <li key={event.id}>
                <Time ms={event.createdAt} /> — {describeSecurityEvent(event.type)}
                {event.detail ? ` (${event.detail})` : ""}
                {event.ip ? ` · ${event.ip}` : ""}
              </li>
            ))}
          </ul>
        )}
      </section>

      {canAct ? (
        <section className={cardClass} aria-labelledby="audit-title">
          <h2 id="audit-title" className="font-medium">
            Admin actions on this account
          </h2>
          {audit.length === 0 ? (
            <p className="text-sm text-zinc-600 dark:text-zinc-400">None.</p>
          ) : (
            <ul className="space-y-1 text-sm">
              {audit.map((entry) => (
                <li key={entry.id}>
                  <Time ms={entry.createdAt} /> — {entry.action} by @{entry.actorLabel}
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : null}
    </section>
  );
}
