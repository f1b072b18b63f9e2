// /admin: the admin home — the tabs to users, the audit log, statistics, settings and system — and the
// quick list of accounts and their roles. Admins only (everyone else gets the 403 page; moderators
// read users at /admin/users). Changing a role is a plain form post per row; users.server.ts keeps at
// least one admin, and every change is in the audit log.
import { data, Form, Link, useNavigation } from "react-router";
import { z } from "zod";
import type { Role } from "../../db/schema.ts";
import { requireRole } from "../accounts/auth.server.ts";
import { recordSecurityEvent } from "../accounts/security-log.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { parseForm } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { redirectWithToast } from "../platform/toast.server.ts";
import { formatTime, isoTime, roleNames, roleOptions } from "../settings/format.ts";
import { confirmationPassword, confirmIdentity } from "../settings/reauth.server.ts";
import { PasswordConfirmation } from "../ui/password-confirmation.tsx";
import type { Route } from "./+types/admin-page";
import { AdminNav } from "./admin-nav.tsx";
import { recordAudit } from "./audit.server.ts";
import { changeRole, listUsers } from "./users.server.ts";

const searchSchema = z.string().trim().max(254).catch("");

function searchOf(request: Request): string {
  return searchSchema.parse(new URL(request.url).searchParams.get("q") ?? "");
}

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireRole(args, "admin");
  const search = searchOf(args.request);
  const { users, total } = await withDatabase(args.context, (db) => listUsers(db, search));
  return { users, total, search, me: user.id };
}

export const meta: Route.MetaFunction = () => [{ title: "Admin — Alva" }];

const roleChangeSchema = z.object({
  intent: z.literal("change-role", { error: "That request wasn't understood. Reload the page and try again." }),
  userId: z.string({ error: "Choose an account." }).trim().min(1, "Choose an account.").max(64, "No such account."),
  role: z.enum(roleOptions, { error: "Choose user, moderator or admin." }),
  password: confirmationPassword,
});

export interface AdminActionData {
  error: string;
  /** The row the error belongs to, when known. */
  userId?: string;
  /** Set when the password is needed first: the page asks for it to make this change. */
  confirm?: { userId: string; role: Role };
}

export async function action(args: Route.ActionArgs) {
  const { request, context } = args;
  const { user: actor, session } = requireRole(args, "admin");
  const submission = await parseForm(args, roleChangeSchema);
  if (submission.status !== "success") {
    const posted = submission.payload.userId;
    const userId = typeof posted === "string" ? posted.slice(0, 64) : undefined;
    const error = Object.values(submission.error ?? {}).flat()[0] ?? "Check the form.";
    return data<AdminActionData>({ error, userId }, { status: 400 });
  }
  const { userId, role, password } = submission.value;
  const { requestId, env } = context.get(requestInfo);
  // Like ending other sessions: a stolen, older admin session must not hand out roles (reauth.server.ts).
  const confirmation = await withDatabase(context, (db) =>
    confirmIdentity({ db, env, request, user: actor, session, purpose: "changing a role", password }),
  );
  if (!confirmation.ok) {
    return data<AdminActionData>(
      { error: confirmation.message, userId, confirm: { userId, role } },
      { status: confirmation.status },
    );
  }
  const change = await withDatabase(context, (db) => changeRole(db, { actorId: actor.id, targetId: userId, role }));
  const search = searchOf(request);
  const back = `/admin${search ? `?q=${encodeURIComponent(search)}` : ""}`;

  switch (change.outcome) {
    case "changed": {
      // An audit line for the operator's logs: ids and roles only.
      console.log(
        JSON.stringify({
          level: "info",
          msg: "role changed",
          requestId,
          actorId: actor.id,
          targetId: userId,
          from: change.from,
          to: role,
        }),
      );
      // In the audit log, and in the user's own security log.
      await withDatabase(context, async (db) => {
        await recordAudit(db, {
          actor: { id: actor.id, username: actor.username },
          action: "user.role",
          target: { userId, label: change.username },
          detail: { from: change.from, to: role },
          request,
        });
        await recordSecurityEvent(db, {
          userId,
          type: "role-changed",
          request,
          detail: `${change.from} → ${role}, by @${actor.username}`,
        });
      });
      const self = userId === actor.id;
      const message = `${self ? "You are" : `@${change.username} is`} now ${withArticle(role)}.`;
      // Someone who just gave up the admin role can no longer see this page.
      return redirectWithToast(request, self && role !== "admin" ? "/settings" : back, { kind: "success", message });
    }
    case "unchanged":
      return redirectWithToast(request, back, { kind: "info", message: `@${change.username} already has that role.` });
    case "not-found":
      return data<AdminActionData>({ error: "That account doesn't exist (any more).", userId }, { status: 404 });
    case "last-admin":
      return data<AdminActionData>(
        { error: "You're the only admin, so you can't give up the role. Make someone else an admin first.", userId },
        { status: 409 },
      );
    case "not-allowed":
      return data<AdminActionData>(
        { error: "You're no longer an admin, so you can't change roles.", userId },
        { status: 403 },
      );
  }
}

const withArticle = (role: Role) => (role === "admin" ? "an admin" : `a ${role}`);

export default function AdminPage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const { users, total, search, me } = loaderData;
  const confirm = actionData?.confirm;
  const rowError =
    !confirm && actionData?.userId && users.some((row) => row.id === actionData.userId) ? actionData : undefined;
  const confirmTarget = confirm ? users.find((row) => row.id === confirm.userId) : undefined;

  return (
    <section className="space-y-6" aria-labelledby="admin-title">
      <AdminNav viewer="admin" />
      <h1 id="admin-title" className="text-2xl font-semibold tracking-tight">
        Admin
      </h1>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Find, filter and act on accounts in{" "}
        <Link to="/admin/users" className="underline">
          Users
        </Link>
        ; every admin and moderator action is in the{" "}
        <Link to="/admin/audit" className="underline">
          audit log
        </Link>
        . Below: the newest accounts and their roles.
      </p>

      <Form method="get" role="search" className="flex max-w-md gap-2">
        <label htmlFor="admin-search" className="sr-only">
          Find accounts by username or e-mail
        </label>
        <input
          id="admin-search"
          name="q"
          type="search"
          defaultValue={search}
          maxLength={254}
          placeholder="Username or e-mail"
          className="flex-1 rounded-md border border-zinc-300 bg-white px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900"
        />
        <button
          type="submit"
          className="rounded-md border border-zinc-300 px-3 py-2 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
        >
          Search
        </button>
      </Form>

      {confirm ? (
        <PasswordConfirmation
          title={`Confirm it's you to make ${confirmTarget ? `@${confirmTarget.username}` : "this account"} ${withArticle(confirm.role)}`}
          fields={{ intent: "change-role", userId: confirm.userId, role: confirm.role }}
          errors={actionData?.error}
          pending={busy}
          cancelTo="/admin"
        />
      ) : null}

      {actionData?.error && !rowError && !confirm ? (
        <p
          role="alert"
          className="rounded-md border border-red-300 bg-red-50 px-4 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
        >
          {actionData.error}
        </p>
      ) : null}

      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        {total === users.length
          ? `${total} account${total === 1 ? "" : "s"}`
          : `Showing the newest ${users.length} of ${total} accounts; search to find others.`}
      </p>

      <div className="overflow-x-auto rounded-xl border border-zinc-200 dark:border-zinc-800">
        <table className="w-full text-left text-sm">
          <thead className="bg-zinc-50 text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400">
            <tr>
              <th scope="col" className="px-4 py-2 font-medium">
                Username
              </th>
              <th scope="col" className="px-4 py-2 font-medium">
                E-mail
              </th>
              <th scope="col" className="px-4 py-2 font-medium">
                Verified
              </th>
              <th scope="col" className="px-4 py-2 font-medium">
                Created
              </th>
              <th scope="col" className="px-4 py-2 font-medium">
                Role
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
            {users.map((row) => {
              const error = rowError?.userId === row.id ? rowError.error : undefined;
              return (
                <tr key={row.id} data-testid="admin-user">
                  <td className="px-4 py-2">
                    <Link to={`/admin/users/${row.id}`} className="underline">{`@${row.username}`}</Link>
                    {row.id === me ? (
                      <span className="ml-2 text-xs text-zinc-600 dark:text-zinc-400">(you)</span>
                    ) : null}
                  </td>
                  <td className="px-4 py-2">{row.email}</td>
                  <td className="px-4 py-2">{row.emailVerified ? "Yes" : "No"}</td>
                  <td className="whitespace-nowrap px-4 py-2">
                    <time dateTime={isoTime(row.createdAt)}>{formatTime(row.createdAt)}</time>
                  </td>
                  <td className="px-4 py-2">
                    <Form method="post" className="flex items-center gap-2">
                      <input type="hidden" name="intent" value="change-role" />
                      <input type="hidden" name="userId" value={row.id} />
                      <label htmlFor={`role-${row.id}`} className="sr-only">
                        {`Role of @${row.username}`}
                      </label>
                      <select
                        id={`role-${row.id}`}
                        name="role"
                        defaultValue={row.role}
                        aria-invalid={error ? true : undefined}
                        aria-describedby={error ? `role-error-${row.id}` : undefined}
                        className="rounded-md border border-zinc-300 bg-white px-2 py-1 aria-invalid:border-red-600 dark:border-zinc-700 dark:bg-zinc-900"
                      >
                        {roleOptions.map((role) => (
                          <option key={role} value={role}>
                            {roleNames[role]}
                          </option>
                        ))}
                      </select>
                      <button
                        type="submit"
                        disabled={busy}
                        className="rounded-md border border-zinc-300 px-2 py-1 hover:bg-zinc-50 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-900"
                      >
                        Save
                      </button>
                    </Form>
                    {error ? (
                      <p id={`role-error-${row.id}`} role="alert" className="mt-1 text-red-700 dark:text-red-400">
                        {error}
                      </p>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
