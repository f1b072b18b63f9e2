// The API's resources: the client profile, onboarding cards, marketing plans and their jobs,
// workspaces and chat. Each endpoint calls the same server modules as its page, with the same
// authorization: the user's current workspace (requireWorkspace), membership checks (requireMember,
// requireRoom) and workspace-scoped queries, so another user's id is a 404 exactly as on the pages.
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { apiIdempotencyKeys } from "../../db/schema.ts";
import { hashSecret } from "../accounts/secrets.server.ts";
import { DEMO_MODEL } from "../ai/provider.server.ts";
import type { ChatMessage } from "../chat/protocol.ts";
import { postMessage } from "../chat/room-actions.server.ts";
import { ensureRooms, listRooms, requireRoom } from "../chat/rooms.server.ts";
import { cards, findCard, isRecord, publicCard } from "../onboarding/cards.ts";
import {
  currentWorkspace,
  loadProfile,
  loadUserWorkspaceAndAnswers,
  requireWorkspace,
  saveAnswer,
} from "../onboarding/onboarding.server.ts";
import { profileSchema } from "../onboarding/profile.ts";
import { finishedSections, planJobView } from "../plans/job-view.server.ts";
import { cancelJob, getJob, listJobs, type PlanJob, type RequestResult, requestPlan } from "../plans/jobs.server.ts";
import { planDocumentSchema, planSectionKeys } from "../plans/plan-schema.ts";
import { listPlans, loadPlan, roadmapProgress } from "../plans/plans.server.ts";
import { listMembers, listMemberships, requireMember, selectWorkspace } from "../workspaces/workspaces.server.ts";
import { type ApiAuth, type ApiRequest, apiJson, apiProblem, endpoint, fieldErrors } from "./http.server.ts";

export const timestamp = z.iso.datetime().describe("ISO 8601, UTC");
export const iso = (ms: number | Date | null) => (ms === null ? null : new Date(ms).toISOString());
export const uuid = z.string().regex(/^[0-9a-f-]{36}$/);

// ── Profile and onboarding ──────────────────────────────────────────────────────────────────────

export const profile = endpoint({
  method: "GET",
  path: "/api/v1/profile",
  operationId: "getProfile",
  summary: "The current workspace's client profile (what onboarding learned), as at /onboarding/summary",
  tag: "onboarding",
  auth: true,
  responses: { 200: { description: "The profile document", schema: profileSchema } },
  errors: [404],
  async handle({ db, context, auth }) {
    const workspaceId = await requireWorkspace(context, db, auth.user.id);
    return apiJson(await loadProfile(db, workspaceId));
  },
});

const cardField = z.looseObject({ kind: z.string(), name: z.string(), label: z.string() });
export const cardSchema = z
  .object({
    id: z.string(),
    section: z.string(),
    title: z.string(),
    help: z.string(),
    required: z.boolean(),
    fields: z.array(cardField).describe("The fields of the card's answer, as the page shows them"),
    answered: z.boolean().describe("Answered or skipped"),
    skipped: z.boolean(),
    answer: z.record(z.string(), z.unknown()).nullable().describe("The stored answer; null when none or skipped"),
    uploadOnly: z.boolean().describe("Image cards: answered by uploading on the web page, not through this API"),
  })
  .meta({ id: "OnboardingCard" });
export const cardsResponse = z.object({ cards: z.array(cardSchema) }).meta({ id: "OnboardingCards" });

export const cardAnswerRequest = z
  .union([
    z.object({ answer: z.record(z.string(), z.unknown()).describe("The card's fields by name, as on its page") }),
    z.object({ skip: z.literal(true).describe("Skip an optional card") }),
  ])
  .meta({ id: "OnboardingAnswer" });

const UPLOAD_CARDS = new Set(["logo", "brand-images"]);
const cardParams = z.object({ id: z.string().max(64) });

function cardView(card: (typeof cards)[number], stored: { value: unknown; skipped: boolean } | undefined) {
  return cardSchema.parse({
    ...publicCard(card),
    answered: stored !== undefined,
    skipped: stored?.skipped ?? false,
    answer: stored && !stored.skipped && isRecord(stored.value) ? stored.value : null,
    uploadOnly: UPLOAD_CARDS.has(card.id),
  });
}

export const listCards = endpoint({
  method: "GET",
  path: "/api/v1/onboarding/cards",
  operationId: "listCards",
  summary: "Every onboarding card of the current workspace, in order, with its answer",
  tag: "onboarding",
  auth: true,
  responses: { 200: { description: "The cards", schema: cardsResponse } },
  errors: [404],
  async handle({ db, context, auth }) {
    const { answers } = await loadUserWorkspaceAndAnswers(context, db, auth.user.id);
    return apiJson({ cards: cards.map((card) => cardView(card, answers.get(card.id))) });
  },
});

export const getCard = endpoint({
  method: "GET",
  path: "/api/v1/onboarding/cards/{id}",
  operationId: "getCard",
  summary: "One onboarding card with its answer",
  tag: "onboarding",
  auth: true,
  params: cardParams,
  responses: { 200: { description: "The card", schema: cardSchema } },
  errors: [404],
  async handle({ db, context, auth, params, requestId }) {
    const found = findCard(params.id);
    if (!found) throw apiProblem(requestId, 404, "There is no such onboarding card.");
    const { answers } = await loadUserWorkspaceAndAnswers(context, db, auth.user.id);
    return apiJson(cardView(found.card, answers.get(found.card.id)));
  },
});

export const putCard = endpoint({
  method: "PUT",
  path: "/api/v1/onboarding/cards/{id}",
  operationId: "answerCard",
  summary: "Answer (or skip) an onboarding card, with the same rules as its page",
  description:
    "The answer is checked with the card's own schema (the one its page uses); errors point at the field. Required cards cannot be skipped. Image cards are answered by uploading on the web page.",
  tag: "onboarding",
  auth: true,
  params: cardParams,
  body: cardAnswerRequest,
  responses: { 200: { description: "Saved; the card as stored", schema: cardSchema } },
  errors: [404, 415, 413, 400, 422],
  async handle({ db, context, auth, params, requestId, body }) {
    const found = findCard(params.id);
    if (!found) throw apiProblem(requestId, 404, "There is no such onboarding card.");
    const { card } = found;
    const { workspaceId, answers } = await loadUserWorkspaceAndAnswers(context, db, auth.user.id);
    const base = { workspaceId, userId: auth.user.id, cardId: card.id, answers };
    if ("skip" in body) {
      if (card.required) {
        throw apiProblem(requestId, 422, "This card is required, so it can't be skipped.", {
          errors: [{ pointer: "/skip", message: "This card is required, so it can't be skipped." }],
        });
      }
      await saveAnswer(db, { ...base, value: null, skipped: true });
      return apiJson(cardView(card, { value: null, skipped: true }));
    }
    if (UPLOAD_CARDS.has(card.id)) {
      throw apiProblem(requestId, 422, "Images are uploaded on the card's web page, not through the API.");
    }
    const parsed = card.schema.safeParse(body.answer);
    if (!parsed.success) {
      throw apiProblem(requestId, 422, "Some fields of the answer are missing or not valid.", {
        errors: fieldErrors(parsed.error).map((error) => ({ ...error, pointer: `/answer${error.pointer}` })),
      });
    }
    await saveAnswer(db, { ...base, value: parsed.data, skipped: false });
    return apiJson(cardView(card, { value: parsed.data, skipped: false }));
  },
});

// ── Plans and plan jobs ─────────────────────────────────────────────────────────────────────────

export const jobSchema = z
  .object({
    id: z.string(),
    kind: z.enum(["plan", "section"]),
    status: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]),
    label: z.string(),
    section: z.string().nullable().describe("For a section rewrite: the section's key"),
    sectionTitle: z.string().nullable(),
    instruction: z.string().nullable().describe("For a section rewrite: what the user asked for"),
    planId: z.string().nullable().describe("For a section rewrite: the plan it rewrites"),
    resultPlanId: z.string().nullable().describe("Once succeeded: the plan written (GET /api/v1/plans/{id})"),
    lastError: z.string().nullable(),
    model: z.string().nullable(),
    attempts: z.int(),
    cancelRequested: z.boolean(),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    progress: z
      .object({ sectionsDone: z.array(z.string()), sectionsTotal: z.int() })
      .describe("Sections written so far"),
  })
  .meta({ id: "PlanJob" });

export const jobDetailSchema = jobSchema
  .extend({ sections: z.record(z.string(), z.unknown()).describe("The sections written so far, by key") })
  .meta({ id: "PlanJobDetail" });

export function jobView(job: PlanJob) {
  const view = planJobView(job);
  const finished = finishedSections(job);
  return {
    ...view,
    createdAt: iso(view.createdAt)!,
    startedAt: iso(view.startedAt),
    finishedAt: iso(view.finishedAt),
    progress: {
      sectionsDone: Object.keys(finished),
      sectionsTotal: job.kind === "plan" ? planSectionKeys.length : 1,
    },
    sections: finished,
  };
}

const planSummary = z
  .object({
    id: z.string(),
    version: z.int(),
    model: z.string(),
    isDemo: z.boolean().describe("Written by the offline demo model, not an AI"),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "PlanSummary" });

export const plansResponse = z
  .object({
    plans: z.array(planSummary),
    nextCursor: z.string().nullable().describe("Pass as ?cursor= for the next (older) page; null on the last page"),
    jobs: z.array(jobSchema).describe("The 20 newest plan requests (on the first page only)"),
  })
  .meta({ id: "Plans" });

/** An opaque page cursor: the last plan's creation time and id, base64url. */
const encodeCursor = (plan: { createdAt: Date; id: string }) =>
  btoa(`${plan.createdAt.getTime()}:${plan.id}`).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
const planCursor = z
  .string()
  .max(200)
  .transform((text, context) => {
    let decoded = "";
    try {
      decoded = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    } catch {
      // falls through to the issue below
    }
    const match = /^(\d{1,15}):([0-9a-f-]{36})$/.exec(decoded);
    if (!match) {
      context.addIssue({ code: "custom", message: "Not a cursor this API gave." });
      return z.NEVER;
    }
    return { createdAt: new Date(Number(match[1])), id: match[2]! };
  });

export const planResponse = planSummary
  .extend({
    document: planDocumentSchema,
    versions: z.array(z.object({ number: z.int(), change: z.string(), createdAt: timestamp })),
    roadmap: z.object({ done: z.int(), total: z.int(), ticked: z.array(z.string()) }),
  })
  .meta({ id: "Plan" });

export const listPlansEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/plans",
  operationId: "listPlans",
  summary: "The current workspace's plans and plan requests, newest first",
  tag: "plans",
  auth: true,
  query: z.object({
    limit: z.coerce.number().int().min(1).max(50).optional().describe("Plans per page (default 20)"),
    cursor: planCursor.optional(),
  }),
  responses: { 200: { description: "Plans and jobs", schema: plansResponse } },
  errors: [404],
  async handle({ db, context, auth, query }) {
    const workspaceId = await requireWorkspace(context, db, auth.user.id);
    const limit = query.limit ?? 20;
    const [page, jobs] = await Promise.all([
      listPlans(db, workspaceId, limit + 1, query.cursor),
      query.cursor ? Promise.resolve([]) : listJobs(db, { workspaceId, limit: 20 }),
    ]);
    const plans = page.slice(0, limit);
    const last = plans.at(-1);
    return apiJson({
      nextCursor: page.length > limit && last ? encodeCursor(last) : null,
      plans: plans.map((plan) => ({
        id: plan.id,
        version: plan.currentVersion,
        model: plan.model,
        isDemo: plan.model === DEMO_MODEL,
        createdAt: iso(plan.createdAt),
        updatedAt: iso(plan.updatedAt),
      })),
      jobs: jobs.map((job) => jobSchema.parse(stripSections(jobView(job)))),
    });
  },
});

const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,200}$/);

export const generatePlan = endpoint({
  method: "POST",
  path: "/api/v1/plans",
  operationId: "generatePlan",
  summary: "Ask for a marketing plan from the current workspace's profile (as the Generate button)",
  description:
    "Answers 202 with the job at once; poll GET /api/v1/plans/jobs/{id} (its Location). Asking again while a job for the same profile runs answers with that job. An Idempotency-Key header makes a retry answer exactly as the first request did (kept 24 hours). Needs a verified e-mail address and every required onboarding card answered (422 names the missing cards); 10 model calls a day per workspace (429).",
  tag: "plans",
  auth: true,
  responses: {
    202: {
      description: "The job (new, or the one already running)",
      schema: z.object({ job: jobSchema, created: z.boolean() }).meta({ id: "PlanRequested" }),
      headers: { Location: "The job's address" },
    },
  },
  errors: [403, 404, 422],
  async handle({ db, env, context, auth, request, requestId }) {
    const key = request.headers.get("Idempotency-Key");
    if (key !== null && !idempotencyKey.safeParse(key).success) {
      throw apiProblem(requestId, 400, "Idempotency-Key must be 1 to 200 visible ASCII characters.");
    }
    const workspaceId = await requireWorkspace(context, db, auth.user.id);
    // The same key means the same request only for the same workspace: switching workspaces and
    // reusing a key is a client bug, refused rather than answered with another workspace's job.
    const requestHash = hashSecret(`POST /api/v1/plans ${workspaceId}`);
    if (key !== null) {
      const [stored] = await db
        .select()
        .from(apiIdempotencyKeys)
        .where(and(eq(apiIdempotencyKeys.userId, auth.user.id), eq(apiIdempotencyKeys.key, key)));
      if (stored) {
        if (stored.requestHash !== requestHash) {
          throw apiProblem(requestId, 422, "This Idempotency-Key was used for another request.");
        }
        const replay = JSON.parse(stored.body) as { job: { id: string } };
        return apiJson(replay, {
          status: stored.status,
          headers: { Location: `/api/v1/plans/jobs/${replay.job.id}`, "Idempotency-Replayed": "true" },
        });
      }
    }
    if (!auth.user.emailVerifiedAt) {
      throw apiProblem(requestId, 403, "Verify your e-mail address first: plans cost model calls.");
    }
    const result = await requestPlan(db, env, { workspaceId, userId: auth.user.id });
    if (!result.ok) throw refusal(requestId, result);
    const body = { job: jobSchema.parse(stripSections(jobView(result.job))), created: result.created };
    if (key !== null) {
      await db
        .insert(apiIdempotencyKeys)
        .values({
          userId: auth.user.id,
          key,
          requestHash,
          status: 202,
          body: JSON.stringify(body),
          createdAt: new Date(),
        })
        .onConflictDoNothing();
    }
    return apiJson(body, { status: 202, headers: { Location: `/api/v1/plans/jobs/${result.job.id}` } });
  },
});

export function stripSections<T extends { sections: unknown }>(view: T): Omit<T, "sections"> {
  const { sections: _sections, ...rest } = view;
  return rest;
}

export function refusal(requestId: string, result: Extract<RequestResult, { ok: false }>): Response {
  switch (result.reason) {
    case "profile_incomplete":
      return apiProblem(requestId, 422, "Answer the required onboarding cards first.", {
        errors: result.missingCards.map((id) => ({
          pointer: `/onboarding/cards/${id}`,
          message: `${findCard(id)?.card.title ?? id} is not answered yet.`,
        })),
      });
    case "rate_limited":
      return apiProblem(requestId, 429, "This workspace has used its plan requests for today.", {
        headers: { "Retry-After": String(Math.max(1, Math.ceil(result.retryAfterSeconds))) },
      });
    case "no_provider":
      return apiProblem(requestId, 503, "No AI provider is configured on this Alva instance.");
  }
}

const jobParams = z.object({ id: uuid });

/** The job `id` of the user's current workspace (as the job page finds it), or a 404 problem. */
async function jobOr404(
  input: Pick<ApiRequest<unknown, unknown, unknown>, "db" | "context" | "requestId">,
  auth: ApiAuth,
  id: string,
) {
  const workspaceId = await requireWorkspace(input.context, input.db, auth.user.id);
  const job = await getJob(input.db, { workspaceId, jobId: id });
  if (!job) throw apiProblem(input.requestId, 404, "There is no such plan request.");
  return { job, workspaceId };
}

export const getPlanJob = endpoint({
  method: "GET",
  path: "/api/v1/plans/jobs/{id}",
  operationId: "getPlanJob",
  summary: "A plan request: its status, progress and the sections written so far",
  description: "Poll it every few seconds; once `status` is `succeeded`, `resultPlanId` names the plan.",
  tag: "plans",
  auth: true,
  params: jobParams,
  responses: { 200: { description: "The job", schema: jobDetailSchema } },
  errors: [404],
  async handle({ db, context, auth, params, requestId }) {
    const { job } = await jobOr404({ db, context, requestId }, auth, params.id);
    return apiJson(jobDetailSchema.parse(jobView(job)));
  },
});

export const cancelPlanJob = endpoint({
  method: "POST",
  path: "/api/v1/plans/jobs/{id}/cancel",
  operationId: "cancelPlanJob",
  summary: "Cancel a plan request while it is queued or being written",
  tag: "plans",
  auth: true,
  params: jobParams,
  responses: { 200: { description: "The job after the cancel request", schema: jobDetailSchema } },
  errors: [404, 409],
  async handle({ db, context, auth, params, requestId }) {
    const { workspaceId } = await jobOr404({ db, context, requestId }, auth, params.id);
    if (!(await cancelJob(db, { workspaceId, jobId: params.id }))) {
      throw apiProblem(requestId, 409, "The plan request has already finished.");
    }
    const job = await getJob(db, { workspaceId, jobId: params.id });
    return apiJson(jobDetailSchema.parse(jobView(job!)));
  },
});

export const getPlan = endpoint({
  method: "GET",
  path: "/api/v1/plans/{id}",
  operationId: "getPlan",
  summary: "A plan: its document (every section), versions and roadmap progress",
  tag: "plans",
  auth: true,
  params: z.object({ id: uuid }),
  query: z.object({ version: z.coerce.number().int().min(1).max(100_000).optional() }),
  responses: { 200: { description: "The plan at its current version, or at ?version=n", schema: planResponse } },
  errors: [404],
  async handle({ db, context, auth, params, query, requestId }) {
    const workspaceId = await requireWorkspace(context, db, auth.user.id);
    const loaded = await loadPlan(db, { workspaceId, planId: params.id, version: query.version });
    if (!loaded) throw apiProblem(requestId, 404, "There is no such plan (or version).");
    const { plan, document, versions, ticked } = loaded;
    return apiJson({
      id: plan.id,
      version: loaded.version.number,
      model: plan.model,
      isDemo: plan.model === DEMO_MODEL,
      createdAt: iso(plan.createdAt),
      updatedAt: iso(plan.updatedAt),
      document,
      versions: versions.map((version) => ({ ...version, createdAt: iso(version.createdAt) })),
      roadmap: { ...roadmapProgress(document.content, ticked), ticked: [...ticked] },
    });
  },
});

// ── Workspaces and chat ─────────────────────────────────────────────────────────────────────────

export const role = z.enum(["owner", "member"]);
export const workspacesResponse = z
  .object({
    workspaces: z.array(
      z.object({ id: z.string(), name: z.string(), role, current: z.boolean().describe("The one the API acts on") }),
    ),
  })
  .meta({ id: "Workspaces" });

export const listWorkspaces = endpoint({
  method: "GET",
  path: "/api/v1/workspaces",
  operationId: "listWorkspaces",
  summary: "The workspaces the user belongs to; `current` is the one profile, cards and plans act on",
  tag: "workspaces",
  auth: true,
  responses: { 200: { description: "Workspaces", schema: workspacesResponse } },
  async handle({ db, auth }) {
    const [memberships, current] = await Promise.all([
      listMemberships(db, auth.user.id),
      currentWorkspace(db, auth.user.id),
    ]);
    return apiJson({
      workspaces: memberships.map((membership) => ({
        id: membership.workspaceId,
        name: membership.name,
        role: membership.role,
        current: membership.workspaceId === current,
      })),
    });
  },
});

export const workspaceParams = z.object({ id: uuid });

export const selectCurrentWorkspace = endpoint({
  method: "POST",
  path: "/api/v1/workspaces/{id}/select",
  operationId: "selectWorkspace",
  summary: "Make a workspace the current one (what the switcher on the pages does)",
  description:
    "Profile, onboarding cards and plans then act on it, on the web too. A workspace you are not in is a 404.",
  tag: "workspaces",
  auth: true,
  params: workspaceParams,
  responses: { 200: { description: "The user's workspaces, this one current", schema: workspacesResponse } },
  errors: [404],
  async handle(input) {
    await selectWorkspace(input.context, input.db, input.auth.user.id, input.params.id);
    return listWorkspaces.handle({ ...input, params: {}, query: {}, body: undefined });
  },
});
export const membersResponse = z
  .object({
    members: z.array(
      z.object({
        userId: z.string(),
        username: z.string(),
        displayName: z.string().nullable(),
        email: z.string(),
        role,
      }),
    ),
  })
  .meta({ id: "Members" });

export const listWorkspaceMembers = endpoint({
  method: "GET",
  path: "/api/v1/workspaces/{id}/members",
  operationId: "listMembers",
  summary: "A workspace's members (members only; anyone else gets 404)",
  tag: "workspaces",
  auth: true,
  params: workspaceParams,
  responses: { 200: { description: "Members, owners first", schema: membersResponse } },
  errors: [404],
  async handle({ context, db, auth, params }) {
    await requireMember(context, db, params.id, auth.user.id);
    return apiJson({ members: await listMembers(db, params.id) });
  },
});

export const roomSchema = z
  .object({
    id: z.string(),
    workspaceId: z.string(),
    kind: z.enum(["general", "topic", "alva"]),
    name: z.string(),
    topic: z.string().nullable(),
    archived: z.boolean(),
  })
  .meta({ id: "Room" });
export const roomsResponse = z.object({ rooms: z.array(roomSchema) }).meta({ id: "Rooms" });

export const listWorkspaceRooms = endpoint({
  method: "GET",
  path: "/api/v1/workspaces/{id}/rooms",
  operationId: "listRooms",
  summary: "The chat rooms of a workspace the user sees (shared rooms and their own Ask Alva room)",
  tag: "chat",
  auth: true,
  params: workspaceParams,
  responses: { 200: { description: "Rooms", schema: roomsResponse } },
  errors: [404],
  async handle({ context, db, auth, params }) {
    await requireMember(context, db, params.id, auth.user.id);
    await ensureRooms(db, params.id, auth.user.id);
    return apiJson({ rooms: await listRooms(db, params.id, auth.user.id) });
  },
});

export const messageSchema = z
  .object({
    id: z.int(),
    clientId: z.string(),
    userId: z.string(),
    username: z.string(),
    author: z.string(),
    text: z.string().nullable().describe("Null once deleted"),
    createdAt: timestamp,
    editedAt: timestamp.nullable(),
    deleted: z.boolean(),
    answer: z
      .object({
        state: z.enum(["streaming", "complete", "stopped", "failed"]),
        model: z.string().describe('The model that wrote it ("alva-demo" is the offline demo model, not an AI)'),
        note: z.string().nullable().describe("Why it stopped early, or null"),
      })
      .nullable()
      .describe("Set on Alva's answers only; while streaming, the text grows (poll, or use the room's socket)"),
  })
  .meta({ id: "Message" });
export const messagesResponse = z
  .object({
    messages: z.array(messageSchema).describe("Oldest first"),
    nextCursor: z.string().nullable().describe("Pass as ?before= for the page of older messages; null at the start"),
  })
  .meta({ id: "Messages" });
export const postMessageRequest = z
  .object({
    clientId: z.uuid().describe("Chosen by the client: posting the same clientId again answers with the same message"),
    text: z.string().min(1).max(20_000),
  })
  .meta({ id: "NewMessage" });

export const roomParams = z.object({ id: uuid });

export function messageView(message: ChatMessage) {
  return { ...message, createdAt: iso(message.createdAt)!, editedAt: iso(message.editedAt) };
}

export const listRoomMessages = endpoint({
  method: "GET",
  path: "/api/v1/rooms/{id}/messages",
  operationId: "listMessages",
  summary: "A page of a room's messages, newest page first (cursor: ?before=)",
  tag: "chat",
  auth: true,
  params: roomParams,
  query: z.object({ before: z.coerce.number().int().min(1).optional() }),
  responses: { 200: { description: "Messages", schema: messagesResponse } },
  errors: [404],
  async handle({ context, db, env, auth, params, query }) {
    const { room } = await requireRoom(context, db, params.id, auth.user.id);
    const page = await env.CHAT_ROOM.getByName(room.id).latest(query.before);
    const oldest = page.messages[0]?.id;
    return apiJson({
      messages: page.messages.map(messageView),
      nextCursor: page.hasMore && oldest !== undefined ? String(oldest) : null,
    });
  },
});

export const postRoomMessage = endpoint({
  method: "POST",
  path: "/api/v1/rooms/{id}/messages",
  operationId: "postMessage",
  summary: "Post a message to a room (as the room's page and socket do)",
  tag: "chat",
  auth: true,
  params: roomParams,
  body: postMessageRequest,
  responses: {
    201: { description: "Posted", schema: messageSchema },
    200: { description: "Already posted with this clientId: the same message", schema: messageSchema },
  },
  errors: [404, 409, 415, 413, 400, 422],
  async handle({ context, db, env, auth, params, body, requestId, request }) {
    const access = await requireRoom(context, db, params.id, auth.user.id);
    if (access.room.archived) throw apiProblem(requestId, 409, "This room is archived.");
    const outcome = await postMessage(env, access, auth.user, body.clientId, body.text, request);
    if (!outcome.ok) {
      const status = outcome.code === "rate_limited" ? 429 : outcome.code === "muted" ? 403 : 422;
      throw apiProblem(requestId, status, outcome.message);
    }
    return apiJson(messageView(outcome.message), { status: outcome.duplicate ? 200 : 201 });
  },
});
