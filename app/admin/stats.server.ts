// The aggregates of /admin/stats, all in one read batch (one round trip), each from an index or a
// roll-up kept as things happen (decision 0105):
//   sign-ups           users_created               active users   active_user_days, user_last_active_day
//   onboarding funnel  workspaces_created + onboarding_card_days (first answers per day and card)
//   plans, tokens      plan_jobs_created           queue          plan_jobs_status
//   chat               chat_room_days_totals       waitlist       waitlist_time
// Days are UTC calendar days. docs/decisions/0105-admin-statistics.md says where each number comes from.
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import { cards } from "../onboarding/cards.ts";
import { type AdminStats, type FunnelCard, type Period, periods, type TokenRow } from "./stats-tables.ts";

/** ?days=7|30|90; anything else is the default 30. */
export function periodOf(request: Request): Period {
  const value = Number(new URL(request.url).searchParams.get("days"));
  return (periods as readonly number[]).includes(value) ? (value as Period) : 30;
}

const DAY_MS = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** USD per million tokens, per model, from the AI_PRICES variable (JSON). */
const pricesSchema = z.record(
  z.string().max(200),
  z.object({ input: z.number().nonnegative(), output: z.number().nonnegative() }),
);
export type Prices = z.infer<typeof pricesSchema>;

/** The configured prices; an unset or malformed AI_PRICES means no estimate (never an error page). */
export function aiPrices(env: { AI_PRICES?: string }): Prices {
  try {
    const parsed = pricesSchema.safeParse(JSON.parse(env.AI_PRICES || "{}"));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

type Row = Record<string, unknown>;
const num = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));
const numOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));
/** A ms timestamp column's UTC day, in SQL. */
const dayOf = (column: string) => `strftime('%Y-%m-%d', ${column} / 1000, 'unixepoch')`;

export async function loadAdminStats(db: Database, input: { period: Period; prices: Prices; now?: number }) {
  const now = input.now ?? Date.now();
  const { period } = input;
  const days = Array.from({ length: period }, (_, i) => utcDay(now - (period - 1 - i) * DAY_MS));
  const firstDay = days[0]!;
  const from = Date.parse(`${firstDay}T00:00:00Z`);
  const weekFrom = utcDay(now - 6 * DAY_MS);
  const monthFrom = utcDay(now - 29 * DAY_MS);
  const today = utcDay(now);

  const results = await db.$client.batch(
    [
      {
        sql: `SELECT ${dayOf("created_at")} AS day, count(*) AS n FROM users WHERE created_at >= ? GROUP BY day`,
        args: [from],
      },
      { sql: "SELECT day, users AS n FROM active_user_days WHERE day >= ?", args: [firstDay] },
      {
        sql: `SELECT
          active.today, active.week, active.month,
          (SELECT count(*) FROM users) AS users,
          (SELECT count(*) FROM waitlist) AS waitlist,
          (SELECT count(*) FROM waitlist WHERE invited_at IS NULL) AS waitlist_not_invited
        FROM (SELECT sum(day >= ?) AS today, sum(day >= ?) AS week, count(*) AS month
              FROM user_last_active WHERE day >= ?) AS active`,
        args: [today, weekFrom, monthFrom],
      },
      { sql: "SELECT count(*) AS n FROM workspaces WHERE created_at >= ?", args: [from] },
      {
        sql: `SELECT card_id AS card, sum(answered) AS answered, sum(skipped) AS skipped
              FROM onboarding_card_days WHERE day >= ? GROUP BY card_id`,
        args: [firstDay],
      },
      {
        sql: `SELECT ${dayOf("created_at")} AS day, kind, status, model, count(*) AS n,
                sum(finished_at - started_at) AS total_ms, max(finished_at - started_at) AS max_ms,
                sum(tokens_in) AS tokens_in, sum(tokens_out) AS tokens_out
              FROM plan_jobs WHERE created_at >= ? AND status IN ('succeeded', 'failed')
              GROUP BY day, kind, status, model`,
        args: [from],
      },
      {
        sql: `SELECT day, model, sum(messages) AS messages, sum(answers) AS answers,
                sum(tokens_in) AS tokens_in, sum(tokens_out) AS tokens_out
              FROM chat_room_days WHERE day >= ? GROUP BY day, model`,
        args: [firstDay],
      },
      {
        sql: `SELECT
          (SELECT count(*) FROM plan_jobs WHERE status = 'queued') AS queued,
          (SELECT count(*) FROM plan_jobs WHERE status = 'running') AS running,
          (SELECT min(created_at) FROM plan_jobs WHERE status = 'queued') AS oldest_queued,
          (SELECT count(*) FROM plan_jobs WHERE status = 'failed' AND created_at >= ? AND last_error LIKE 'Gave up after %') AS dead`,
        args: [from],
      },
      {
        sql: `SELECT ${dayOf("created_at")} AS day, count(*) AS n FROM waitlist WHERE created_at >= ? GROUP BY day`,
        args: [from],
      },
    ],
    "read",
  );
  const rows = (index: number) => results[index]!.rows as unknown as Row[];
  const index = new Map(days.map((day, i) => [day, i]));
  const perDay = (list: Row[], column: string) => {
    const values = days.map(() => 0);
    for (const row of list) {
      const i = index.get(String(row.day));
      if (i !== undefined) values[i]! += num(row[column]);
    }
    return values;
  };

  const counts = rows(2)[0]!;
  const cohort = num(rows(3)[0]?.n);
  const byCard = new Map(rows(4).map((row) => [String(row.card), row]));
  const funnelCards: FunnelCard[] = [];
  cards.forEach((card, i) => {
    const row = byCard.get(card.id);
    const answered = num(row?.answered);
    const skipped = num(row?.skipped);
    const previous = funnelCards[i - 1];
    const reached = previous ? previous.answered + previous.skipped : cohort;
    funnelCards.push({
      id: card.id,
      title: card.title,
      reached,
      answered,
      skipped,
      droppedOff: Math.max(0, reached - answered - skipped),
    });
  });

  // Finished jobs by day, kind, status and model: whole plans for the plans chart, every succeeded job
  // (plans and section rewrites) for the tokens (failed jobs record none).
  const succeeded = days.map(() => 0);
  const failed = days.map(() => 0);
  const dayTotals = days.map(() => ({ ms: 0, n: 0 }));
  const planModels = new Map<string, { calls: number; tokensIn: number; tokensOut: number }>();
  let maxMs: number | null = null;
  let failedJobs = 0;
  for (const row of rows(5)) {
    const i = index.get(String(row.day));
    const n = num(row.n);
    if (row.status === "failed") failedJobs += n;
    if (row.status === "succeeded" && row.model !== null) {
      const model = String(row.model);
      const sum = planModels.get(model) ?? { calls: 0, tokensIn: 0, tokensOut: 0 };
      sum.calls += n;
      sum.tokensIn += num(row.tokens_in);
      sum.tokensOut += num(row.tokens_out);
      planModels.set(model, sum);
    }
    if (row.kind !== "plan" || i === undefined) continue;
    if (row.status === "failed") failed[i]! += n;
    else {
      succeeded[i]! += n;
      if (row.total_ms !== null) {
        dayTotals[i]!.ms += num(row.total_ms);
        dayTotals[i]!.n += n;
      }
      const max = numOrNull(row.max_ms);
      if (max !== null) maxMs = Math.max(maxMs ?? 0, max);
    }
  }
  const tenths = (ms: number) => Math.round(ms / 100) / 10;
  const averageSeconds = dayTotals.map((total) => (total.n > 0 ? tenths(total.ms / total.n) : null));
  const timed = dayTotals.reduce((sum, total) => ({ ms: sum.ms + total.ms, n: sum.n + total.n }), { ms: 0, n: 0 });

  const cost = (model: string, tokensIn: number, tokensOut: number) => {
    const price = input.prices[model];
    return price ? (tokensIn * price.input + tokensOut * price.output) / 1_000_000 : null;
  };
  const tokens: TokenRow[] = [...planModels].map(([model, sum]) => ({
    model,
    source: "plans",
    ...sum,
    costUsd: cost(model, sum.tokensIn, sum.tokensOut),
  }));
  const chatRows = rows(6);
  const chatModels = new Map<string, { calls: number; tokensIn: number; tokensOut: number }>();
  for (const row of chatRows) {
    const model = String(row.model);
    if (!model) continue;
    const sum = chatModels.get(model) ?? { calls: 0, tokensIn: 0, tokensOut: 0 };
    sum.calls += num(row.answers);
    sum.tokensIn += num(row.tokens_in);
    sum.tokensOut += num(row.tokens_out);
    chatModels.set(model, sum);
  }
  for (const [model, sum] of chatModels) {
    tokens.push({ model, source: "chat", ...sum, costUsd: cost(model, sum.tokensIn, sum.tokensOut) });
  }
  tokens.sort((a, b) => a.model.localeCompare(b.model) || a.source.localeCompare(b.source));

  const queue = rows(7)[0]!;
  const oldest = numOrNull(queue.oldest_queued);

  return {
    period,
    days,
    signups: perDay(rows(0), "n"),
    activeUsers: perDay(rows(1), "n"),
    active: { today: num(counts.today), week: num(counts.week), month: num(counts.month) },
    totals: {
      users: num(counts.users),
      waitlist: num(counts.waitlist),
      waitlistNotInvited: num(counts.waitlist_not_invited),
    },
    funnel: { cohort, cards: funnelCards },
    plans: { succeeded, failed, averageSeconds },
    planTotals: {
      succeeded: succeeded.reduce((a, b) => a + b, 0),
      failed: failed.reduce((a, b) => a + b, 0),
      averageSeconds: timed.n > 0 ? tenths(timed.ms / timed.n) : null,
      maxSeconds: maxMs === null ? null : tenths(maxMs),
    },
    tokens,
    chat: { messages: perDay(chatRows, "messages"), answers: perDay(chatRows, "answers") },
    queue: {
      queued: num(queue.queued),
      running: num(queue.running),
      failed: failedJobs,
      deadLettered: num(queue.dead),
      oldestQueuedSeconds: oldest === null ? null : Math.max(0, Math.round((now - oldest) / 1000)),
    },
    waitlist: perDay(rows(8), "n"),
  } satisfies AdminStats;
}
