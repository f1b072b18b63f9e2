// A small, valid marketing plan for tests: it passes the server checks (app/plans/plan-checks.ts) for
// the start date, budget and currency it is built with. The fake OpenAI server answers with it.
import { addDays } from "../../app/plans/plan-dates.ts";
import type { PlanContent } from "../../app/plans/plan-schema.ts";

export interface FixturePlanInput {
  startDate: string;
  monthlyBudget: number;
  currency: string;
}

export function buildFixturePlan({ startDate, monthlyBudget, currency }: FixturePlanInput): PlanContent {
  const instagram = Math.floor(monthlyBudget * 0.6);
  return {
    executiveSummary: {
      summary: "Grow local sales with Instagram and a monthly newsletter, measured every week.",
      basedOn: ["business-name", "primary-goal"],
    },
    situation: {
      strengths: ["Loyal regulars"],
      weaknesses: ["Little time for marketing"],
      opportunities: ["Local searches for fresh bread"],
      threats: ["Supermarket prices"],
      basedOn: ["difference", "problems"],
    },
    goals: {
      goals: [
        {
          goal: "More weekly sales",
          kpi: "orders per week",
          baseline: "unknown — measure in week 1",
          target: "50 per week",
          deadline: addDays(startDate, 89),
        },
      ],
      basedOn: ["primary-goal"],
    },
    personas: {
      personas: [
        {
          name: "Busy parent",
          description: "Buys bread on the way home.",
          needs: ["Quick pickup"],
          objections: ["Price"],
          whereToReach: ["Instagram"],
        },
      ],
      basedOn: ["ideal-customer"],
    },
    positioning: {
      statement: "For families who want real bread, the bakery is the neighbourhood's slow-fermented choice.",
      keyMessages: ["Baked this morning"],
      basedOn: ["difference"],
    },
    channelStrategy: {
      channels: [
        {
          channel: "Instagram",
          why: "Where neighbours look",
          tactics: ["Daily bake photo"],
          cadence: "5 posts a week",
          budgetShare: 60,
          kpi: "followers",
        },
        {
          channel: "Newsletter",
          why: "Brings regulars back",
          tactics: ["Weekly specials"],
          cadence: "weekly",
          budgetShare: 40,
          kpi: "opens",
        },
      ],
      basedOn: ["budget"],
    },
    roadmap: {
      weeks: [
        { week: 1, focus: "Set up", tasks: [{ title: "Create the profile", channel: "Instagram", effortHours: 2 }] },
        {
          week: 2,
          focus: "First issue",
          tasks: [{ title: "Send the newsletter", channel: "Newsletter", effortHours: 1 }],
        },
      ],
      basedOn: ["time-and-constraints"],
    },
    contentCalendar: {
      items: [
        { date: startDate, channel: "Instagram", format: "photo", topic: "Morning bake", callToAction: "Visit us" },
        {
          date: addDays(startDate, 7),
          channel: "Newsletter",
          format: "email",
          topic: "Specials",
          callToAction: "Order",
        },
      ],
      basedOn: ["offer"],
    },
    budget: {
      currency,
      monthlyTotal: monthlyBudget,
      lines: [
        { item: "Promoted posts", channel: "Instagram", amount: instagram },
        { item: "Newsletter tool", channel: "Newsletter", amount: monthlyBudget - instagram },
      ],
      basedOn: ["budget"],
    },
    measurement: {
      approach: "Count orders and sources every Friday.",
      metrics: [{ metric: "orders", tool: "till", frequency: "weekly" }],
      basedOn: ["primary-goal"],
    },
    risks: {
      items: [{ kind: "assumption", text: "Four hours a week are available", mitigation: "Batch the posts" }],
      basedOn: ["time-and-constraints"],
    },
  };
}
