// Working on a plan over the API, as its page does: ask for one section to be rewritten (a job, like
// the page's Regenerate), edit a section by hand (a new version, refused when the plan moved on), tick
// roadmap tasks, and take the plan as Markdown. Each calls the plan page's own server functions, in the
// current workspace: another workspace's plan is a 404.
import { z } from "zod";
import { requireWorkspace } from "../onboarding/onboarding.server.ts";
import { MAX_INSTRUCTION_LENGTH, requestSectionRewrite } from "../plans/jobs.server.ts";
import { planFile } from "../plans/plan-files.server.ts";
import { planSectionKeys } from "../plans/plan-schema.ts";
import { loadPlan, roadmapProgress, saveSectionEdit, setTaskTicks } from "../plans/plans.server.ts";
import { parseSectionContent } from "../plans/section-form.server.ts";
import { apiJson, apiProblem, endpoint, fieldErrors } from "./http.server.ts";
import {
  getPlan,
  jobSchema,
  jobView,
  planResponse,
  refusal,
  stripSections,
  uuid,
} from "./resource-endpoints.server.ts";

const sectionParams = z.object({ id: uuid, section: z.enum(planSectionKeys) });

export const rewriteRequest = z
  .object({
    instruction: z
      .string()
      .trim()
      .min(1)
      .max(MAX_INSTRUCTION_LENGTH)
      .describe("How the section should change, e.g. “focus on Instagram”"),
  })
  .meta({ id: "SectionRewrite" });

export const rewritePlanSection = endpoint({
  method: "POST",
  path: "/api/v1/plans/{id}/sections/{section}/rewrite",
  operationId: "rewriteSection",
  summary: "Ask for one section of a plan to be rewritten with an instruction (as the page's Regenerate)",
  description:
    "Answers 202 with the job; poll GET /api/v1/plans/jobs/{id}. Once it succeeds, the plan has a new version. Asking again while a rewrite of the same section runs answers with that job. Needs a verified e-mail address; counts against the workspace's daily model calls (429).",
  tag: "plans",
  auth: true,
  params: sectionParams,
  body: rewriteRequest,
  responses: {
    202: {
      description: "The job (new, or the one already running)",
      schema: z.object({ job: jobSchema, created: z.boolean() }).meta({ id: "SectionRewriteRequested" }),
      headers: { Location: "The job's address" },
    },
  },
  errors: [403, 404],
  async handle({ db, env, context, auth, params, body, requestId }) {
    const workspaceId = await requireWorkspace(context, db, auth.user.id);
    if (!auth.user.emailVerifiedAt) {
      throw apiProblem(requestId, 403, "Verify your e-mail address first: rewrites cost model calls.");
    }
    const result = await requestSectionRewrite(context, db, env, {
      workspaceId,
      userId: auth.user.id,
      planId: params.id,
      section: params.section,
      instruction: body.instruction,
    });
    if (!result.ok) throw refusal(requestId, result);
    return apiJson(
      { job: jobSchema.parse(stripSections(jobView(result.job))), created: result.created },
      { status: 202, headers: { Location: `/api/v1/plans/jobs/${result.job.id}` } },
    );
  },
});

export const sectionEditRequest = z
  .object({
    baseVersion: z
      .int()
      .min(1)
      .describe("The plan version the edit starts from: if the plan moved on since, nothing is saved (409)"),
    content: z
      .record(z.string(), z.unknown())
      .describe(
        "The section's fields as in the plan document's `content.<section>`, without `basedOn` (kept as it was). Checked like the page's form: errors point at `/content/...`.",
      ),
  })
  .meta({ id: "SectionEdit" });

export const editPlanSection = endpoint({
  method: "PUT",
  path: "/api/v1/plans/{id}/sections/{section}",
  operationId: "editSection",
  summary: "Edit one section of a plan by hand: saved as a new version (as the page's Edit form)",
  tag: "plans",
  auth: true,
  params: sectionParams,
  body: sectionEditRequest,
  responses: { 200: { description: "The plan at its new version", schema: planResponse } },
  errors: [404, 409],
  async handle(input) {
    const { db, context, auth, params, body, requestId } = input;
    const workspaceId = await requireWorkspace(context, db, auth.user.id);
    const loaded = await loadPlan(db, { workspaceId, planId: params.id, version: body.baseVersion });
    if (!loaded) throw apiProblem(requestId, 404, "There is no such plan (or version).");
    const parsed = parseSectionContent(params.section, body.content, loaded.document.content[params.section].basedOn);
    if (!parsed.ok) {
      throw apiProblem(requestId, 422, "Some fields of the section are missing or not valid.", {
        errors: fieldErrors(parsed.error).map((error) => ({ ...error, pointer: `/content${error.pointer}` })),
      });
    }
    const saved = await saveSectionEdit(db, {
      workspaceId,
      userId: auth.user.id,
      planId: loaded.plan.id,
      baseVersion: body.baseVersion,
      section: params.section,
      content: parsed.content,
    });
    if (!saved.ok && saved.reason === "not_found") throw apiProblem(requestId, 404, "There is no such plan.");
    if (!saved.ok) {
      throw apiProblem(
        requestId,
        409,
        `The plan changed since version ${body.baseVersion} (it is now at version ${saved.currentVersion}): read it again, then send your edit with that baseVersion.`,
      );
    }
    return getPlan.handle({ ...input, params: { id: loaded.plan.id }, query: {}, body: undefined });
  },
});

export const roadmapSchema = z
  .object({ done: z.int(), total: z.int(), ticked: z.array(z.string()).describe("Ids of the tasks done") })
  .meta({ id: "RoadmapProgress" });

export const tickPlanTask = endpoint({
  method: "PUT",
  path: "/api/v1/plans/{id}/tasks/{taskId}",
  operationId: "tickTask",
  summary: "Tick (or untick) a roadmap task of a plan's current version, as the page's checklist",
  description: "Task ids are `w<week>-t<n>` (the plan's `roadmap.ticked` lists the ticked ones).",
  tag: "plans",
  auth: true,
  params: z.object({ id: uuid, taskId: z.string().regex(/^w\d{1,2}-t\d{1,3}$/) }),
  body: z.object({ done: z.boolean() }).meta({ id: "TaskTick" }),
  responses: { 200: { description: "The roadmap's progress after the change", schema: roadmapSchema } },
  errors: [404],
  async handle({ db, context, auth, params, body, requestId }) {
    const workspaceId = await requireWorkspace(context, db, auth.user.id);
    const saved = await setTaskTicks(db, {
      workspaceId,
      userId: auth.user.id,
      planId: params.id,
      taskId: params.taskId,
      done: body.done,
    });
    if (!saved) throw apiProblem(requestId, 404, "There is no such plan, or no such task in it.");
    const loaded = await loadPlan(db, { workspaceId, planId: params.id });
    if (!loaded) throw apiProblem(requestId, 404, "There is no such plan.");
    return apiJson({ ...roadmapProgress(loaded.document.content, loaded.ticked), ticked: [...loaded.ticked] });
  },
});

export const planMarkdown = endpoint({
  method: "GET",
  path: "/api/v1/plans/{id}/markdown",
  operationId: "getPlanMarkdown",
  summary: "A plan as Markdown (the page's download), at its current version or at ?version=n",
  tag: "plans",
  auth: true,
  params: z.object({ id: uuid }),
  query: z.object({ version: z.coerce.number().int().min(1).max(100_000).optional() }),
  responses: {
    200: {
      description: "The plan as a Markdown document, with the roadmap's ticks",
      schema: z.string(),
      contentType: "text/markdown",
      headers: { "Content-Disposition": "The file name the web download uses" },
    },
  },
  errors: [404],
  async handle({ db, context, auth, params, query, requestId }) {
    const workspaceId = await requireWorkspace(context, db, auth.user.id);
    const loaded = await loadPlan(db, { workspaceId, planId: params.id, version: query.version });
    if (!loaded) throw apiProblem(requestId, 404, "There is no such plan (or version).");
    const file = planFile(loaded, "markdown");
    return new Response(file.body, {
      headers: {
        "Content-Type": file.contentType,
        "Content-Disposition": `attachment; filename="${file.filename}"`,
        "Cache-Control": "no-store",
      },
    });
  },
});
