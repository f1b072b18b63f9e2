// Server checks on a plan the model wrote: what a JSON Schema cannot say. Each problem is a sentence the
// model can act on in the correction round (and a reader sees under "needs review" if it persists).
import { cards } from "../onboarding/cards.ts";
import { legacyCurrency } from "../onboarding/currencies.ts";
import type { ClientProfile } from "../onboarding/profile.ts";
import { addDays, isValidDate } from "./plan-dates.ts";
import { CALENDAR_DAYS, PLAN_DAYS, type PlanContent, type PlanSectionKey, ROADMAP_WEEKS } from "./plan-schema.ts";

export interface PlanCheckContext {
  /** Day 1 of the plan, YYYY-MM-DD. */
  startDate: string;
  currency: string;
  monthlyBudget: number;
}

export interface SectionProblems {
  section: PlanSectionKey;
  problems: string[];
}

const cardIds = new Set(cards.map((card) => card.id));

/** The profile's monthly budget and its currency (answers saved before the currency was asked: euros). */
export function profileBudget(profile: ClientProfile): { amount: number; currency: string } {
  const budget = (profile.goals as Record<string, unknown>).monthlyBudget;
  if (budget && typeof budget === "object") {
    const { amount, currency } = budget as { amount?: unknown; currency?: unknown };
    return {
      amount: typeof amount === "number" ? amount : 0,
      currency: typeof currency === "string" && /^[A-Z]{3}$/.test(currency) ? currency : legacyCurrency,
    };
  }
  return { amount: typeof budget === "number" ? budget : 0, currency: legacyCurrency };
}

/** The problems of every section that has any, in plan order (sections missing from `content` are skipped). */
export function checkPlan(content: Partial<PlanContent>, context: PlanCheckContext): SectionProblems[] {
  const found = new Map<PlanSectionKey, string[]>();
  const report = (section: PlanSectionKey, problem: string) => {
    const list = found.get(section) ?? [];
    list.push(problem);
    found.set(section, list);
  };
  const lastPlanDay = addDays(context.startDate, PLAN_DAYS - 1);
  const lastCalendarDay = addDays(context.startDate, CALENDAR_DAYS - 1);

  for (const [section, value] of Object.entries(content) as [PlanSectionKey, { basedOn?: string[] }][]) {
    const unknown = (value?.basedOn ?? []).filter((id) => !cardIds.has(id));
    if (unknown.length > 0) {
      report(section, `basedOn names cards that do not exist: ${unknown.join(", ")}. Use only onboarding card ids.`);
    }
  }

  for (const goal of content.goals?.goals ?? []) {
    if (!isValidDate(goal.deadline) || goal.deadline < context.startDate || goal.deadline > lastPlanDay) {
      report(
        "goals",
        `The deadline ${goal.deadline} of "${goal.goal}" is outside ${context.startDate}…${lastPlanDay}.`,
      );
    }
  }

  const seenWeeks = new Set<number>();
  for (const week of content.roadmap?.weeks ?? []) {
    if (week.week < 1 || week.week > ROADMAP_WEEKS)
      report("roadmap", `Week ${week.week} is outside 1…${ROADMAP_WEEKS}.`);
    if (seenWeeks.has(week.week)) report("roadmap", `Week ${week.week} appears more than once.`);
    seenWeeks.add(week.week);
  }

  if (content.contentCalendar) {
    const strategy = content.channelStrategy?.channels.map((channel) => normalise(channel.channel));
    for (const item of content.contentCalendar.items) {
      if (!isValidDate(item.date) || item.date < context.startDate || item.date > lastCalendarDay) {
        report(
          "contentCalendar",
          `The date ${item.date} is outside the first four weeks (${context.startDate}…${lastCalendarDay}).`,
        );
      }
      if (strategy && !strategy.includes(normalise(item.channel))) {
        report("contentCalendar", `The channel "${item.channel}" is not in the channel strategy.`);
      }
    }
  }

  const budget = content.budget;
  if (budget) {
    if (budget.currency !== context.currency) {
      report("budget", `The currency must be ${context.currency}, not ${budget.currency}.`);
    }
    if (budget.monthlyTotal !== context.monthlyBudget) {
      report(
        "budget",
        `monthlyTotal must be the stated budget, ${context.monthlyBudget} ${context.currency}, not ${budget.monthlyTotal}.`,
      );
    }
    const sum = budget.lines.reduce((total, line) => total + line.amount, 0);
    if (sum !== context.monthlyBudget) {
      report(
        "budget",
        `The lines add up to ${sum} ${context.currency}; they must add up exactly to ${context.monthlyBudget}.`,
      );
    }
  }

  const order = Object.keys(content) as PlanSectionKey[];
  return [...found]
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([section, problems]) => ({ section, problems: [...new Set(problems)] }));
}

const normalise = (channel: string) => channel.trim().toLowerCase();
