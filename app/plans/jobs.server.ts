// The plan job service: what pages call to ask for a plan (or one section rewritten), follow it, cancel
// it and retry it. A request creates a `plan_jobs` row and sends `{ jobId }` on the PLAN_JOBS queue; the
// consumer (workers/plan-jobs.ts) does the model call. Every query is scoped by workspace, so a job id
// from another workspace is simply not found.
//
// A second click while a job for the same profile revision (or the same plan section) is queued or
// running answers with that job: the partial unique indexes on plan_jobs make the insert a no-op, and
// the live job is read back. The read before the insert only spares the rate-limit token.
import { and, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { RouterContextProvider } from "react-router";
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import { clientProfiles, planJobs, plans } from "../../db/schema.ts";
import { type LimitOptions, rateLimit } from "../../workers/rate-limiter.ts";
import { defaultSettings, loadInstanceSettings, planGenerationLimit } from "../admin/instance-settings.server.ts";
import { aiProvider } from "../ai/provider.server.ts";
import { cards, sectionKeys } from "../onboarding/cards.ts";
import { loadProfile } from "../onboarding/onboarding.server.ts";
import type { ClientProfile } from "../onboarding/profile.ts";
import { httpError } from "../platform/http-error.ts";
import type { PlanJobMessage } from "./plan-job-message.ts";
import { type PlanSectionKey, planSectionKeys } from "./plan-schema.ts";

export type PlanJob = typeof planJobs.$inferSelect;
export type RequestResult =
  | { ok: true; job: PlanJob; created: boolean } // created=false: the live job for this revision/section
  | { ok: false; reason: "profile_incomplete"; missingCards: string[] }
  | { ok: false; reason: "rate_limited"; retryAfterSeconds: number }
  | { ok: false; reason: "no_provider" };

/**
 * Model calls a workspace may start: 10 a day (whole plans, section rewrites and retries alike), unless
 * an admin set another number at /admin/settings (instance-settings.server.ts).
 */
export const PLAN_GENERATION_LIMIT: LimitOptions = planGenerationLimit(defaultSettings);
/** A job not finished this long after it was asked for is given up, whatever its attempts. */
export const JOB_DEADLINE_MS = 15 * 60_000;
export const MAX_INSTRUCTION_LENGTH = 1000;

const LIVE_STATUSES = ["queued", "running"] as const;

/** Ids of the required onboarding cards the profile has no answer for. */
export function missingRequiredCards(profile: ClientProfile): string[] {
  return cards
    .filter((card) => card.required)
    .filter((card) => (profile[sectionKeys[card.section]] as Record<string, unknown>)[card.profileKey] == null)
    .map((card) => card.id);
}

/** The workspace's current profile revision, as SQL (0 before the first answer). */
function revisionOf(workspaceId: string): SQL<number> {
  return sql<number>`coalesce((SELECT ${clientProfiles.revision} FROM ${clientProfiles} WHERE ${clientProfiles.workspaceId} = ${workspaceId}), 0)`;
}

export async function requestPlan(
  db: Database,
  env: Env,
  input: { workspaceId: string; userId: string },
): Promise<RequestResult> {
  if (aiProvider(env).kind === "none") return { ok: false, reason: "no_provider" };
  // loadProfile repairs a stale stored profile (bumping its revision), so the revision is read after it.
  const profile = await loadProfile(db, input.workspaceId);
  const missingCards = missingRequiredCards(profile);
  if (missingCards.length > 0) return { ok: false, reason: "profile_incomplete", missingCards };
  // The revision is read inside the insert and the live-job lookup: one round trip fewer per click.
  const profileRevision = revisionOf(input.workspaceId);
  return enqueue(
    db,
    env,
    {
      workspaceId: input.workspaceId,
      requestedBy: input.userId,
      kind: "plan",
      planId: null,
      section: null,
      instruction: null,
      profileRevision,
    },
    and(
      eq(planJobs.workspaceId, input.workspaceId),
      eq(planJobs.kind, "plan"),
      eq(planJobs.profileRevision, profileRevision),
      inArray(planJobs.status, LIVE_STATUSES),
    )!,
  );
}

const sectionRewriteInput = z.object({
  section: z.enum(planSectionKeys),
  instruction: z
    .string()
    .trim()
    .min(1, "Say how the section should change.")
    .max(MAX_INSTRUCTION_LENGTH, `Keep the instruction under ${MAX_INSTRUCTION_LENGTH} characters.`),
});

export async function requestSectionRewrite(
  context: Readonly<RouterContextProvider>,
  db: Database,
  env: Env,
  input: { workspaceId: string; userId: string; planId: string; section: PlanSectionKey; instruction: string },
): Promise<RequestResult> {
  const parsed = sectionRewriteInput.safeParse(input);
  if (!parsed.success) {
    httpError(context, 422, parsed.error.issues[0]?.message ?? "Invalid section rewrite.");
  }
  const [plan] = await db
    .select({ id: plans.id })
    .from(plans)
    .where(and(eq(plans.id, input.planId), eq(plans.workspaceId, input.workspaceId)));
  if (!plan) httpError(context, 404, "No such plan.");
  if (aiProvider(env).kind === "none") return { ok: false, reason: "no_provider" };
  return enqueue(
    db,
    env,
    {
      workspaceId: input.workspaceId,
      requestedBy: input.userId,
      kind: "section",
      planId: plan.id,
      section: parsed.data.section,
      instruction: parsed.data.instruction,
      profileRevision: revisionOf(input.workspaceId),
    },
    and(
      eq(planJobs.planId, plan.id),
      eq(planJobs.section, parsed.data.section),
      eq(planJobs.kind, "section"),
      inArray(planJobs.status, LIVE_STATUSES),
    )!,
  );
}

/** A failed or cancelled job → a new job with the same inputs (a whole plan reads the current profile). */
export async function retryJob(
  context: Readonly<RouterContextProvider>,
  db: Database,
  env: Env,
  input: { workspaceId: string; userId: string; jobId: string },
): Promise<RequestResult> {
  const job = await getJob(db, input);
  if (!job) httpError(context, 404, "No such job.");
  if (job.status === "queued" || job.status === "running") return { ok: true, job, created: false };
  if (job.status === "succeeded") httpError(context, 409, "This job already finished.");
  if (job.kind === "plan") return requestPlan(db, env, input);
  return requestSectionRewrite(context, db, env, {
    workspaceId: input.workspaceId,
    userId: input.userId,
    planId: job.planId!,
    section: job.section as PlanSectionKey,
    instruction: job.instruction!,
  });
}

/**
 * Asks to stop a queued or running job. A queued job is cancelled at once; a running one is stopped by
 * its consumer at the next finished section. False when the job is not live (or not in the workspace).
 */
export async function cancelJob(db: Database, input: { workspaceId: string; jobId: string }): Promise<boolean> {
  const now = Date.now();
  const rows = await db
    .update(planJobs)
    .set({
      cancelRequested: true,
      // SQLite evaluates every SET expression on the row as it was, so both CASEs see the old status.
      status: sql`CASE WHEN ${planJobs.status} = 'queued' THEN 'cancelled' ELSE ${planJobs.status} END`,
      finishedAt: sql`CASE WHEN ${planJobs.status} = 'queued' THEN ${now} ELSE ${planJobs.finishedAt} END`,
    })
    .where(
      and(
        eq(planJobs.id, input.jobId),
        eq(planJobs.workspaceId, input.workspaceId),
        inArray(planJobs.status, LIVE_STATUSES),
      ),
    )
    .returning({ id: planJobs.id });
  return rows.length > 0;
}

export async function getJob(db: Database, input: { workspaceId: string; jobId: string }): Promise<PlanJob | null> {
  const [job] = await db
    .select()
    .from(planJobs)
    .where(and(eq(planJobs.id, input.jobId), eq(planJobs.workspaceId, input.workspaceId)));
  return job ?? null;
}

/** The workspace's jobs, newest first (at most 100). */
export async function listJobs(db: Database, input: { workspaceId: string; limit?: number }): Promise<PlanJob[]> {
  return db
    .select()
    .from(planJobs)
    .where(eq(planJobs.workspaceId, input.workspaceId))
    .orderBy(desc(planJobs.createdAt))
    .limit(Math.min(Math.max(1, input.limit ?? 20), 100));
}

type NewJob = Pick<
  typeof planJobs.$inferInsert,
  "workspaceId" | "requestedBy" | "kind" | "planId" | "section" | "instruction"
> & { profileRevision: SQL<number> };

/**
 * Inserts the job unless an equal one is live (the unique partial index decides), then queues it.
 * `live` selects the live job the insert would collide with.
 */
async function enqueue(db: Database, env: Env, values: NewJob, live: SQL): Promise<RequestResult> {
  const findLive = async () => (await db.select().from(planJobs).where(live).limit(1))[0];
  const existing = await findLive();
  if (existing) return { ok: true, job: existing, created: false };

  const options = planGenerationLimit(await loadInstanceSettings(db));
  const limit = await rateLimit(env, `planGeneration:${values.workspaceId}`, options);
  if (!limit.allowed) return { ok: false, reason: "rate_limited", retryAfterSeconds: limit.retryAfterSeconds };

  // The live job may finish between a lost insert and the read back: then the insert wins next time.
  for (let tries = 0; tries < 3; tries++) {
    const now = new Date();
    const [job] = await db
      .insert(planJobs)
      .values({
        ...values,
        id: crypto.randomUUID(),
        status: "queued",
        deadlineAt: new Date(now.getTime() + JOB_DEADLINE_MS),
        createdAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (job) {
      await send(db, env, job);
      return { ok: true, job, created: true };
    }
    const raced = await findLive();
    if (raced) return { ok: true, job: raced, created: false };
  }
  throw new Error("Could not create the plan job: its live twin kept changing");
}

async function send(db: Database, env: Env, job: PlanJob): Promise<void> {
  const message: PlanJobMessage = { jobId: job.id };
  try {
    await env.PLAN_JOBS.send(message);
  } catch (error) {
    // A queued row no message will ever reach would block the next click: mark it failed (retryable).
    await db
      .update(planJobs)
      .set({ status: "failed", lastError: "The job could not be queued. Try again.", finishedAt: new Date() })
      .where(eq(planJobs.id, job.id));
    throw error;
  }
}
