// /admin/users: find accounts by e-mail or username, filter by role, status and sign-in method, sort,
// and page through them (keyset pages, user-list.server.ts). A GET form: it works without JavaScript
// and every view has its own address. Admins and moderators (read-only) may look.
import { Form, Link } from "react-router";
import { requireRole } from "../accounts/auth.server.ts";
import { providerLabels } from "../oauth/providers.ts";
import { withDatabase } from "../platform/database.server.ts";
import { formatTime, isoTime, roleNames, roleOptions } from "../settings/format.ts";
import { FilterInput, FilterSelect } from "../ui/filter-fields.tsx";
import type { Route } from "./+types/users-page";
import { AdminNav } from "./admin-nav.tsx";
import { listUserPage, readUserFilter, userFilterQuery } from "./user-list.server.ts";
import { type SignInMethod, StatusBadge, signInMethods, statusNames, userStatuses } from "./user-status.tsx";

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireRole(args, "moderator");
  const filter = readUserFilter(new URL(args.request.url));
  const page = await withDatabase(args.context, (db) => listUserPage(db, filter));
  return {
    ...page,
    filter,
    role: user.role,
    nextHref: page.next ? `/admin/users${userFilterQuery(filter, page.next)}` : null,
    firstHref: filter.after ? `/admin/users${userFilterQuery(filter)}` : null,
  };
}

export const meta: Route.MetaFunction = () => [{ title: "Users — Admin — Alva" }];

const methodNames: Record<SignInMethod, string> = {
  password: "Password",
  passwordless: "Passwordless (e-mailed link)",
  ...providerLabels,
};

const sortNames = { newest: "Newest first", oldest: "Oldest first", username: "Username", email: "E-mail" } as const;

export default function UsersPage({ loaderData }: Route.ComponentProps) {
  const { rows, total, filter, nextHref, firstHref, role } = loaderData;
  return (
    <section className="space-y-6" aria-labelledby="users-title">
      <AdminNav viewer={role} />
      <h1 id="users-title" className="text-2xl font-semibold tracking-tight">
        Users
      </h1>

      <Form method="get" role="search" className="flex flex-wrap items-end gap-3">
        <FilterInput
          id="users-q"
          label="E-mail or username"
          className="min-w-[16rem] flex-1"
          name="q"
          type="search"
          defaultValue={filter.q}
          maxLength={254}
        />
        <FilterSelect
          id="users-role"
          label="Role"
          name="role"
          any="Any role"
          options={roleOptions.map((option) => [option, roleNames[option]] as const)}
          defaultValue={filter.role ?? ""}
        />
        <FilterSelect
          id="users-status"
          label="Status"
          name="status"
          any="Any status"
          options={userStatuses.map((option) => [option, statusNames[option]] as const)}
          defaultValue={filter.status ?? ""}
        />
        <FilterSelect
          id="users-method"
          label="Sign-in method"
          name="method"
          any="Any method"
          options={signInMethods.map((option) => [option, methodNames[option]] as const)}
          defaultValue={filter.method ?? ""}
        />
        <FilterSelect
          id="users-sort"
          label="Sort"
          name="sort"
          options={Object.entries(sortNames)}
          defaultValue={filter.sort}
        />
        <div className="flex gap-2">
          <button
            type="submit"
            className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700"
          >
            Find
          </button>
          <Link
            to="/admin/users"
            className="rounded-md border border-zinc-300 px-4 py-2 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
          >
            Clear
          </Link>
        </div>
      </Form>

      <p className="text-sm text-zinc-600 dark:text-zinc-400" aria-live="polite">
        {`${total.toLocaleString("en")} account${total === 1 ? "" : "s"} match.`}
      </p>

      <div className="overflow-x-auto rounded-xl border border-zinc-200 dark:border-zinc-800">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Accounts</caption>
          <thead className="bg-zinc-50 text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400">
            <tr>
              <th scope="col" className="px-4 py-2 font-medium">
                Username
              </th>
              <th scope="col" className="px-4 py-2 font-medium">
                E-mail
              </th>
              <th scope="col" className="px-4 py-2 font-medium">
                Role
              </th>
              <th scope="col" className="px-4 py-2 font-medium">
                Status
              </th>
              <th scope="col" className="px-4 py-2 font-medium">
                Signs in with
              </th>
              <th scope="col" className="px-4 py-2 font-medium">
                Created
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
            {rows.map((row) => (
              <tr key={row.id} data-testid="user-row">
                <td className="whitespace-nowrap px-4 py-2">
                  <Link to={`/admin/users/${row.id}`} className="font-medium underline">
                    {`@${row.username}`}
                  </Link>
                </td>
                <td className="whitespace-nowrap px-4 py-2">{row.email}</td>
                <td className="px-4 py-2">{roleNames[row.role]}</td>
                <td className="px-4 py-2">
                  <StatusBadge status={row.status} />
                </td>
                <td className="px-4 py-2">
                  {[
                    row.hasPassword ? "Password" : "E-mailed link",
                    ...row.providers.map((p) => providerLabels[p]),
                  ].join(", ")}
                </td>
                <td className="whitespace-nowrap px-4 py-2">
                  <time dateTime={isoTime(row.createdAt)}>{formatTime(row.createdAt)}</time>
                </td>
              </tr>
            ))}
            {rows.length === 0 ? (
              <tr>
                <td colSpan={6} className="px-4 py-6 text-center text-zinc-600 dark:text-zinc-400">
                  No account matches.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>

      <nav aria-label="Pages" className="flex gap-3 text-sm">
        {firstHref ? (
          <Link to={firstHref} className="underline">
            First page
          </Link>
        ) : null}
        {nextHref ? (
          <Link to={nextHref} className="underline" rel="next">
            Next page
          </Link>
        ) : null}
      </nav>
    </section>
  );
}
