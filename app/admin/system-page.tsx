// /admin/system: the running build, migrations, database latency (measured on each visit), queue depth
// and which providers are configured, by name only. Admins only, like /admin.
import { requireRole } from "../accounts/auth.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import type { Route } from "./+types/system-page";
import { systemReport } from "./system.server.ts";

export async function loader(args: Route.LoaderArgs) {
  requireRole(args, "admin");
  const { env } = args.context.get(requestInfo);
  return withDatabase(args.context, (db) => systemReport(db, env));
}

export const meta: Route.MetaFunction = () => [{ title: "System — Admin — Alva" }];

const muted = "text-zinc-600 dark:text-zinc-400";

function Rows({ rows }: { rows: [string, string][] }) {
  return (
    <dl className="divide-y divide-zinc-200 dark:divide-zinc-800">
      {rows.map(([name, value]) => (
        <div key={name} className="grid gap-1 py-2 sm:grid-cols-3">
          <dt className={`text-sm ${muted}`}>{name}</dt>
          <dd className="break-words sm:col-span-2">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Panel({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  return (
    <section aria-labelledby={id} className="rounded-xl border border-zinc-200 p-5 dark:border-zinc-800">
      <h2 id={id} className="mb-2 text-lg font-medium">
        {title}
      </h2>
      {children}
    </section>
  );
}

export default function SystemPage({ loaderData: report }: Route.ComponentProps) {
  const { migrations } = report;
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold tracking-tight">System</h1>
      <Panel id="system-build" title="Build">
        <Rows
          rows={[
            ["Version", report.version],
            ["Commit", report.commit ?? "unknown"],
            ["Built", report.builtAt ?? "unknown"],
            ["Environment", report.environment],
          ]}
        />
      </Panel>
      <Panel id="system-database" title="Database">
        <Rows
          rows={[
            ["Latency", `${report.databaseLatencyMs} ms (median of three round trips, measured now)`],
            [
              "Migrations applied",
              `${migrations.applied.length}${migrations.applied.length ? `, the latest ${migrations.applied.at(-1)}` : ""}`,
            ],
            ["Migrations pending", migrations.pending.length ? migrations.pending.join(", ") : "None"],
            ...(migrations.unknown > 0
              ? ([
                  [
                    "Unknown migrations",
                    `${migrations.unknown} applied that this build does not know (a newer build ran?)`,
                  ],
                ] as [string, string][])
              : []),
          ]}
        />
      </Panel>
      <Panel id="system-queue" title="Plan job queue">
        <Rows
          rows={[
            ["Queued", String(report.queue.queued)],
            ["Running", String(report.queue.running)],
          ]}
        />
      </Panel>
      <Panel id="system-providers" title="Providers">
        <Rows
          rows={[
            ["Mail", report.providers.mail],
            ["AI", report.providers.ai],
            ["Social sign-in", report.providers.oauth.length ? report.providers.oauth.join(", ") : "None configured"],
          ]}
        />
        <p className={`mt-2 text-sm ${muted}`}>Names only: keys and secrets are never shown.</p>
      </Panel>
    </div>
  );
}
