// /admin/stats: how the instance is used, over the last 7, 30 or 90 days (a GET form, so it works without
// JavaScript). Admins only, like /admin. Every chart is server-rendered SVG with its numbers as a table
// for screen readers and a CSV download (stats-csv-route.ts). Where each number comes from:
// stats.server.ts and docs/decisions/0105-admin-statistics.md.
import type { ReactNode } from "react";
import { Form } from "react-router";
import { requireRole } from "../accounts/auth.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import type { Route } from "./+types/stats-page";
import { aiPrices, loadAdminStats, periodOf } from "./stats.server.ts";
import { ChartTable, DailyChart, HorizontalBars, Legend } from "./stats-charts.tsx";
import { type AdminStats, periods, type StatsChart, statsTable } from "./stats-tables.ts";

export async function loader(args: Route.LoaderArgs) {
  requireRole(args, "admin");
  const period = periodOf(args.request);
  const prices = aiPrices(args.context.get(requestInfo).env);
  const stats = await withDatabase(args.context, (db) => loadAdminStats(db, { period, prices }));
  return { stats, pricedModels: Object.keys(prices).length };
}

export const meta: Route.MetaFunction = () => [{ title: "Statistics — Admin — Alva" }];

const number = new Intl.NumberFormat("en");
const usd = new Intl.NumberFormat("en", { style: "currency", currency: "USD", maximumFractionDigits: 2 });
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const muted = "text-sm text-zinc-600 dark:text-zinc-400";

function Figure({ value, label }: { value: string; label: string }) {
  return (
    <div className="rounded-xl border border-zinc-200 p-4 dark:border-zinc-800">
      <dt className={muted}>{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums">{value}</dd>
    </div>
  );
}

function ChartSection({
  stats,
  chart,
  summary,
  children,
}: {
  stats: AdminStats;
  chart: StatsChart;
  summary: string;
  children?: ReactNode;
}) {
  const table = statsTable(stats, chart);
  const id = `chart-${chart}`;
  return (
    <section aria-labelledby={id} className="space-y-3 rounded-xl border border-zinc-200 p-5 dark:border-zinc-800">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={id} className="text-lg font-medium">
          {table.title}
        </h2>
        <a
          href={`/admin/stats/download/${chart}?days=${stats.period}`}
          download
          className="text-sm text-brand-700 underline underline-offset-2 hover:no-underline dark:text-brand-300"
        >
          Download CSV<span className="sr-only">{` of ${table.title.toLowerCase()}`}</span>
        </a>
      </div>
      <p className={muted}>{summary}</p>
      {children}
      <ChartTable {...table} />
    </section>
  );
}

export default function StatsPage({ loaderData }: Route.ComponentProps) {
  const { stats, pricedModels } = loaderData;
  const { days } = stats;
  const totalCost = stats.tokens.reduce((total, row) => total + (row.costUsd ?? 0), 0);
  const unpriced = stats.tokens.filter((row) => row.costUsd === null).map((row) => row.model);
  const dropOff = [...stats.funnel.cards].sort((a, b) => b.droppedOff - a.droppedOff)[0];

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <h1 className="text-2xl font-semibold tracking-tight">Statistics</h1>
        <Form method="get" className="flex items-end gap-2">
          <div>
            <label htmlFor="stats-days" className="block text-sm font-medium">
              Period
            </label>
            <select
              id="stats-days"
              name="days"
              defaultValue={String(stats.period)}
              className="mt-1 rounded-md border border-zinc-300 bg-white px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900"
            >
              {periods.map((period) => (
                <option key={period} value={period}>
                  {`Last ${period} days`}
                </option>
              ))}
            </select>
          </div>
          <button
            type="submit"
            className="rounded-md border border-zinc-300 px-3 py-2 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
          >
            Show
          </button>
        </Form>
      </div>
      <p className={muted}>{`${days[0]} to ${days[days.length - 1]}, in UTC days.`}</p>

      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
        <Figure label="Accounts" value={number.format(stats.totals.users)} />
        <Figure label="Active today" value={number.format(stats.active.today)} />
        <Figure label="Active in 7 days" value={number.format(stats.active.week)} />
        <Figure label="Active in 30 days" value={number.format(stats.active.month)} />
        <Figure label="Plan jobs queued" value={number.format(stats.queue.queued)} />
        <Figure label="On the waitlist" value={number.format(stats.totals.waitlist)} />
      </dl>

      <ChartSection stats={stats} chart="signups" summary={`${number.format(sum(stats.signups))} new accounts.`}>
        <DailyChart days={days} kind="bars" series={[{ name: "Sign-ups", values: stats.signups }]} />
      </ChartSection>

      <ChartSection
        stats={stats}
        chart="active-users"
        summary={`Signed-in users active each day. Today ${number.format(stats.active.today)}, in the last 7 days ${number.format(stats.active.week)}, in the last 30 days ${number.format(stats.active.month)}.`}
      >
        <DailyChart days={days} kind="line" series={[{ name: "Active users", values: stats.activeUsers }]} />
      </ChartSection>

      <ChartSection
        stats={stats}
        chart="funnel"
        summary={
          stats.funnel.cohort === 0
            ? "No workspaces were created in this period."
            : `${number.format(stats.funnel.cohort)} workspaces were created in the period; cards are counted when first answered or skipped, and ${number.format(stats.funnel.cards.at(-1)?.answered ?? 0)} answered the last card.${dropOff && dropOff.droppedOff > 0 ? ` Most left at “${dropOff.title}” (${number.format(dropOff.droppedOff)}).` : ""}`
        }
      >
        <Legend names={["Answered", "Skipped"]} />
        <HorizontalBars
          parts={["Answered", "Skipped"]}
          rows={stats.funnel.cards.map((card) => ({
            label: card.title,
            whole: card.reached,
            values: [card.answered, card.skipped],
          }))}
        />
        <p className={muted}>The outline is how many reached the card.</p>
      </ChartSection>

      <ChartSection
        stats={stats}
        chart="plans"
        summary={`${number.format(stats.planTotals.succeeded)} plans generated, ${number.format(stats.planTotals.failed)} failed.${stats.planTotals.averageSeconds === null ? "" : ` Generation took ${stats.planTotals.averageSeconds} s on average, ${stats.planTotals.maxSeconds} s at most.`}`}
      >
        <Legend names={["Generated", "Failed"]} />
        <DailyChart
          days={days}
          kind="bars"
          series={[
            { name: "Generated", values: stats.plans.succeeded },
            { name: "Failed", values: stats.plans.failed },
          ]}
        />
      </ChartSection>

      <ChartSection
        stats={stats}
        chart="tokens"
        summary={
          stats.tokens.length === 0
            ? "No model calls in this period."
            : `Estimated cost ${usd.format(totalCost)}${unpriced.length > 0 ? ` (no price configured for ${[...new Set(unpriced)].join(", ")})` : ""}. Prices come from AI_PRICES (${pricedModels} model${pricedModels === 1 ? "" : "s"} priced).`
        }
      >
        <HorizontalBars
          parts={["Tokens in", "Tokens out"]}
          rows={stats.tokens.map((row) => ({
            label: `${row.model} (${row.source})`,
            whole: row.tokensIn + row.tokensOut,
            values: [row.tokensIn, row.tokensOut],
          }))}
        />
        <Legend names={["Tokens in", "Tokens out"]} />
      </ChartSection>

      <ChartSection
        stats={stats}
        chart="chat"
        summary={`${number.format(sum(stats.chat.messages))} messages and ${number.format(sum(stats.chat.answers))} answers by Alva. Rooms report their counts every few minutes.`}
      >
        <Legend names={["Messages", "Alva's answers"]} />
        <DailyChart
          days={days}
          kind="bars"
          series={[
            { name: "Messages", values: stats.chat.messages },
            { name: "Alva's answers", values: stats.chat.answers },
          ]}
        />
      </ChartSection>

      <ChartSection
        stats={stats}
        chart="queue"
        summary={`${number.format(stats.queue.queued)} queued${stats.queue.oldestQueuedSeconds === null ? "" : ` (the oldest for ${number.format(stats.queue.oldestQueuedSeconds)} s)`}, ${number.format(stats.queue.running)} running now; ${number.format(stats.queue.failed)} failed in the period, ${number.format(stats.queue.deadLettered)} of them after every retry (dead-lettered).`}
      >
        <HorizontalBars
          parts={["Jobs"]}
          rows={statsTable(stats, "queue").rows.map((row) => ({
            label: String(row[0]),
            whole: Number(row[1]),
            values: [Number(row[1])],
          }))}
        />
      </ChartSection>

      <ChartSection
        stats={stats}
        chart="waitlist"
        summary={`${number.format(sum(stats.waitlist))} joined in the period; ${number.format(stats.totals.waitlist)} in all, ${number.format(stats.totals.waitlistNotInvited)} not invited yet.`}
      >
        <DailyChart days={days} kind="bars" series={[{ name: "Joined", values: stats.waitlist }]} />
      </ChartSection>
    </div>
  );
}
