// /settings/security: the signed-in user's own security log, newest first. Entries never hold
// secrets (security-log.server.ts); only the columns below leave the server.
import { requireUser } from "../accounts/auth.server.ts";
import { listSecurityEvents } from "../accounts/security-log.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { Time } from "../ui/time.tsx";
import type { Route } from "./+types/security-page";
import { describeSecurityEvent } from "./format.ts";

const SHOWN_EVENTS = 100;

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const events = await withDatabase(args.context, (db) => listSecurityEvents(db, user.id, SHOWN_EVENTS));
  return {
    events: events.map((event) => ({
      id: event.id,
      what: describeSecurityEvent(event.type),
      failed: event.type === "sign-in-failed",
      detail: event.detail,
      ip: event.ip,
      device: event.device,
      at: event.createdAt.getTime(),
    })),
  };
}

export const meta: Route.MetaFunction = () => [{ title: "Security activity — Settings — Alva" }];

export default function SecurityPage({ loaderData }: Route.ComponentProps) {
  const { events } = loaderData;
  return (
    <section className="space-y-6" aria-labelledby="security-title">
      <h2 id="security-title" className="text-xl font-semibold tracking-tight">
        Security activity
      </h2>
      <p className="text-zinc-600 dark:text-zinc-400">
        Sign-ins and changes to your account, newest first (the latest {SHOWN_EVENTS}). If something here wasn't you,
        change your password and end your other sessions.
      </p>
      {events.length === 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Nothing recorded yet.</p>
      ) : (
        // On a phone each event is a stacked block with its column names, not a table wider than the screen.
        <div className="rounded-xl border border-zinc-200 sm:overflow-x-auto dark:border-zinc-800">
          <table className="w-full text-left text-sm">
            <thead className="sr-only bg-zinc-50 text-zinc-600 sm:not-sr-only sm:table-header-group dark:bg-zinc-900 dark:text-zinc-400">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">
                  When
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  What happened
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  IP
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  Device
                </th>
              </tr>
            </thead>
            <tbody className="block divide-y divide-zinc-200 sm:table-row-group dark:divide-zinc-800">
              {events.map((event) => (
                <tr key={event.id} data-testid="security-event" className="block px-4 py-3 sm:table-row sm:p-0">
                  <td className="block whitespace-nowrap font-medium sm:table-cell sm:px-4 sm:py-2 sm:font-normal">
                    <Time ms={event.at} />
                  </td>
                  <td className="block sm:table-cell sm:px-4 sm:py-2">
                    <span className={event.failed ? "font-medium text-red-700 dark:text-red-400" : undefined}>
                      {event.what}
                    </span>
                    {event.detail ? (
                      <span className="block text-zinc-600 dark:text-zinc-400">{event.detail}</span>
                    ) : null}
                  </td>
                  <td className="block text-zinc-600 sm:table-cell sm:px-4 sm:py-2 sm:text-inherit dark:text-zinc-400 sm:dark:text-inherit">
                    <span className="sm:hidden">IP </span>
                    {event.ip ?? "unknown"}
                  </td>
                  <td className="block text-zinc-600 sm:table-cell sm:px-4 sm:py-2 sm:text-inherit dark:text-zinc-400 sm:dark:text-inherit">
                    {event.device ?? "Unknown device"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
