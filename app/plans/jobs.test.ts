import { eq } from "drizzle-orm";
import { isRouteErrorResponse } from "react-router";
import { describe, expect, it } from "vitest";
import { planJobs, plans } from "../../db/schema.ts";
import { requiredCardValues } from "../../tests/fixtures/plan-profile.ts";
import { testContext, testDb } from "../../tests/worker-helpers.ts";
import { aiProvider, DEMO_MODEL } from "../ai/provider.server.ts";
import {
  cancelJob,
  getJob,
  listJobs,
  PLAN_GENERATION_LIMIT,
  type RequestResult,
  requestPlan,
  requestSectionRewrite,
  retryJob,
} from "./jobs.server.ts";
import { createPlanWorkspace, planEnv, recordingQueue } from "./test-support.ts";

function expectJob(result: RequestResult) {
  if (!result.ok) throw new Error(`expected a job, got ${JSON.stringify(result)}`);
  return result;
}

/** What a data() thrown by the service carries. */
async function thrownStatus(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    const value = error as { init?: { status?: number }; status?: number };
    if (isRouteErrorResponse(error)) return error.status;
    return value.init?.status ?? value.status ?? -1;
  }
  throw new Error("expected it to throw");
}

async function insertPlan(workspaceId: string, userId: string): Promise<string> {
  const id = crypto.randomUUID();
  const now = new Date();
  await testDb().insert(plans).values({
    id,
    workspaceId,
    jobId: crypto.randomUUID(),
    createdBy: userId,
    profileRevision: 1,
    model: "fake-model",
    currentVersion: 1,
    createdAt: now,
    updatedAt: now,
  });
  return id;
}

describe("aiProvider", () => {
  it("is configured by a key, or by a base URL alone (Ollama, vLLM)", () => {
    expect(aiProvider({ ENVIRONMENT: "production", OPENAI_API_KEY: "sk-x" })).toMatchObject({
      kind: "configured",
      model: "gpt-4.1-mini",
      baseURL: undefined,
    });
    expect(
      aiProvider({ ENVIRONMENT: "production", OPENAI_BASE_URL: "http://ollama:11434/v1", OPENAI_MODEL: "llama3.1" }),
    ).toMatchObject({ kind: "configured", model: "llama3.1" });
  });

  it("is none without a key or address, and refuses the demo model in production", () => {
    expect(aiProvider({ ENVIRONMENT: "production", OPENAI_API_KEY: "", OPENAI_BASE_URL: "" }).kind).toBe("none");
    const demo = { OPENAI_BASE_URL: "http://127.0.0.1:8881/v1", OPENAI_MODEL: DEMO_MODEL, OPENAI_API_KEY: "" };
    expect(aiProvider({ ENVIRONMENT: "development", ...demo })).toMatchObject({ kind: "demo", model: DEMO_MODEL });
    expect(aiProvider({ ENVIRONMENT: "production", ...demo }).kind).toBe("none");
    expect(aiProvider({ ENVIRONMENT: "production", ...demo, OPENAI_API_KEY: "sk-real" }).kind).toBe("none");
  });
});

describe("requestPlan", () => {
  it("creates a queued job for the profile's revision and sends only its id", async () => {
    const { user, workspaceId } = await createPlanWorkspace();
    const { sent, queue } = recordingQueue();
    const result = expectJob(await requestPlan(testDb(), planEnv(queue), { workspaceId, userId: user.id }));
    expect(result.created).toBe(true);
    expect(result.job).toMatchObject({ workspaceId, requestedBy: user.id, kind: "plan", status: "queued" });
    expect(result.job.profileRevision).toBeGreaterThan(0);
    expect(result.job.deadlineAt.getTime()).toBeGreaterThan(Date.now());
    expect(sent).toEqual([{ jobId: result.job.id }]);
  });

  it("answers a second click, and simultaneous clicks, with the live job (one row, one message)", async () => {
    const { user, workspaceId } = await createPlanWorkspace();
    const { sent, queue } = recordingQueue();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => requestPlan(testDb(), planEnv(queue), { workspaceId, userId: user.id })),
    );
    const ids = new Set(results.map((result) => expectJob(result).job.id));
    expect(ids.size).toBe(1);
    expect(results.filter((result) => expectJob(result).created)).toHaveLength(1);
    expect(sent).toHaveLength(1);
    const rows = await testDb().select().from(planJobs).where(eq(planJobs.workspaceId, workspaceId));
    expect(rows).toHaveLength(1);

    const again = expectJob(await requestPlan(testDb(), planEnv(queue), { workspaceId, userId: user.id }));
    expect(again).toMatchObject({ created: false, job: { id: [...ids][0] } });
  });

  it("refuses with the missing required cards and creates no job", async () => {
    const { budget: _budget, "primary-goal": _goal, ...partial } = requiredCardValues;
    const { user, workspaceId } = await createPlanWorkspace(partial);
    const { sent, queue } = recordingQueue();
    const result = await requestPlan(testDb(), planEnv(queue), { workspaceId, userId: user.id });
    expect(result).toEqual({ ok: false, reason: "profile_incomplete", missingCards: ["primary-goal", "budget"] });
    expect(sent).toHaveLength(0);
    expect(await listJobs(testDb(), { workspaceId })).toEqual([]);
  });

  it("refuses without a provider", async () => {
    const { user, workspaceId } = await createPlanWorkspace();
    const { sent, queue } = recordingQueue();
    const noProvider = planEnv(queue, { OPENAI_API_KEY: "", OPENAI_BASE_URL: "" });
    expect(await requestPlan(testDb(), noProvider, { workspaceId, userId: user.id })).toEqual({
      ok: false,
      reason: "no_provider",
    });
    expect(sent).toHaveLength(0);
  });

  it("limits a workspace to its daily plans, with the wait", async () => {
    const { user, workspaceId } = await createPlanWorkspace();
    const { queue } = recordingQueue();
    for (let i = 0; i < PLAN_GENERATION_LIMIT.capacity; i++) {
      const { job } = expectJob(await requestPlan(testDb(), planEnv(queue), { workspaceId, userId: user.id }));
      expect(await cancelJob(testDb(), { workspaceId, jobId: job.id })).toBe(true);
    }
    const limited = await requestPlan(testDb(), planEnv(queue), { workspaceId, userId: user.id });
    expect(limited).toMatchObject({ ok: false, reason: "rate_limited" });
    expect((limited as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(60);
  });

  it("marks the job failed (retryable) when the queue refuses the message", async () => {
    const { user, workspaceId } = await createPlanWorkspace();
    const { queue } = recordingQueue({ fail: true });
    await expect(requestPlan(testDb(), planEnv(queue), { workspaceId, userId: user.id })).rejects.toThrow();
    const [job] = await listJobs(testDb(), { workspaceId });
    expect(job).toMatchObject({ status: "failed", lastError: "The job could not be queued. Try again." });
    // The failed row no longer blocks a new request.
    const retried = expectJob(
      await retryJob(testContext(), testDb(), planEnv(recordingQueue().queue), {
        workspaceId,
        userId: user.id,
        jobId: job!.id,
      }),
    );
    expect(retried.created).toBe(true);
  });
});

describe("cancel, retry, get and list", () => {
  it("cancels a queued job at once and a running one by request", async () => {
    const { user, workspaceId } = await createPlanWorkspace();
    const { queue } = recordingQueue();
    const { job } = expectJob(await requestPlan(testDb(), planEnv(queue), { workspaceId, userId: user.id }));
    expect(await cancelJob(testDb(), { workspaceId, jobId: job.id })).toBe(true);
    expect(await getJob(testDb(), { workspaceId, jobId: job.id })).toMatchObject({
      status: "cancelled",
      cancelRequested: true,
    });
    expect((await getJob(testDb(), { workspaceId, jobId: job.id }))!.finishedAt).toBeInstanceOf(Date);
    expect(await cancelJob(testDb(), { workspaceId, jobId: job.id })).toBe(false);

    const { job: second } = expectJob(await requestPlan(testDb(), planEnv(queue), { workspaceId, userId: user.id }));
    await testDb().update(planJobs).set({ status: "running" }).where(eq(planJobs.id, second.id));
    expect(await cancelJob(testDb(), { workspaceId, jobId: second.id })).toBe(true);
    expect(await getJob(testDb(), { workspaceId, jobId: second.id })).toMatchObject({
      status: "running",
      cancelRequested: true,
      finishedAt: null,
    });
  });

  it("retries a failed or cancelled job as a new job with the same inputs", async () => {
    const { user, workspaceId } = await createPlanWorkspace();
    const planId = await insertPlan(workspaceId, user.id);
    const { sent, queue } = recordingQueue();
    const input = {
      workspaceId,
      userId: user.id,
      planId,
      section: "channelStrategy" as const,
      instruction: "focus on Instagram",
    };
    const { job } = expectJob(await requestSectionRewrite(testContext(), testDb(), planEnv(queue), input));
    await testDb().update(planJobs).set({ status: "failed", lastError: "x" }).where(eq(planJobs.id, job.id));
    const retried = expectJob(
      await retryJob(testContext(), testDb(), planEnv(queue), { workspaceId, userId: user.id, jobId: job.id }),
    );
    expect(retried.created).toBe(true);
    expect(retried.job).toMatchObject({
      kind: "section",
      planId,
      section: "channelStrategy",
      instruction: "focus on Instagram",
      status: "queued",
    });
    expect(retried.job.id).not.toBe(job.id);
    expect(sent).toEqual([{ jobId: job.id }, { jobId: retried.job.id }]);
    // Retrying a live job answers with it.
    expect(
      await retryJob(testContext(), testDb(), planEnv(queue), { workspaceId, userId: user.id, jobId: retried.job.id }),
    ).toMatchObject({ ok: true, created: false });
    await testDb().update(planJobs).set({ status: "succeeded" }).where(eq(planJobs.id, retried.job.id));
    expect(
      await thrownStatus(
        retryJob(testContext(), testDb(), planEnv(queue), { workspaceId, userId: user.id, jobId: retried.job.id }),
      ),
    ).toBe(409);
  });

  it("rewrites one section once at a time, and validates the instruction", async () => {
    const { user, workspaceId } = await createPlanWorkspace();
    const planId = await insertPlan(workspaceId, user.id);
    const { sent, queue } = recordingQueue();
    const input = { workspaceId, userId: user.id, planId, section: "budget" as const, instruction: "  cheaper  " };
    const first = expectJob(await requestSectionRewrite(testContext(), testDb(), planEnv(queue), input));
    expect(first.job.instruction).toBe("cheaper");
    expect(expectJob(await requestSectionRewrite(testContext(), testDb(), planEnv(queue), input))).toMatchObject({
      created: false,
      job: { id: first.job.id },
    });
    expect(sent).toHaveLength(1);
    expect(
      await thrownStatus(
        requestSectionRewrite(testContext(), testDb(), planEnv(queue), { ...input, instruction: " " }),
      ),
    ).toBe(422);
    expect(
      await thrownStatus(
        requestSectionRewrite(testContext(), testDb(), planEnv(queue), { ...input, section: "nope" as "budget" }),
      ),
    ).toBe(422);
  });

  it("never shows or changes another workspace's job or plan", async () => {
    const owner = await createPlanWorkspace();
    const stranger = await createPlanWorkspace();
    const { queue } = recordingQueue();
    const { job } = expectJob(
      await requestPlan(testDb(), planEnv(queue), { workspaceId: owner.workspaceId, userId: owner.user.id }),
    );
    const planId = await insertPlan(owner.workspaceId, owner.user.id);
    const as = { workspaceId: stranger.workspaceId, jobId: job.id };
    expect(await getJob(testDb(), as)).toBeNull();
    expect(await cancelJob(testDb(), as)).toBe(false);
    expect(
      await thrownStatus(retryJob(testContext(), testDb(), planEnv(queue), { ...as, userId: stranger.user.id })),
    ).toBe(404);
    expect(
      await thrownStatus(
        requestSectionRewrite(testContext(), testDb(), planEnv(queue), {
          workspaceId: stranger.workspaceId,
          userId: stranger.user.id,
          planId,
          section: "budget",
          instruction: "x",
        }),
      ),
    ).toBe(404);
    expect(await listJobs(testDb(), { workspaceId: stranger.workspaceId })).toEqual([]);
    expect(await getJob(testDb(), { workspaceId: owner.workspaceId, jobId: job.id })).toMatchObject({
      status: "queued",
    });
  });
});
