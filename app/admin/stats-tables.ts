// What /admin/stats shows, shared by the server (stats.server.ts computes it) and the page (which
// renders the same tables as its CSV downloads).
import type { CsvValue } from "../platform/csv.ts";

export const periods = [7, 30, 90] as const;
export type Period = (typeof periods)[number];

export interface TokenRow {
  model: string;
  source: "plans" | "chat";
  calls: number;
  tokensIn: number;
  tokensOut: number;
  /** Estimated USD; null when AI_PRICES has no price for the model. */
  costUsd: number | null;
}

export interface FunnelCard {
  id: string;
  title: string;
  /**
   * Workspaces that got this far in the period: the workspaces created for the first card, else those
   * that first answered or skipped the previous card.
   */
  reached: number;
  answered: number;
  skipped: number;
  /** Reached this card and left it without answering or skipping. */
  droppedOff: number;
}

export interface AdminStats {
  period: Period;
  days: string[];
  signups: number[];
  activeUsers: number[];
  active: { today: number; week: number; month: number };
  totals: { users: number; waitlist: number; waitlistNotInvited: number };
  funnel: { cohort: number; cards: FunnelCard[] };
  plans: { succeeded: number[]; failed: number[]; averageSeconds: (number | null)[] };
  planTotals: { succeeded: number; failed: number; averageSeconds: number | null; maxSeconds: number | null };
  tokens: TokenRow[];
  chat: { messages: number[]; answers: number[] };
  queue: { queued: number; running: number; failed: number; deadLettered: number; oldestQueuedSeconds: number | null };
  waitlist: number[];
}

// ── The tables behind each chart: shown to screen readers beside the chart and downloaded as CSV ──

export const statsCharts = [
  "signups",
  "active-users",
  "funnel",
  "plans",
  "tokens",
  "chat",
  "queue",
  "waitlist",
] as const;
export type StatsChart = (typeof statsCharts)[number];

export interface StatsTable {
  title: string;
  header: string[];
  rows: CsvValue[][];
}

export function statsTable(stats: AdminStats, chart: StatsChart): StatsTable {
  const daily = (title: string, header: string[], ...series: (number | null)[][]): StatsTable => ({
    title,
    header: ["Day", ...header],
    rows: stats.days.map((day, i) => [day, ...series.map((values) => values[i] ?? null)]),
  });
  switch (chart) {
    case "signups":
      return daily("Sign-ups per day", ["Sign-ups"], stats.signups);
    case "active-users":
      return daily("Active users per day", ["Active users"], stats.activeUsers);
    case "funnel":
      return {
        title: "Onboarding funnel",
        header: ["Card", "Reached", "Answered", "Skipped", "Dropped off"],
        rows: stats.funnel.cards.map((card) => [
          card.title,
          card.reached,
          card.answered,
          card.skipped,
          card.droppedOff,
        ]),
      };
    case "plans":
      return daily(
        "Plans per day",
        ["Generated", "Failed", "Average generation time (s)"],
        stats.plans.succeeded,
        stats.plans.failed,
        stats.plans.averageSeconds,
      );
    case "tokens":
      return {
        title: "AI tokens and estimated cost per model",
        header: ["Model", "Used by", "Calls", "Tokens in", "Tokens out", "Estimated cost (USD)"],
        rows: stats.tokens.map((row) => [
          row.model,
          row.source,
          row.calls,
          row.tokensIn,
          row.tokensOut,
          row.costUsd === null ? null : Math.round(row.costUsd * 100) / 100,
        ]),
      };
    case "chat":
      return daily("Chat messages per day", ["Messages", "Alva's answers"], stats.chat.messages, stats.chat.answers);
    case "queue":
      return {
        title: "Plan job queue",
        header: ["State", "Jobs"],
        rows: [
          ["Queued now", stats.queue.queued],
          ["Running now", stats.queue.running],
          ["Failed in the period", stats.queue.failed],
          ["Dead-lettered in the period", stats.queue.deadLettered],
        ],
      };
    case "waitlist":
      return daily("Waitlist sign-ups per day", ["Joined"], stats.waitlist);
  }
}
