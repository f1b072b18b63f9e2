// The offline demo model through the real `openai` SDK: a streamed structured-output plan request as the
// app sends it, a section rewrite, a correction round, a plain chat, the model list, and bad requests.
//   npx vitest run --config scripts/vitest.config.ts
import OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { buildProfile, type ClientProfile } from "../app/onboarding/profile.ts";
import { buildDemoPlan } from "../app/plans/demo-plan.ts";
import { planContentSchema, planSections } from "../app/plans/plan-schema.ts";
import { DEMO_CHAT_REPLY, type DemoModelServer, startDemoModel } from "./demo-model.ts";

const START = "2026-12-01";
const answers: Record<string, unknown> = {
  "business-name": { text: "Kite & Co" },
  industry: { text: "Kitesurfing school" },
  audience: { audience: "b2c" },
  "online-places": { places: ["instagram", "youtube"] },
  "primary-goal": { goal: "leads" },
  budget: { amount: 451 },
  "time-and-constraints": { hoursPerWeek: 5 },
};
const profile: ClientProfile = buildProfile(
  Object.entries(answers).map(([cardId, value]) => ({ cardId, value, skipped: false })),
  new Date("2026-11-30T00:00:00Z"),
);
/** The data message as app/plans/generate.server.ts writes it. */
const dataMessage = (extra: object = {}) =>
  JSON.stringify({ task: "Write the complete marketing plan for this business.", startDate: START, ...extra, profile });

let server: DemoModelServer;
let client: OpenAI;
beforeAll(async () => {
  server = await startDemoModel({ port: 0, chunkDelayMs: 0 });
  client = new OpenAI({ apiKey: "unused", baseURL: server.url, maxRetries: 0 });
});
afterAll(() => server.close());

describe("the demo model", () => {
  it("streams the demo plan as structured output, role first and usage last", async () => {
    const stream = client.chat.completions.stream({
      model: "alva-demo",
      messages: [
        { role: "system", content: "You are Alva." },
        { role: "user", content: dataMessage() },
      ],
      response_format: zodResponseFormat(planContentSchema, "marketing_plan"),
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const completion = await stream.finalChatCompletion();
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBeGreaterThan(0);
    expect(completion.model).toBe("alva-demo");
    expect(completion.choices[0]!.message.parsed).toEqual(buildDemoPlan(profile, START));
  });

  it("answers without streaming too", async () => {
    const completion = await client.chat.completions.parse({
      model: "alva-demo",
      messages: [{ role: "user", content: dataMessage() }],
      response_format: zodResponseFormat(planContentSchema, "marketing_plan"),
    });
    expect(completion.choices[0]!.message.parsed!.budget.monthlyTotal).toBe(451);
    expect(completion.usage!.total_tokens).toBeGreaterThan(0);
  });

  it("rewrites the section a request asks for, following its instruction", async () => {
    const plan = buildDemoPlan(profile, START);
    const completion = await client.chat.completions.parse({
      model: "alva-demo",
      messages: [
        {
          role: "user",
          content: dataMessage({ section: "budget", instruction: "Put YouTube first", plan }),
        },
      ],
      response_format: zodResponseFormat(z.object({ budget: planSections.budget.schema }), "marketing_plan_sections"),
    });
    const budget = completion.choices[0]!.message.parsed!.budget;
    expect(budget.lines[0]!.channel).toBe("YouTube");
    expect(budget.lines[0]!.item).toContain('Rewritten as asked: "Put YouTube first"');
    expect(budget.lines.reduce((sum, line) => sum + line.amount, 0)).toBe(451);
  });

  it("answers a correction round with the sections it names", async () => {
    const completion = await client.chat.completions.parse({
      model: "alva-demo",
      messages: [
        { role: "user", content: dataMessage() },
        { role: "assistant", content: "{}" },
        { role: "user", content: JSON.stringify({ task: "Correct these.", problems: [{ section: "goals" }] }) },
      ],
      response_format: zodResponseFormat(z.object({ goals: planSections.goals.schema }), "marketing_plan_sections"),
    });
    expect(completion.choices[0]!.message.parsed!.goals).toEqual(buildDemoPlan(profile, START).goals);
  });

  it("says what it is when asked anything else", async () => {
    const completion = await client.chat.completions.create({
      model: "alva-demo",
      messages: [{ role: "user", content: "What should I post this week?" }],
    });
    expect(completion.choices[0]!.message.content).toBe(DEMO_CHAT_REPLY);
    expect(DEMO_CHAT_REPLY).toContain("not an AI");

    const stream = await client.chat.completions.create({
      model: "alva-demo",
      messages: [{ role: "user", content: [{ type: "text", text: "Hello?" }] }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(DEMO_CHAT_REPLY);
  });

  it("answers Alva's chat data with what the workspace knows, saying it is not an AI", async () => {
    const markdown =
      "# Plan\n\n## Roadmap\n\n### Week 1: Get found\n\n- [ ] Claim the Google profile (Search, 2 h)\n- [x] Ask ten customers for reviews (Reviews, 1 h)\n";
    const stream = await client.chat.completions.create({
      model: "alva-demo",
      stream: true,
      messages: [
        { role: "system", content: "You are Alva." },
        {
          role: "user",
          content: JSON.stringify({
            task: "chat",
            profile: { business: { name: "Rosa's Bakery" }, goals: { primaryGoal: "More weekday customers" } },
            plan: { title: "Marketing plan of 2026-11-30", markdown },
          }),
        },
        { role: "user", content: "[Ann] @alva what first?" },
      ],
    });
    const pieces: string[] = [];
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) pieces.push(chunk.choices[0].delta.content);
    const text = pieces.join("");
    expect(pieces.length).toBeGreaterThan(5);
    expect(text).toContain("not an AI");
    expect(text).toContain("Rosa's Bakery");
    expect(text).toContain("More weekday customers");
    expect(text).toContain("Week 1 is about Get found");
    expect(text).toContain("- Ask ten customers for reviews (Reviews, 1 h)");
  });

  it("lists its model", async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(["alva-demo"]);
  });

  it("refuses requests it cannot answer with a clear 4xx", async () => {
    const planFormat = zodResponseFormat(planContentSchema, "marketing_plan");
    const failure = (promise: Promise<unknown>) =>
      promise.then(
        () => null,
        (error: InstanceType<typeof OpenAI.APIError>) => ({ status: error.status, message: error.message }),
      );

    const noData = await failure(
      client.chat.completions.create({
        model: "alva-demo",
        messages: [{ role: "user", content: "Write my plan" }],
        response_format: planFormat,
      }),
    );
    expect(noData).toMatchObject({ status: 400, message: expect.stringContaining("startDate and profile") });

    const badDate = await failure(
      client.chat.completions.create({
        model: "alva-demo",
        messages: [{ role: "user", content: JSON.stringify({ startDate: "2026-02-30", profile }) }],
        response_format: planFormat,
      }),
    );
    expect(badDate).toMatchObject({ status: 400, message: expect.stringContaining("YYYY-MM-DD") });

    const otherSchema = await failure(
      client.chat.completions.create({
        model: "alva-demo",
        messages: [{ role: "user", content: dataMessage() }],
        response_format: zodResponseFormat(z.object({ poem: z.string() }), "poem"),
      }),
    );
    expect(otherSchema).toMatchObject({ status: 400, message: expect.stringContaining("poem") });

    const post = (body: string, contentType = "application/json") =>
      fetch(`${server.url}/chat/completions`, { method: "POST", headers: { "Content-Type": contentType }, body });
    expect((await post("{not json")).status).toBe(400);
    expect((await post(JSON.stringify({ messages: [] }))).status).toBe(400);
    expect((await post("hello", "text/plain")).status).toBe(415);
    expect((await post(`"${"x".repeat(2_100_000)}"`)).status).toBe(413);
    expect((await fetch(`${server.url}/embeddings`, { method: "POST" })).status).toBe(404);
    const error = (await (await post("{not json")).json()) as { error: { message: string } };
    expect(error.error.message).toBe("The request body is not valid JSON.");
  });
});
