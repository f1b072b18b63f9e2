// The demo model's plan: valid against the plan schema, specific to the profile, deterministic, and
// passing the rules the server checks (budget adds up, dates inside the 90 days, calendar channels from
// the strategy, roadmap weeks 1..13, basedOn naming answered cards).
import { describe, expect, it } from "vitest";
import { requiredCardValues } from "../../tests/fixtures/plan-profile.ts";
import { cards, sectionKeys } from "../onboarding/cards.ts";
import { buildProfile, type ClientProfile, type StoredAnswer } from "../onboarding/profile.ts";
import { apportion, buildDemoPlan, buildDemoSection } from "./demo-plan.ts";
import { checkPlan, profileBudget } from "./plan-checks.ts";
import { PLAN_DAYS, type PlanContent, planContentSchema, planSectionKeys, ROADMAP_WEEKS } from "./plan-schema.ts";

const START = "2026-12-01";

const requiredAnswers = requiredCardValues;

const everyAnswer: Record<string, unknown> = {
  ...requiredAnswers,
  offer: { text: "Sourdough bread, pastries and celebration cakes to order." },
  website: { url: "https://rosas-bakery.example/" },
  "team-size": { people: 6 },
  benefits: { first: "Bread that keeps for four days", second: "Cakes designed with you", third: "Open at 6:30" },
  "online-places": { places: ["instagram", "google", "facebook"] },
  "buying-triggers": { buy: "A birthday or a weekend guest", hesitate: "Prices higher than the supermarket" },
  competitors: { competitors: [{ name: "Boulangerie Paul", url: "https://paul.example/" }, { name: "Carrefour" }] },
  positioning: { text: "Everything is made on site" },
  voice: { adjectives: ["warm", "down-to-earth", "playful"] },
  logo: { imageId: "img_logo" },
  "brand-images": { imageIds: [], colours: ["#aa3300"] },
  channels: { channels: ["social-organic", "referrals", "print"] },
  "what-worked": { worked: "Market stall on Saturdays", didNotWork: "Flyers in letterboxes" },
  targets: { target: "40 cake orders a month", timeline: "3-months" },
  budget: { amount: 1234 },
  "time-and-constraints": { hoursPerWeek: 9.5, constraints: "No video; December is the busy season" },
};

function profileOf(answers: Record<string, unknown>): ClientProfile {
  const stored: StoredAnswer[] = Object.entries(answers).map(([cardId, value]) => ({ cardId, value, skipped: false }));
  return buildProfile(stored, new Date("2026-11-30T12:00:00Z"));
}

const withBudget = (amount: number, extra: Record<string, unknown> = {}) =>
  profileOf({ ...requiredAnswers, ...extra, budget: { amount } });

/**
 * The server checks (plan-checks.ts), and the same rules written out independently here, a little stricter:
 * every roadmap week present with tasks, budget and roadmap channels also from the strategy, basedOn
 * naming only cards this profile answered.
 */
function expectPassesServerRules(plan: PlanContent, profile: ClientProfile, startDate = START) {
  const { amount, currency } = profileBudget(profile);
  expect(checkPlan(plan, { startDate, currency, monthlyBudget: amount })).toEqual([]);
  const budget = (profile.goals as { monthlyBudget: { amount: number } | null }).monthlyBudget?.amount ?? 0;
  expect(plan.budget.monthlyTotal).toBe(budget);
  expect(plan.budget.lines.reduce((sum, item) => sum + item.amount, 0)).toBe(budget);
  expect(plan.budget.currency).toBe("EUR");

  const start = Date.parse(`${startDate}T00:00:00Z`);
  const dates = [...plan.goals.goals.map((goal) => goal.deadline), ...plan.contentCalendar.items.map((i) => i.date)];
  for (const date of dates) {
    const offset = (Date.parse(`${date}T00:00:00Z`) - start) / 86_400_000;
    expect(offset, date).toBeGreaterThanOrEqual(0);
    expect(offset, date).toBeLessThan(PLAN_DAYS);
  }
  for (const item of plan.contentCalendar.items) expect(offset28(item.date, start), item.date).toBeLessThan(28);

  const strategy = new Set(plan.channelStrategy.channels.map((channel) => channel.channel));
  expect(strategy.size).toBeGreaterThanOrEqual(3);
  for (const item of plan.contentCalendar.items) expect(strategy).toContain(item.channel);
  for (const item of plan.budget.lines) expect(strategy).toContain(item.channel);
  for (const week of plan.roadmap.weeks) for (const task of week.tasks) expect(strategy).toContain(task.channel);

  expect(plan.roadmap.weeks.map((week) => week.week)).toEqual(Array.from({ length: ROADMAP_WEEKS }, (_, i) => i + 1));
  for (const week of plan.roadmap.weeks) expect(week.tasks.length).toBeGreaterThan(0);

  const answered = new Set(
    cards
      .filter(
        (card) =>
          (profile as Record<string, Record<string, unknown>>)[sectionKeys[card.section]]![card.profileKey] !== null,
      )
      .map((card) => card.id),
  );
  for (const key of planSectionKeys)
    for (const id of plan[key].basedOn) expect(answered, `${key} relies on ${id}`).toContain(id);
}
const offset28 = (date: string, start: number) => (Date.parse(`${date}T00:00:00Z`) - start) / 86_400_000;

describe("buildDemoPlan", () => {
  const profiles: [string, ClientProfile][] = [
    ["the required answers only", profileOf(requiredAnswers)],
    ["every card answered", profileOf(everyAnswer)],
    ["a budget of 0", withBudget(0)],
    ["a budget of 1", withBudget(1)],
    ["an odd budget (997)", withBudget(997)],
    [
      "an odd budget with paid channels (1001)",
      withBudget(1001, { channels: { channels: ["search-ads", "social-ads", "email"] } }),
    ],
    ["the largest budget", withBudget(10_000_000)],
    ["0 hours a week", profileOf({ ...requiredAnswers, "time-and-constraints": { hoursPerWeek: 0 } })],
    [
      "a B2B business",
      profileOf({ ...everyAnswer, audience: { audience: "b2b" }, "online-places": { places: ["linkedin"] } }),
    ],
    [
      "both audiences, retention",
      profileOf({ ...requiredAnswers, audience: { audience: "both" }, "primary-goal": { goal: "retention" } }),
    ],
  ];

  it.each(profiles)("parses with planContentSchema and passes the server rules: %s", (_, profile) => {
    const plan = buildDemoPlan(profile, START);
    expect(planContentSchema.safeParse(plan).error).toBeUndefined();
    expectPassesServerRules(plan, profile);
  });

  it("handles a profile with nothing answered", () => {
    const empty = profileOf({});
    const plan = buildDemoPlan(empty, START);
    expect(planContentSchema.safeParse(plan).error).toBeUndefined();
    expectPassesServerRules(plan, empty);
    for (const key of planSectionKeys) expect(plan[key].basedOn).toEqual([]);
  });

  it("is deterministic", () => {
    const profile = profileOf(everyAnswer);
    expect(JSON.stringify(buildDemoPlan(profile, START))).toBe(JSON.stringify(buildDemoPlan(profile, START)));
  });

  it("is specific to the profile", () => {
    const plan = buildDemoPlan(profileOf(everyAnswer), START);
    const text = JSON.stringify(plan);
    expect(plan.executiveSummary.summary).toContain("Rosa's Bakery");
    expect(plan.executiveSummary.summary).toContain("not written by an AI");
    expect(text).toContain("Sourdough bread, pastries and celebration cakes to order");
    expect(plan.positioning.statement).toContain("families nearby who care about good bread");
    expect(plan.goals.goals[0]!.goal).toContain("40 cake orders a month");
    expect(plan.goals.goals[0]!.kpi).toBe("Orders per month");
    expect(plan.positioning.keyMessages.join(" ")).toContain("made with care for you"); // "warm"
    expect(plan.positioning.keyMessages.join(" ")).toContain("warm, down-to-earth and playful");
    // Channels in use and where customers are: Instagram (social posts), referrals, print.
    expect(plan.channelStrategy.channels.map((channel) => channel.channel)).toEqual(
      expect.arrayContaining(["Instagram", "Referrals", "Print and local press"]),
    );
    expect(plan.executiveSummary.summary).toContain("€1,234 a month");
    expect(plan.executiveSummary.summary).toContain("9.5 hours a week");
    expect(plan.situation.threats.join(" ")).toContain("Boulangerie Paul");
    expect(plan.contentCalendar.items[0]!.callToAction).toContain("https://rosas-bakery.example/");
    // 9.5 hours a week: the roadmap's tasks use them, and more calendar items than at 4 hours.
    expect(plan.roadmap.weeks[2]!.tasks.reduce((sum, task) => sum + task.effortHours, 0)).toBe(9.5);
    const small = buildDemoPlan(profileOf(requiredAnswers), START);
    expect(plan.contentCalendar.items.length).toBeGreaterThan(small.contentCalendar.items.length);
  });

  it("leaves paid channels out when the budget is 0, and lists every channel at 0", () => {
    const profile = withBudget(0, { channels: { channels: ["search-ads", "social-ads"] } });
    const plan = buildDemoPlan(profile, START);
    const names = plan.channelStrategy.channels.map((channel) => channel.channel);
    expect(names).not.toContain("Google search ads");
    expect(names).not.toContain("Social ads");
    expect(plan.budget.lines.map((item) => item.amount)).toEqual(names.map(() => 0));
    expectPassesServerRules(plan, profile);
  });

  it("gives a budget of 1 to one channel, and shares add up to 100 when there is money", () => {
    const one = buildDemoPlan(withBudget(1), START);
    expect(one.budget.lines).toHaveLength(1);
    expect(one.budget.lines[0]!.amount).toBe(1);
    for (const amount of [1, 7, 301, 1234]) {
      const plan = buildDemoPlan(withBudget(amount), START);
      expect(plan.channelStrategy.channels.reduce((sum, channel) => sum + channel.budgetShare, 0)).toBe(100);
    }
  });

  it("refuses a start date that is not a real date", () => {
    const profile = profileOf(requiredAnswers);
    expect(() => buildDemoPlan(profile, "2026-02-30")).toThrow(/YYYY-MM-DD/);
    expect(() => buildDemoPlan(profile, "tomorrow")).toThrow(/YYYY-MM-DD/);
  });

  it("reads a budget stored with its currency", () => {
    const profile = profileOf({ ...requiredAnswers, budget: { amount: 250, currency: "GBP" } });
    const plan = buildDemoPlan(profile, START);
    expect(plan.budget).toMatchObject({ currency: "GBP", monthlyTotal: 250 });
    expect(plan.budget.lines.reduce((sum, item) => sum + item.amount, 0)).toBe(250);
  });
});

describe("buildDemoSection", () => {
  const profile = profileOf(everyAnswer);
  const plan = buildDemoPlan(profile, START);

  it.each(planSectionKeys)("rewrites %s into a valid section that quotes the instruction", (section) => {
    const rewritten = buildDemoSection(profile, START, section, plan, "Make it  punchier");
    const merged = { ...plan, [section]: rewritten };
    expect(planContentSchema.safeParse(merged).error).toBeUndefined();
    expectPassesServerRules(merged, profile);
    expect(JSON.stringify(rewritten)).toContain('Rewritten as asked: \\"Make it punchier\\"');
  });

  it("puts a channel the instruction names first, with a larger share", () => {
    const before = plan.channelStrategy.channels.find((channel) => channel.channel === "Referrals")!;
    const strategy = buildDemoSection(profile, START, "channelStrategy", plan, "Focus on referrals please");
    expect(strategy.channels[0]!.channel).toBe("Referrals");
    expect(strategy.channels[0]!.budgetShare).toBeGreaterThan(before.budgetShare);

    const calendar = buildDemoSection(profile, START, "contentCalendar", plan, "focus on referrals");
    const count = (items: { channel: string }[]) => items.filter((item) => item.channel === "Referrals").length;
    expect(count(calendar.items)).toBeGreaterThan(count(plan.contentCalendar.items));

    const budget = buildDemoSection(profile, START, "budget", plan, "more referrals");
    expect(budget.lines[0]!.channel).toBe("Referrals");
    expect(budget.lines.reduce((sum, item) => sum + item.amount, 0)).toBe(1234);

    const roadmap = buildDemoSection(profile, START, "roadmap", plan, "referrals first");
    expect(roadmap.weeks[4]!.tasks[0]!.channel).toBe("Referrals");
  });

  it("adds a channel the plan lacks only to the channel strategy", () => {
    const strategy = buildDemoSection(profile, START, "channelStrategy", plan, "Add LinkedIn");
    expect(strategy.channels[0]!.channel).toBe("LinkedIn");
    expect(strategy.channels.map((channel) => channel.channel)).toEqual(
      expect.arrayContaining(plan.channelStrategy.channels.map((channel) => channel.channel)),
    );
    const calendar = buildDemoSection(profile, START, "contentCalendar", plan, "Add LinkedIn");
    expect(calendar.items.map((item) => item.channel)).not.toContain("LinkedIn");
  });

  it("keeps to a hand-edited plan's own channel names", () => {
    const edited: PlanContent = {
      ...plan,
      channelStrategy: {
        ...plan.channelStrategy,
        channels: [
          { ...plan.channelStrategy.channels[0]!, channel: "Shop window" },
          ...plan.channelStrategy.channels.slice(1),
        ],
      },
    };
    const calendar = buildDemoSection(profile, START, "contentCalendar", edited, "more shop window");
    const names = new Set(edited.channelStrategy.channels.map((channel) => channel.channel));
    for (const item of calendar.items) expect(names).toContain(item.channel);
    expect(calendar.items[0]!.channel).toBe("Shop window");
  });
});

describe("apportion", () => {
  it("splits a whole number exactly, largest remainders first", () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(1, [15, 40, 10])).toEqual([0, 1, 0]);
    expect(apportion(0, [1, 2])).toEqual([0, 0]);
    expect(apportion(5, [0, 0])).toEqual([5, 0]);
    for (const total of [1, 2, 99, 997, 10_000_000]) {
      const parts = apportion(total, [15, 40, 35, 10, 5]);
      expect(parts.reduce((sum, part) => sum + part, 0)).toBe(total);
    }
  });
});
