import { describe, expect, it } from "vitest";
import { buildFixturePlan } from "../../tests/fake-openai/fixture-plan.ts";
import { retryAfterSeconds, TopLevelMembers } from "./generate.server.ts";
import { checkPlan, profileBudget } from "./plan-checks.ts";
import type { PlanContent } from "./plan-schema.ts";

const context = { startDate: "2026-12-01", currency: "EUR", monthlyBudget: 300 };
const plan = (): PlanContent => buildFixturePlan(context);

describe("checkPlan", () => {
  it("passes a plan that keeps every rule", () => {
    expect(checkPlan(plan(), context)).toEqual([]);
  });

  it("names each broken rule under its section, in plan order", () => {
    const broken = plan();
    broken.budget.lines[0]!.amount += 1;
    broken.budget.currency = "USD";
    broken.goals.goals[0]!.deadline = "2027-03-01"; // day 91
    broken.contentCalendar.items[0]!.date = "2026-12-29"; // day 29
    broken.contentCalendar.items[1]!.channel = "TikTok";
    broken.roadmap.weeks[1]!.week = 1;
    broken.risks.basedOn = ["budget", "made-up-card"];
    expect(checkPlan(broken, context)).toEqual([
      {
        section: "goals",
        problems: ['The deadline 2027-03-01 of "More weekly sales" is outside 2026-12-01…2027-02-28.'],
      },
      { section: "roadmap", problems: ["Week 1 appears more than once."] },
      {
        section: "contentCalendar",
        problems: [
          "The date 2026-12-29 is outside the first four weeks (2026-12-01…2026-12-28).",
          'The channel "TikTok" is not in the channel strategy.',
        ],
      },
      {
        section: "budget",
        problems: [
          "The currency must be EUR, not USD.",
          "The lines add up to 301 EUR; they must add up exactly to 300.",
        ],
      },
      {
        section: "risks",
        problems: ["basedOn names cards that do not exist: made-up-card. Use only onboarding card ids."],
      },
    ]);
  });

  it("checks the sections it is given (a correction answer) and matches channels case-insensitively", () => {
    const { contentCalendar } = plan();
    contentCalendar.items[0]!.channel = " instagram ";
    expect(checkPlan({ contentCalendar }, context)).toEqual([]);
    expect(checkPlan({ budget: { ...plan().budget, monthlyTotal: 299 } }, context)[0]!.problems).toContain(
      "monthlyTotal must be the stated budget, 300 EUR, not 299.",
    );
  });

  it("reads the budget from the profile, with its currency when the profile has one", () => {
    const profile = (monthlyBudget: unknown) => ({ goals: { monthlyBudget } }) as never;
    expect(profileBudget(profile(300))).toEqual({ amount: 300, currency: "EUR" });
    expect(profileBudget(profile({ amount: 120, currency: "GBP" }))).toEqual({ amount: 120, currency: "GBP" });
    expect(profileBudget(profile(null))).toEqual({ amount: 0, currency: "EUR" });
  });
});

describe("TopLevelMembers", () => {
  it("yields each top-level member as soon as its value is complete, whatever the chunking", () => {
    const text = JSON.stringify({
      a: { text: 'quote " brace } bracket ] comma , backslash \\', list: [1, { b: [2] }] },
      b: "plain",
      c: [],
    });
    for (const size of [1, 3, 7, text.length]) {
      const scanner = new TopLevelMembers();
      const seen: [string, unknown][] = [];
      for (let i = 0; i < text.length; i += size) seen.push(...scanner.push(text.slice(i, i + size)));
      expect(seen).toEqual(Object.entries(JSON.parse(text)));
    }
  });

  it("yields nothing for an unfinished member", () => {
    expect(new TopLevelMembers().push('{"a": {"b": 1}, "c": {"d": ')).toEqual([["a", { b: 1 }]]);
  });
});

describe("retryAfterSeconds", () => {
  it("reads seconds, an HTTP date or retry-after-ms", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(retryAfterSeconds(new Headers({ "retry-after": "7" }), now)).toBe(7);
    expect(retryAfterSeconds(new Headers({ "retry-after": "Tue, 01 Dec 2026 10:00:30 GMT" }), now)).toBe(30);
    expect(retryAfterSeconds(new Headers({ "retry-after-ms": "1500" }), now)).toBe(2);
    expect(retryAfterSeconds(new Headers(), now)).toBeNull();
  });
});
