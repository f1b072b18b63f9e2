// Fixtures for the plan tests: a workspace whose required onboarding cards are answered, and a queue
// binding that records what was sent instead of delivering it (tests drive the consumer themselves).
import { env } from "cloudflare:workers";
import { onboardingAnswers, planJobs, plans, planVersions } from "../../db/schema.ts";
import type { FakeScenario } from "../../tests/fake-openai/scenarios.ts";
import { requiredCardValues } from "../../tests/fixtures/plan-profile.ts";
import { createTestUser, ensureInstance, type TestUser, testDb } from "../../tests/worker-helpers.ts";
import { currentWorkspace, loadProfile } from "../onboarding/onboarding.server.ts";
import { buildDemoPlan } from "./demo-plan.ts";
import type { PlanContent, PlanDocument } from "./plan-schema.ts";

export { requiredCardValues };

/** The start date of the plans the tests insert. */
export const START = "2026-11-30";

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

// ── Plans inserted straight into the database (pages and chat tests do not depend on the consumer) ──

/** A realistic plan for the workspace's profile (the offline demo model's, which passes the server checks). */
export async function sampleContent(workspaceId: string): Promise<PlanContent> {
  return buildDemoPlan(await loadProfile(testDb(), workspaceId), START);
}

export async function insertPlan(
  owner: { userId: string; workspaceId: string },
  options: {
    content?: PlanContent;
    model?: string;
    needsReview?: PlanDocument["needsReview"];
    /** When it was generated (lists are newest first); default now. */
    createdAt?: Date;
  } = {},
): Promise<{ planId: string; jobId: string; document: PlanDocument }> {
  const planId = crypto.randomUUID();
  const jobId = crypto.randomUUID();
  const now = options.createdAt ?? new Date();
  const document: PlanDocument = {
    schemaVersion: 1,
    startDate: START,
    currency: "EUR",
    model: options.model ?? "fake-gpt",
    needsReview: options.needsReview ?? [],
    content: options.content ?? (await sampleContent(owner.workspaceId)),
  };
  const db = testDb();
  await db.batch([
    db.insert(planJobs).values({
      id: jobId,
      workspaceId: owner.workspaceId,
      requestedBy: owner.userId,
      kind: "plan",
      profileRevision: 1,
      status: "succeeded",
      deadlineAt: new Date(now.getTime() + 900_000),
      model: document.model,
      resultPlanId: planId,
      createdAt: now,
      finishedAt: now,
    }),
    db.insert(plans).values({
      id: planId,
      workspaceId: owner.workspaceId,
      jobId,
      createdBy: owner.userId,
      profileRevision: 1,
      model: document.model,
      currentVersion: 1,
      createdAt: now,
      updatedAt: now,
    }),
    db.insert(planVersions).values({
      planId,
      version: 1,
      document: JSON.stringify(document),
      change: "generated",
      createdBy: owner.userId,
      createdAt: now,
    }),
  ]);
  return { planId, jobId, document };
}
