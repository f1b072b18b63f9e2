// A plan job as the pages show it: plain values (times as epoch ms), a label saying what was asked for,
// and nothing internal (lease, tokens, who asked).
import type { PlanJob } from "./jobs.server.ts";
import { type PlanContent, type PlanSectionKey, planSectionKeys, planSections } from "./plan-schema.ts";

export function sectionTitle(key: string | null): string | null {
  return key && key in planSections ? planSections[key as PlanSectionKey].title : null;
}

export function planJobView(job: PlanJob) {
  const title = sectionTitle(job.section);
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    label: job.kind === "plan" ? "Whole plan" : `Section “${title ?? job.section}”`,
    section: job.section,
    sectionTitle: title,
    instruction: job.instruction,
    planId: job.planId,
    resultPlanId: job.resultPlanId,
    lastError: job.lastError,
    model: job.model,
    attempts: job.attempts,
    cancelRequested: job.cancelRequested,
    createdAt: job.createdAt.getTime(),
    startedAt: job.startedAt?.getTime() ?? null,
    finishedAt: job.finishedAt?.getTime() ?? null,
  };
}

export type PlanJobView = ReturnType<typeof planJobView>;

/**
 * The sections a running job has finished (plan_jobs.partial), in plan order, each checked against its
 * schema: the consumer writes only complete sections, but what reaches a page is validated all the same.
 */
export function finishedSections(job: PlanJob): { [K in PlanSectionKey]?: PlanContent[K] } {
  if (!job.partial) return {};
  let partial: unknown;
  try {
    partial = JSON.parse(job.partial);
  } catch {
    return {};
  }
  if (!partial || typeof partial !== "object") return {};
  const finished: Record<string, unknown> = {};
  for (const key of planSectionKeys) {
    const parsed = planSections[key].schema.safeParse((partial as Record<string, unknown>)[key]);
    if (parsed.success) finished[key] = parsed.data;
  }
  return finished as { [K in PlanSectionKey]?: PlanContent[K] };
}
