// The offline demo model (scripts/demo-model.ts, started by tests/demo-model.setup.ts) through the app's
// own generation path in workerd: the provider config recognises it, the request format is the one the
// demo server reads, every section streams in, the plan passes the checks without a correction round,
// and a section rewrite follows its instruction.
import { describe, expect, inject, it } from "vitest";
import { requiredCardValues } from "../../tests/fixtures/plan-profile.ts";
import { aiProvider, DEMO_MODEL, openAiClient } from "../ai/provider.server.ts";
import { buildProfile } from "../onboarding/profile.ts";
import { buildDemoPlan } from "./demo-plan.ts";
import { generatePlan, generateSection } from "./generate.server.ts";
import { profileBudget } from "./plan-checks.ts";
import { planSectionKeys } from "./plan-schema.ts";

declare module "vitest" {
  // biome-ignore lint/suspicious/noExportsInTest: a type augmentation, not an export.
  export interface ProvidedContext {
    demoModelUrl: string;
  }
}

const START = "2026-12-01";
const profile = buildProfile(
  Object.entries({ ...requiredCardValues, "online-places": { places: ["instagram", "linkedin"] } }).map(
    ([cardId, value]) => ({ cardId, value, skipped: false }),
  ),
  new Date("2026-11-30T00:00:00Z"),
);
const { amount, currency } = profileBudget(profile);
const context = { startDate: START, currency, monthlyBudget: amount };

function demoInput(jobId: string) {
  const provider = aiProvider({
    ENVIRONMENT: "test",
    OPENAI_BASE_URL: inject("demoModelUrl"),
    OPENAI_MODEL: DEMO_MODEL,
  });
  if (provider.kind !== "demo") throw new Error(`expected the demo provider, got ${provider.kind}`);
  return {
    client: openAiClient(provider),
    model: provider.model,
    jobId,
    profile,
    context,
    callTimeoutMs: () => 20_000,
  };
}

describe("the demo model through generate.server.ts", () => {
  it("writes the demo plan section by section, in one call, with nothing to review", async () => {
    const streamed: string[] = [];
    const result = await generatePlan({
      ...demoInput("demo-plan"),
      onSection: async (section) => {
        streamed.push(section);
        return "continue";
      },
    });
    expect(streamed).toEqual(planSectionKeys);
    expect(result).toMatchObject({ calls: 1, needsReview: [] });
    expect(result.tokensOut).toBeGreaterThan(0);
    expect(result.content).toEqual(buildDemoPlan(profile, START));
  });

  it("rewrites one section following the instruction, keeping the rest", async () => {
    const plan = buildDemoPlan(profile, START);
    const result = await generateSection({
      ...demoInput("demo-section"),
      plan,
      section: "contentCalendar",
      instruction: "Focus on LinkedIn",
    });
    expect(result).toMatchObject({ calls: 1, needsReview: [] });
    expect(result.content.contentCalendar.items[0]!.channel).toBe("LinkedIn");
    expect(result.content.contentCalendar.items[0]!.topic).toContain('Rewritten as asked: "Focus on LinkedIn"');
    expect({ ...result.content, contentCalendar: plan.contentCalendar }).toEqual(plan);
  });

  it("stops when the job is cancelled mid-stream", async () => {
    const streamed: string[] = [];
    await expect(
      generatePlan({
        ...demoInput("demo-cancel"),
        onSection: async (section) => {
          streamed.push(section);
          return streamed.length === 3 ? "cancel" : "continue";
        },
      }),
    ).rejects.toMatchObject({ name: "GenerationCancelled" });
    expect(streamed).toHaveLength(3);
  });
});
