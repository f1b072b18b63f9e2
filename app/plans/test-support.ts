// Fixtures for the plan tests: a workspace whose required onboarding cards are answered, and a queue
// binding that records what was sent instead of delivering it (tests drive the consumer themselves).
import { env } from "cloudflare:workers";
import { onboardingAnswers } from "../../db/schema.ts";
import type { FakeScenario } from "../../tests/fake-openai/scenarios.ts";
import { createTestUser, ensureInstance, type TestUser, testDb } from "../../tests/worker-helpers.ts";
import { currentWorkspace, loadProfile } from "../onboarding/onboarding.server.ts";

/** A stored answer (the card's value shape) for every required card. */
export const requiredCardValues: Record<string, unknown> = {
  "business-name": { text: "Rosa's Bakery" },
  industry: { text: "Artisan bakery" },
  stage: { stage: "growing" },
  location: { location: "Lyon", serviceArea: "Greater Lyon" },
  offer: { text: "Sourdough bread and cakes" },
  pricing: { model: "one-off", min: 3, max: 60 },
  difference: { text: "Slow fermentation, local flour" },
  "ideal-customer": { text: "Families nearby who care about good bread" },
  audience: { audience: "b2c" },
  problems: { text: "Supermarket bread is bland" },
  "primary-goal": { goal: "sales" },
  budget: { amount: 300 },
  "time-and-constraints": { hoursPerWeek: 4 },
};

export interface PlanWorkspace {
  user: TestUser;
  workspaceId: string;
}

/** A new account whose workspace has `answers` (default: every required card) and a current profile. */
export async function createPlanWorkspace(
  answers: Record<string, unknown> = requiredCardValues,
  label = "plans",
): Promise<PlanWorkspace> {
  await ensureInstance();
  const user = await createTestUser({ label });
  const db = testDb();
  const workspaceId = (await currentWorkspace(db, user.id))!;
  const rows = Object.entries(answers).map(([cardId, value]) => ({
    workspaceId,
    cardId,
    value: JSON.stringify(value),
    skipped: false,
    updatedBy: user.id,
    updatedAt: new Date(),
  }));
  if (rows.length > 0) await db.insert(onboardingAnswers).values(rows);
  await loadProfile(db, workspaceId);
  return { user, workspaceId };
}

/** A PLAN_JOBS stand-in that keeps the messages; `fail` makes send throw (the queue is down). */
export function recordingQueue(options: { fail?: boolean } = {}) {
  const sent: unknown[] = [];
  const queue = {
    async send(body: unknown) {
      if (options.fail) throw new Error("queue unavailable");
      sent.push(body);
    },
    async sendBatch(messages: Iterable<{ body: unknown }>) {
      for (const message of messages) await queue.send(message.body);
    },
  };
  return { sent, queue: queue as unknown as Queue };
}

/** The test Worker env with its plan queue replaced, and other overrides. */
export function planEnv(queue: Queue, overrides: Record<string, unknown> = {}): Env {
  return { ...env, PLAN_JOBS: queue, ...overrides } as Env;
}

// ── The fake OpenAI server (tests/fake-openai/server.ts), reached at OPENAI_BASE_URL ─────────────────

const fakeBase = () => String((env as unknown as { OPENAI_BASE_URL: string }).OPENAI_BASE_URL).replace(/\/v1$/, "");

/** What the fake answers the job's next calls with, in order (then "ok"). */
export async function scriptFake(jobId: string, scenarios: FakeScenario[]): Promise<void> {
  const response = await fetch(`${fakeBase()}/_control/jobs/${jobId}`, {
    method: "POST",
    body: JSON.stringify({ scenarios }),
  });
  if (!response.ok) throw new Error(`fake OpenAI control answered ${response.status}`);
}

/** The model calls the fake received for a job, with their request bodies. */
export async function fakeCalls(jobId: string): Promise<{
  calls: number;
  requests: {
    messages: { role: string; content: string }[];
    response_format: { json_schema: { name: string; schema: { properties: Record<string, unknown> } } };
  }[];
}> {
  return (await fetch(`${fakeBase()}/_control/jobs/${jobId}`)).json();
}
