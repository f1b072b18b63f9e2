// GET /admin/stats/download/:chart?days=30 — one chart's table of /admin/stats as CSV. Admins only.
import { requireRole } from "../accounts/auth.server.ts";
import { csvResponse, toCsv } from "../platform/csv.ts";
import { withDatabase } from "../platform/database.server.ts";
import { httpError, NOT_FOUND_MESSAGE } from "../platform/http-error.ts";
import { requestInfo } from "../platform/request-info.ts";
import type { Route } from "./+types/stats-csv-route";
import { aiPrices, loadAdminStats, periodOf } from "./stats.server.ts";
import { type StatsChart, statsCharts, statsTable } from "./stats-tables.ts";

export async function loader(args: Route.LoaderArgs) {
  requireRole(args, "admin");
  const chart = args.params.chart as StatsChart;
  if (!statsCharts.includes(chart)) httpError(args.context, 404, NOT_FOUND_MESSAGE);
  const period = periodOf(args.request);
  const prices = aiPrices(args.context.get(requestInfo).env);
  const stats = await withDatabase(args.context, (db) => loadAdminStats(db, { period, prices }));
  const table = statsTable(stats, chart);
  return csvResponse(`alva-${chart}-${stats.days[0]}-to-${stats.days.at(-1)}.csv`, toCsv(table.header, table.rows));
}
