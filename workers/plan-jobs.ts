// Queue consumer for AI marketing-plan jobs (queue alva-plan-jobs) and its dead-letter consumer.
//
// A message is `{ jobId }`. The consumer claims the job with one conditional UPDATE (queued, or running
// with an expired lease), so a duplicated or redelivered message never calls the model for a job that
// is finished or held by another consumer. It saves the result (the plan and its version, or the new
// version of a rewritten section) before it acknowledges the message. Messages of a batch run
// concurrently and are acknowledged or retried one by one.
//
// Failures: transient ones (429, 5xx, timeouts, a dropped connection) put the job back to "queued" and
// retry the message with exponential backoff and full jitter, at least Retry-After; after max_retries
// the message lands on the dead-letter queue, whose consumer marks the job failed. Permanent ones (a bad
// key, a rejected request, a refusal, an answer that stays broken or is too large) fail the job at once.
import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import { aiProvider, callTimeoutMs, openAiClient } from "../app/ai/provider.server.ts";
import { loadProfile } from "../app/onboarding/onboarding.server.ts";
import {
  GenerationCancelled,
  type GenerationResult,
  generatePlan,
  generateSection,
  PlanGenerationError,
} from "../app/plans/generate.server.ts";
import { profileBudget } from "../app/plans/plan-checks.ts";
import { todayUtc } from "../app/plans/plan-dates.ts";
import { planJobMessage } from "../app/plans/plan-job-message.ts";
import {
  PLAN_SCHEMA_VERSION,
  type PlanDocument,
  type PlanSectionKey,
  planDocumentSchema,
} from "../app/plans/plan-schema.ts";
import { reportError } from "../app/platform/error-reporting.ts";
import { logEvent as log } from "../app/platform/request-log.ts";
import { createDatabase, type Database } from "../db/client.ts";
import { planJobs, plans, planVersions } from "../db/schema.ts";

type Job = typeof planJobs.$inferSelect;

/** First retry waits up to this long; each further one doubles it, up to BACKOFF_CAP_SECONDS. */
export const BACKOFF_BASE_SECONDS = 2;
export const BACKOFF_CAP_SECONDS = 300;

/** Full jitter (a random wait up to the exponential bound), but never less than the provider's Retry-After. */
export function retryDelaySeconds(attempts: number, retryAfterSeconds: number | null, random = Math.random): number {
  const bound = Math.min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** Math.max(0, attempts - 1));
  const jittered = Math.ceil(random() * bound);
  return Math.min(12 * 3600, Math.max(jittered, retryAfterSeconds ?? 0));
}

export async function consumePlanJobs(batch: MessageBatch, env: Env): Promise<void> {
  const db = createDatabase(env);
  await Promise.all(batch.messages.map((message) => processMessage(db, env, message)));
}

async function processMessage(db: Database, env: Env, message: Message): Promise<void> {
  const parsed = planJobMessage.safeParse(message.body);
  if (!parsed.success) {
    // Retrying cannot fix a malformed message: log it and drop it.
    log("error", "plan job message malformed", { messageId: message.id });
    message.ack();
    return;
  }
  const { jobId } = parsed.data;
  try {
    const outcome = await runJob(db, env, jobId);
    if (outcome.retry) message.retry({ delaySeconds: retryDelaySeconds(message.attempts, outcome.retryAfterSeconds) });
    else message.ack();
  } catch (error) {
    // The database or something else of ours failed: the job is untouched or back in the queue; retry.
    // drizzle's message is the query; the cause says what went wrong.
    const cause = (error as Error).cause as Error | undefined;
    log("error", "plan job crashed", { jobId, error: cause?.message ?? (error as Error).message });
    reportError(error, { jobId });
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts, null) });
  }
}

type Outcome = { retry: false } | { retry: true; retryAfterSeconds: number | null };
const done: Outcome = { retry: false };

/** Claims and runs one job; says whether its message should come back. */
export async function runJob(db: Database, env: Env, jobId: string): Promise<Outcome> {
  const provider = aiProvider(env);
  const timeoutMs = callTimeoutMs(env);
  const now = Date.now();
  const job = await claim(db, jobId, now, leaseMs(timeoutMs), provider.kind === "none" ? null : provider.model);
  if (!job) {
    await settleUnclaimed(db, jobId, now);
    return done;
  }
  const fence = and(eq(planJobs.id, job.id), eq(planJobs.attempts, job.attempts), eq(planJobs.status, "running"));
  if (provider.kind === "none") {
    await finish(db, fence, {
      status: "failed",
      lastError: "No AI provider is configured. An administrator needs to set one.",
    });
    return done;
  }

  const started = Date.now();
  const partial: Record<string, unknown> = {};
  let partialSavedAt = 0;
  try {
    const profile = await loadProfile(db, job.workspaceId);
    const budget = profileBudget(profile);
    const base = {
      client: openAiClient(provider),
      model: provider.model,
      jobId: job.id,
      profile,
      // Never past the job's deadline.
      callTimeoutMs: () => Math.max(1000, Math.min(timeoutMs, job.deadlineAt.getTime() - Date.now())),
    };
    if (job.kind === "plan") {
      const context = { startDate: todayUtc(), currency: budget.currency, monthlyBudget: budget.amount };
      const result = await generatePlan({
        ...base,
        context,
        onSection: async (section, value) => {
          partial[section] = value;
          // A real model finishes a section every few seconds; sections that arrive in a burst are
          // saved (and the cancel flag read) together, so a fast stream costs a few writes, not eleven.
          if (Date.now() - partialSavedAt < PARTIAL_SAVE_INTERVAL_MS) return "continue";
          partialSavedAt = Date.now();
          const [row] = await db
            .update(planJobs)
            .set({ partial: JSON.stringify(partial) })
            .where(fence)
            .returning({ cancelRequested: planJobs.cancelRequested });
          return !row || row.cancelRequested ? "cancel" : "continue";
        },
      });
      await savePlan(db, job, fence, result, { ...context, model: provider.model });
    } else {
      const current = await latestVersion(db, job.planId!);
      const section = job.section as PlanSectionKey;
      const context = {
        startDate: current.document.startDate,
        currency: current.document.currency,
        monthlyBudget: budget.amount,
      };
      const result = await generateSection({
        ...base,
        context,
        plan: current.document.content,
        section,
        instruction: job.instruction ?? "",
      });
      await saveSection(db, job, fence, result, section, provider.model);
    }
    log("info", "plan job succeeded", { jobId, kind: job.kind, ms: Date.now() - started, attempts: job.attempts });
    return done;
  } catch (error) {
    if (error instanceof GenerationCancelled) {
      await finish(db, fence, { status: "cancelled" });
      return done;
    }
    if (!(error instanceof PlanGenerationError)) throw error;
    log("warn", "plan job attempt failed", {
      jobId,
      transient: error.transient,
      reason: error.message,
      attempts: job.attempts,
    });
    if (!error.transient) {
      await finish(db, fence, { status: "failed", lastError: error.message });
      return done;
    }
    if (Date.now() >= job.deadlineAt.getTime()) {
      await finish(db, fence, { status: "failed", lastError: `Gave up at the job's deadline: ${error.message}` });
      return done;
    }
    // Back in the queue for the next delivery to claim; lastError tells the page why it waits.
    await db.update(planJobs).set({ status: "queued", leaseExpiresAt: null, lastError: error.message }).where(fence);
    return { retry: true, retryAfterSeconds: error.retryAfterSeconds };
  }
}

/** Sections finished within this long of the last save wait for the next one. */
const PARTIAL_SAVE_INTERVAL_MS = 1000;

/** A running job is its claimer's until the lease ends: two full calls (plan and correction) and a margin. */
const leaseMs = (callTimeout: number) => 2 * callTimeout + 60_000;

async function claim(
  db: Database,
  jobId: string,
  now: number,
  lease: number,
  model: string | null,
): Promise<Job | undefined> {
  const [job] = await db
    .update(planJobs)
    .set({
      status: "running",
      model,
      attempts: sql`${planJobs.attempts} + 1`,
      leaseExpiresAt: new Date(now + lease),
      startedAt: sql`coalesce(${planJobs.startedAt}, ${now})`,
    })
    .where(
      and(
        eq(planJobs.id, jobId),
        eq(planJobs.cancelRequested, false),
        gt(planJobs.deadlineAt, new Date(now)),
        or(
          eq(planJobs.status, "queued"),
          and(
            eq(planJobs.status, "running"),
            or(isNull(planJobs.leaseExpiresAt), lt(planJobs.leaseExpiresAt, new Date(now))),
          ),
        ),
      ),
    )
    .returning();
  return job;
}

/**
 * A job the message could not claim: finished, held by another consumer (its own message comes back if
 * that one dies), cancelled while queued, or past its deadline.
 */
async function settleUnclaimed(db: Database, jobId: string, now: number): Promise<void> {
  const free = and(
    eq(planJobs.id, jobId),
    or(
      eq(planJobs.status, "queued"),
      and(
        eq(planJobs.status, "running"),
        or(isNull(planJobs.leaseExpiresAt), lt(planJobs.leaseExpiresAt, new Date(now))),
      ),
    ),
  );
  await db
    .update(planJobs)
    .set({ status: "cancelled", finishedAt: new Date(now), leaseExpiresAt: null })
    .where(and(free, eq(planJobs.cancelRequested, true)));
  await db
    .update(planJobs)
    .set({
      status: "failed",
      finishedAt: new Date(now),
      leaseExpiresAt: null,
      lastError: sql`'It took longer than the time allowed for a plan, so it was stopped.' || coalesce(' Last problem: ' || ${planJobs.lastError}, '')`,
    })
    .where(and(free, lt(planJobs.deadlineAt, new Date(now + 1))));
}

async function finish(
  db: Database,
  fence: ReturnType<typeof and>,
  values: { status: "failed" | "cancelled"; lastError?: string },
): Promise<void> {
  await db
    .update(planJobs)
    .set({ ...values, finishedAt: new Date(), leaseExpiresAt: null })
    .where(fence);
}

function succeeded(result: GenerationResult, planId: string, model: string) {
  return {
    status: "succeeded" as const,
    resultPlanId: planId,
    model,
    tokensIn: result.tokensIn,
    tokensOut: result.tokensOut,
    lastError: null,
    partial: null,
    leaseExpiresAt: null,
    finishedAt: new Date(),
  };
}

/**
 * The job, the plan and its version 1 in one batch. The job row changes only while it is still running
 * and not cancelled; the plan is inserted only if that change happened (plans.job_id is unique too), so
 * a job that ran twice still has one plan.
 */
async function savePlan(
  db: Database,
  job: Job,
  fence: ReturnType<typeof and>,
  result: GenerationResult,
  meta: { startDate: string; currency: string; model: string },
): Promise<void> {
  const planId = crypto.randomUUID();
  const now = Date.now();
  const document: PlanDocument = planDocumentSchema.parse({
    schemaVersion: PLAN_SCHEMA_VERSION,
    startDate: meta.startDate,
    currency: meta.currency,
    model: meta.model,
    needsReview: result.needsReview,
    content: result.content,
  });
  const ours = sql`EXISTS (SELECT 1 FROM plan_jobs WHERE id = ${job.id} AND result_plan_id = ${planId})`;
  const [jobRows] = await db.batch([
    db
      .update(planJobs)
      .set(succeeded(result, planId, meta.model))
      .where(and(fence, eq(planJobs.cancelRequested, false)))
      .returning({ id: planJobs.id }),
    db.run(sql`INSERT INTO plans (id, workspace_id, job_id, created_by, profile_revision, model, current_version, created_at, updated_at)
      SELECT ${planId}, ${job.workspaceId}, ${job.id}, ${job.requestedBy}, ${job.profileRevision}, ${meta.model}, 1, ${now}, ${now}
      WHERE ${ours}`),
    db.run(sql`INSERT INTO plan_versions (plan_id, version, document, change, created_by, created_at)
      SELECT ${planId}, 1, ${JSON.stringify(document)}, 'generated', ${job.requestedBy}, ${now}
      WHERE ${ours}`),
  ]);
  if (jobRows.length === 0) await settleLostJob(db, job.id);
}

async function latestVersion(db: Database, planId: string) {
  const [row] = await db
    .select({ version: plans.currentVersion, document: planVersions.document })
    .from(plans)
    .innerJoin(planVersions, and(eq(planVersions.planId, plans.id), eq(planVersions.version, plans.currentVersion)))
    .where(eq(plans.id, planId));
  if (!row) throw new PlanGenerationError("The plan this section belongs to no longer exists.", false);
  return { version: row.version, document: planDocumentSchema.parse(JSON.parse(row.document)) };
}

/**
 * A new version with the rewritten section, on top of the plan's latest version at save time (a hand
 * edit saved meanwhile is kept). The version's primary key makes a racing save fail; then it is redone.
 */
async function saveSection(
  db: Database,
  job: Job,
  fence: ReturnType<typeof and>,
  result: GenerationResult,
  section: PlanSectionKey,
  model: string,
): Promise<void> {
  for (let tries = 0; ; tries++) {
    const current = await latestVersion(db, job.planId!);
    const content = { ...current.document.content, [section]: result.content[section] };
    const document: PlanDocument = planDocumentSchema.parse({
      ...current.document,
      model,
      // Problems of the rewritten section come from this job; the others' stay as they were.
      needsReview: [
        ...current.document.needsReview.filter((entry) => entry.section !== section),
        ...result.needsReview.filter((entry) => entry.section === section),
      ],
      content,
    });
    const next = current.version + 1;
    const now = Date.now();
    const ours = sql`EXISTS (SELECT 1 FROM plan_jobs WHERE id = ${job.id} AND status = 'succeeded' AND attempts = ${job.attempts})`;
    try {
      const [jobRows] = await db.batch([
        db
          .update(planJobs)
          .set(succeeded(result, job.planId!, model))
          .where(and(fence, eq(planJobs.cancelRequested, false)))
          .returning({ id: planJobs.id }),
        db.run(sql`INSERT INTO plan_versions (plan_id, version, document, change, created_by, created_at)
          SELECT ${job.planId}, ${next}, ${JSON.stringify(document)}, ${changeLabel(section, job.instruction)}, ${job.requestedBy}, ${now}
          WHERE ${ours}`),
        db
          .update(plans)
          .set({ currentVersion: next, updatedAt: new Date(now) })
          .where(and(eq(plans.id, job.planId!), eq(plans.currentVersion, current.version), ours)),
      ]);
      if (jobRows.length === 0) await settleLostJob(db, job.id);
      return;
    } catch (error) {
      if (tries >= 2) throw error;
      // Another version was saved at the same moment: build on it.
    }
  }
}

function changeLabel(section: PlanSectionKey, instruction: string | null): string {
  const text = `regenerated ${section}: ${instruction ?? ""}`;
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** Our save did not happen because the job was cancelled meanwhile: mark it so (otherwise it finished). */
async function settleLostJob(db: Database, jobId: string): Promise<void> {
  await db
    .update(planJobs)
    .set({ status: "cancelled", finishedAt: new Date(), leaseExpiresAt: null })
    .where(and(eq(planJobs.id, jobId), eq(planJobs.status, "running"), eq(planJobs.cancelRequested, true)));
}

/** Messages that failed every retry: the job is given up with its last reason (a user may retry it). */
export async function consumeDeadPlanJobs(batch: MessageBatch, env: Env): Promise<void> {
  const db = createDatabase(env);
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = planJobMessage.safeParse(message.body);
      if (!parsed.success) {
        message.ack();
        return;
      }
      try {
        const now = new Date();
        await db
          .update(planJobs)
          .set({
            status: "failed",
            finishedAt: now,
            leaseExpiresAt: null,
            lastError: sql`'Gave up after ' || ${planJobs.attempts} || ' attempts: ' || coalesce(${planJobs.lastError}, 'no answer from the AI provider.')`,
          })
          .where(
            and(
              eq(planJobs.id, parsed.data.jobId),
              // A job another consumer holds right now is left to it.
              or(
                eq(planJobs.status, "queued"),
                and(
                  eq(planJobs.status, "running"),
                  or(isNull(planJobs.leaseExpiresAt), lt(planJobs.leaseExpiresAt, now)),
                ),
              ),
            ),
          );
        log("error", "plan job gave up", { jobId: parsed.data.jobId, messageId: message.id });
        message.ack();
      } catch (error) {
        log("error", "plan job dead letter not settled", { jobId: parsed.data.jobId, error: (error as Error).message });
        message.retry();
      }
    }),
  );
}
