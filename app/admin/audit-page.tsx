// /admin/audit: every admin and moderator action — who, what, on whom, when, from which address —
// filtered by actor, action and dates (a GET form), newest first in keyset pages, and downloadable as
// CSV with the same filters. Read-only: the app has no way to change or remove an entry. Admins only.
import { Form, Link } from "react-router";
import { requireRole } from "../accounts/auth.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { formatTime, isoTime } from "../settings/format.ts";
import { FilterInput, FilterSelect } from "../ui/filter-fields.tsx";
import type { Route } from "./+types/audit-page";
import { AdminNav } from "./admin-nav.tsx";
import { auditActions, auditFilterQuery, listAudit, readAuditFilter } from "./audit.server.ts";

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireRole(args, "admin");
  const filter = readAuditFilter(new URL(args.request.url));
  const [page, actions] = await withDatabase(args.context, (db) =>
    Promise.all([listAudit(db, filter), auditActions(db)]),
  );
  return {
    ...page,
    actions,
    filter,
    role: user.role,
    nextHref: page.next ? `/admin/audit${auditFilterQuery(filter, page.next)}` : null,
    firstHref: filter.after ? `/admin/audit${auditFilterQuery(filter)}` : null,
    csvHref: `/admin/audit.csv${auditFilterQuery({ ...filter, after: undefined })}`,
  };
}

export const meta: Route.MetaFunction = () => [{ title: "Audit log — Admin — Alva" }];

/** The stored JSON detail as short text: `from: user, to: admin`. */
function describeDetail(detail: string | null): string {
  if (!detail) return "";
  try {
    const parsed = JSON.parse(detail) as Record<string, unknown>;
    return Object.entries(parsed)
      .map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
      .join(", ");
  } catch {
    return detail;
  }
}

export default function AuditPage({ loaderData }: Route.ComponentProps) {
  const { rows, actions, filter, nextHref, firstHref, csvHref, role } = loaderData;
  return (
    <section className="space-y-6" aria-labelledby="audit-title">
      <AdminNav viewer={role} />
      <h1 id="audit-title" className="text-2xl font-semibold tracking-tight">
        Audit log
      </h1>

      <Form method="get" className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4 lg:items-end">
        <FilterInput
          id="audit-actor"
          label="Who (username)"
          name="actor"
          type="search"
          defaultValue={filter.actor}
          maxLength={64}
        />
        <FilterSelect
          id="audit-action"
          label="Action"
          name="action"
          any="Any action"
          options={actions.map((action) => [action, action] as const)}
          defaultValue={filter.action}
        />
        <FilterInput id="audit-from" label="From (UTC day)" name="from" type="date" defaultValue={filter.from ?? ""} />
        <FilterInput id="audit-to" label="To (UTC day)" name="to" type="date" defaultValue={filter.to ?? ""} />
        <div className="flex flex-wrap gap-2 lg:col-span-4">
          <button
            type="submit"
            className="rounded-md bg-brand-600 px-3 py-2 text-sm font-medium text-white hover:bg-brand-700"
          >
            Filter
          </button>
          <Link
            to="/admin/audit"
            className="rounded-md border border-zinc-300 px-3 py-2 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
          >
            Clear
          </Link>
          <a
            href={csvHref}
            download
            className="rounded-md border border-zinc-300 px-3 py-2 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
          >
            Download CSV
          </a>
        </div>
      </Form>

      <div className="overflow-x-auto rounded-xl border border-zinc-200 dark:border-zinc-800">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Admin and moderator actions, newest first</caption>
          <thead className="bg-zinc-50 text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400">
            <tr>
              <th scope="col" className="px-3 py-2 font-medium">
                When
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Who
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Action
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                On
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Detail
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                From
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
            {rows.map((row) => (
              <tr key={row.id} data-testid="audit-row">
                <td className="whitespace-nowrap px-3 py-2">
                  <time dateTime={isoTime(row.createdAt)}>{formatTime(row.createdAt)}</time>
                </td>
                <td className="px-3 py-2">{`@${row.actorLabel}`}</td>
                <td className="px-3 py-2">
                  <code>{row.action}</code>
                </td>
                <td className="px-3 py-2">
                  {row.targetUserId ? (
                    <Link to={`/admin/users/${row.targetUserId}`} className="underline">
                      {row.targetLabel ? `@${row.targetLabel}` : "an account"}
                    </Link>
                  ) : (
                    (row.targetLabel ?? "—")
                  )}
                </td>
                <td className="px-3 py-2">{describeDetail(row.detail)}</td>
                <td className="px-3 py-2">{row.ip ?? "—"}</td>
              </tr>
            ))}
            {rows.length === 0 ? (
              <tr>
                <td colSpan={6} className="px-4 py-6 text-center text-zinc-600 dark:text-zinc-400">
                  No entries.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>

      <nav aria-label="Pages" className="flex gap-3 text-sm">
        {firstHref ? (
          <Link to={firstHref} className="underline">
            Newest entries
          </Link>
        ) : null}
        {nextHref ? (
          <Link to={nextHref} className="underline" rel="next">
            Older entries
          </Link>
        ) : null}
      </nav>
    </section>
  );
}
