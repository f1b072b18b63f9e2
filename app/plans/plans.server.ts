// Reading plans for the pages, saving roadmap ticks and hand-edited sections. Every function takes the
// signed-in user's workspace id (requireWorkspace) and finds rows only within it: a plan id from another
// workspace is simply not found, and the routes answer 404.
import { and, desc, eq, inArray, lt, or } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { plans, planTaskTicks, planVersions } from "../../db/schema.ts";
import {
  type PlanContent,
  type PlanDocument,
  type PlanSectionKey,
  planDocumentSchema,
  planSections,
  roadmapTaskId,
} from "./plan-schema.ts";

export type PlanRow = typeof plans.$inferSelect;

/** A stored document, checked against the schema: a row that does not parse is a bug, not user input. */
export function parsePlanDocument(text: string): PlanDocument {
  return planDocumentSchema.parse(JSON.parse(text));
}

/**
 * The workspace's plans, newest first. `before` (the last plan of a previous page) continues the list
 * after it: a cursor on (createdAt, id), so plans created meanwhile neither repeat nor go missing.
 */
export async function listPlans(
  db: Database,
  workspaceId: string,
  limit = 50,
  before?: { createdAt: Date; id: string },
): Promise<PlanRow[]> {
  return db
    .select()
    .from(plans)
    .where(
      and(
        eq(plans.workspaceId, workspaceId),
        before
          ? or(
              lt(plans.createdAt, before.createdAt),
              and(eq(plans.createdAt, before.createdAt), lt(plans.id, before.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(plans.createdAt), desc(plans.id))
    .limit(limit);
}

export interface LoadedPlan {
  plan: PlanRow;
  /** The version shown: the current one unless another was asked for. */
  version: { number: number; change: string; createdAt: Date };
  document: PlanDocument;
  /** Every version, newest first, without their documents. */
  versions: { number: number; change: string; createdAt: Date }[];
  ticked: Set<string>;
}

/**
 * A plan of this workspace at `version` (default: its current one), with its version list and ticks.
 * Null when the plan is not in the workspace or has no such version.
 */
export async function loadPlan(
  db: Database,
  input: { workspaceId: string; planId: string; version?: number },
): Promise<LoadedPlan | null> {
  const [plan] = await db
    .select()
    .from(plans)
    .where(and(eq(plans.id, input.planId), eq(plans.workspaceId, input.workspaceId)));
  if (!plan) return null;
  const wanted = input.version ?? plan.currentVersion;
  const [versionRows, [shown], tickRows] = await Promise.all([
    db
      .select({ number: planVersions.version, change: planVersions.change, createdAt: planVersions.createdAt })
      .from(planVersions)
      .where(eq(planVersions.planId, plan.id))
      .orderBy(desc(planVersions.version)),
    db
      .select()
      .from(planVersions)
      .where(and(eq(planVersions.planId, plan.id), eq(planVersions.version, wanted))),
    db.select({ taskId: planTaskTicks.taskId }).from(planTaskTicks).where(eq(planTaskTicks.planId, plan.id)),
  ]);
  if (!shown) return null;
  return {
    plan,
    version: { number: shown.version, change: shown.change, createdAt: shown.createdAt },
    document: parsePlanDocument(shown.document),
    versions: versionRows,
    ticked: new Set(tickRows.map((row) => row.taskId)),
  };
}

/** The workspace's newest plan at its current version, with ticks (for the dashboard), or null. */
export async function loadNewestPlan(db: Database, workspaceId: string): Promise<LoadedPlan | null> {
  const [newest] = await listPlans(db, workspaceId, 1);
  return newest ? loadPlan(db, { workspaceId, planId: newest.id }) : null;
}

// ── Roadmap ─────────────────────────────────────────────────────────────────────────────────────

export interface RoadmapTask {
  id: string;
  week: number;
  title: string;
  channel: string;
  effortHours: number;
}

export function roadmapTasks(content: PlanContent): RoadmapTask[] {
  return content.roadmap.weeks.flatMap((week) =>
    week.tasks.map((task, index) => ({ id: roadmapTaskId(week.week, index), week: week.week, ...task })),
  );
}

export function roadmapProgress(content: PlanContent, ticked: Set<string>): { done: number; total: number } {
  const tasks = roadmapTasks(content);
  return { done: tasks.filter((task) => ticked.has(task.id)).length, total: tasks.length };
}

/** The plan week `today` falls in (1 on the start date), clamped to the roadmap's weeks. */
export function currentPlanWeek(startDate: string, today: Date, weeks: number): number {
  const start = Date.parse(`${startDate}T00:00:00Z`);
  const day = Math.floor((today.getTime() - start) / 86_400_000);
  return Math.min(Math.max(Math.floor(day / 7) + 1, 1), Math.max(weeks, 1));
}

/**
 * Saves roadmap ticks of the plan's current version: one task ticked or unticked (a checkbox with
 * JavaScript), or the whole checklist as submitted (without: exactly `doneTaskIds` are done). False
 * when the plan is not in the workspace or a task id is not one of its tasks (nothing is written).
 */
export async function setTaskTicks(
  db: Database,
  input: { workspaceId: string; userId: string; planId: string } & (
    | { taskId: string; done: boolean }
    | { doneTaskIds: string[] }
  ),
): Promise<boolean> {
  const loaded = await loadPlan(db, { workspaceId: input.workspaceId, planId: input.planId });
  if (!loaded) return false;
  const known = roadmapTasks(loaded.document.content).map((task) => task.id);
  const ticks =
    "taskId" in input
      ? new Map([[input.taskId, input.done]])
      : new Map(known.map((id) => [id, input.doneTaskIds.includes(id)]));
  if ([...ticks.keys(), ...("doneTaskIds" in input ? input.doneTaskIds : [])].some((id) => !known.includes(id)))
    return false;
  const done = [...ticks].filter(([, isDone]) => isDone).map(([id]) => id);
  const undone = [...ticks].filter(([, isDone]) => !isDone).map(([id]) => id);
  const now = new Date();
  const statements = [
    ...(undone.length > 0
      ? [
          db
            .delete(planTaskTicks)
            .where(and(eq(planTaskTicks.planId, input.planId), inArray(planTaskTicks.taskId, undone))),
        ]
      : []),
    ...(done.length > 0
      ? [
          db
            .insert(planTaskTicks)
            .values(done.map((taskId) => ({ planId: input.planId, taskId, doneBy: input.userId, doneAt: now })))
            .onConflictDoNothing(),
        ]
      : []),
  ];
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
  return true;
}

// ── Hand edits ──────────────────────────────────────────────────────────────────────────────────

export type SaveEditResult =
  | { ok: true; version: number }
  | { ok: false; reason: "not_found" }
  /** Someone (or a regenerated section) saved a newer version since the form was opened. */
  | { ok: false; reason: "conflict"; currentVersion: number };

/**
 * Saves `content` as section `section` of the plan in a new version, if the plan is still at
 * `baseVersion` (the version the form was opened on). The version row and the plan's pointer move
 * together in one batch, and the pointer only moves from `baseVersion`: two saves from the same base
 * cannot both win (the second collides on the version's primary key and the batch rolls back).
 */
export async function saveSectionEdit<K extends PlanSectionKey>(
  db: Database,
  input: {
    workspaceId: string;
    userId: string;
    planId: string;
    baseVersion: number;
    section: K;
    content: PlanContent[K];
  },
): Promise<SaveEditResult> {
  const loaded = await loadPlan(db, { workspaceId: input.workspaceId, planId: input.planId });
  if (!loaded) return { ok: false, reason: "not_found" };
  if (loaded.plan.currentVersion !== input.baseVersion)
    return { ok: false, reason: "conflict", currentVersion: loaded.plan.currentVersion };
  const document: PlanDocument = {
    ...loaded.document,
    content: { ...loaded.document.content, [input.section]: input.content },
    // A person wrote it: the server checks' complaint about the model's text no longer applies.
    needsReview: loaded.document.needsReview.filter((entry) => entry.section !== input.section),
  };
  const version = input.baseVersion + 1;
  const now = new Date();
  try {
    await db.batch([
      db.insert(planVersions).values({
        planId: input.planId,
        version,
        document: JSON.stringify(planDocumentSchema.parse(document)),
        change: `Edited “${planSections[input.section].title}” by hand`,
        createdBy: input.userId,
        createdAt: now,
      }),
      db
        .update(plans)
        .set({ currentVersion: version, updatedAt: now })
        .where(and(eq(plans.id, input.planId), eq(plans.currentVersion, input.baseVersion))),
    ]);
  } catch (error) {
    if (!/SQLITE_CONSTRAINT/.test(String((error as { code?: unknown }).code ?? error))) throw error;
    const [row] = await db
      .select({ currentVersion: plans.currentVersion })
      .from(plans)
      .where(eq(plans.id, input.planId));
    return { ok: false, reason: "conflict", currentVersion: row?.currentVersion ?? version };
  }
  return { ok: true, version };
}
