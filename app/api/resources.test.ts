// The API's resources through the real Worker, every answer checked against the OpenAPI document
// (tests/support/api.ts): the same rules and authorization as the pages, another user's ids are 404.
import { beforeAll, describe, expect, it } from "vitest";
import { api, apiSignIn, expectProblem } from "../../tests/support/api.ts";
import { createTestUser, ensureInstance, send, testDb } from "../../tests/worker-helpers.ts";
import { cardCount } from "../onboarding/cards.ts";
import type { PlanDocument } from "../plans/plan-schema.ts";
import { createPlanWorkspace, insertPlan, planEnv, recordingQueue } from "../plans/test-support.ts";
import { createWorkspace } from "../workspaces/workspaces.server.ts";

beforeAll(ensureInstance);

describe("the OpenAPI document", () => {
  it("is served as OpenAPI 3.1 with every endpoint and its schemas", async () => {
    const response = await api("/api/v1/openapi.json");
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/auth/token",
        "/api/v1/auth/me",
        "/api/v1/plans",
        "/api/v1/plans/jobs/{id}",
        "/api/v1/rooms/{id}/messages",
      ]),
    );
    expect(document.paths["/api/v1/auth/me"]!.get!.responses["401"]).toBeDefined();
    expect(document.components.schemas).toHaveProperty("Problem");
    expect(document.components.schemas).toHaveProperty("Plan");
  });
});

describe("the API reference page", () => {
  it("renders every operation from the document, server-side, under the app's CSP", async () => {
    const response = await send("/api/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Security-Policy")).toContain("script-src 'self' 'nonce-");
    const html = await response.text();
    for (const text of ["/api/v1/auth/token", "/api/v1/plans/jobs/{id}", "TokenResponse", "Bearer token"]) {
      expect(html).toContain(text);
    }
  });
});

describe("onboarding and profile", () => {
  it("lists cards, answers one with the page's validation, and the profile follows", async () => {
    const user = await createTestUser({ label: "api_cards" });
    const { accessToken: token } = await apiSignIn(user);

    const list = await api("/api/v1/onboarding/cards", { token });
    expect(list.status).toBe(200);
    const { cards } = (await list.json()) as { cards: { id: string; answered: boolean }[] };
    expect(cards).toHaveLength(cardCount);

    const saved = await api("/api/v1/onboarding/cards/business-name", {
      method: "PUT",
      token,
      body: { answer: { text: "  Rosa's Bakery  " } },
    });
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({
      id: "business-name",
      answered: true,
      answer: { text: "Rosa's Bakery" },
    });

    const card = await api("/api/v1/onboarding/cards/business-name", { token });
    expect(await card.json()).toMatchObject({ answer: { text: "Rosa's Bakery" } });

    const profile = await api("/api/v1/profile", { token });
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ schemaVersion: 2, business: { name: "Rosa's Bakery" } });
  });

  it("refuses what the page refuses: too long, a required skip, an unknown card, an upload card, a form body", async () => {
    const user = await createTestUser({ label: "api_cards_bad" });
    const { accessToken: token } = await apiSignIn(user);
    const tooLong = await expectProblem(
      await api("/api/v1/onboarding/cards/business-name", {
        method: "PUT",
        token,
        body: { answer: { text: "x".repeat(500) } },
      }),
      422,
    );
    expect(tooLong.errors?.[0]?.pointer).toBe("/answer/text");
    await expectProblem(
      await api("/api/v1/onboarding/cards/business-name", { method: "PUT", token, body: { skip: true } }),
      422,
    );
    expect((await api("/api/v1/onboarding/cards/website", { method: "PUT", token, body: { skip: true } })).status).toBe(
      200,
    );
    await expectProblem(await api("/api/v1/onboarding/cards/no-such-card", { token }), 404);
    await expectProblem(
      await api("/api/v1/onboarding/cards/logo", { method: "PUT", token, body: { answer: {} } }),
      422,
    );
    await expectProblem(
      await api("/api/v1/onboarding/cards/business-name", {
        method: "PUT",
        token,
        body: "text=x",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      }),
      415,
    );
  });
});

describe("plans", () => {
  it("generates with an Idempotency-Key (a retry gets the same answer), polls the job, cancels it", async () => {
    const { user } = await createPlanWorkspace(undefined, "api_plans");
    const { accessToken: token } = await apiSignIn(user);
    const { sent, queue } = recordingQueue();
    const env = planEnv(queue);

    const first = await api("/api/v1/plans", { method: "POST", token, env, headers: { "Idempotency-Key": "k-1" } });
    expect(first.status).toBe(202);
    const { job } = (await first.json()) as { job: { id: string; status: string } };
    expect(job.status).toBe("queued");
    expect(first.headers.get("Location")).toBe(`/api/v1/plans/jobs/${job.id}`);
    expect(sent).toHaveLength(1);

    const retry = await api("/api/v1/plans", { method: "POST", token, env, headers: { "Idempotency-Key": "k-1" } });
    expect(retry.status).toBe(202);
    expect(retry.headers.get("Idempotency-Replayed")).toBe("true");
    expect(((await retry.json()) as { job: { id: string } }).job.id).toBe(job.id);
    expect(sent).toHaveLength(1);

    const polled = await api(`/api/v1/plans/jobs/${job.id}`, { token });
    expect(polled.status).toBe(200);
    expect(await polled.json()).toMatchObject({ id: job.id, progress: { sectionsDone: [] } });

    const list = await api("/api/v1/plans", { token });
    expect(((await list.json()) as { jobs: { id: string }[] }).jobs.map((listed) => listed.id)).toContain(job.id);

    const cancelled = await api(`/api/v1/plans/jobs/${job.id}/cancel`, { method: "POST", token });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ status: "cancelled" });
    await expectProblem(await api(`/api/v1/plans/jobs/${job.id}/cancel`, { method: "POST", token }), 409);
  });

  it("reads a written plan: its document, versions and roadmap progress, as the plan page shows them", async () => {
    const { user, workspaceId } = await createPlanWorkspace(undefined, "api_plan_read");
    const { accessToken: token } = await apiSignIn(user);
    const { planId, jobId, document } = await insertPlan(
      { userId: user.id, workspaceId },
      { createdAt: new Date(Date.now() - 1000) },
    );
    const newer = await insertPlan({ userId: user.id, workspaceId });
    const response = await api(`/api/v1/plans/${planId}`, { token });
    expect(response.status).toBe(200);
    const plan = (await response.json()) as {
      id: string;
      version: number;
      document: PlanDocument;
      roadmap: { done: number; total: number };
    };
    expect(plan).toMatchObject({ id: planId, version: 1, isDemo: false });
    expect(plan.document).toEqual(document);
    expect(plan.roadmap.done).toBe(0);
    expect(plan.roadmap.total).toBeGreaterThan(0);
    await expectProblem(await api(`/api/v1/plans/${planId}?version=2`, { token }), 404);
    await expectProblem(await api(`/api/v1/plans/${planId}?version=zero`, { token }), 422);

    const job = await api(`/api/v1/plans/jobs/${jobId}`, { token });
    expect(await job.json()).toMatchObject({ status: "succeeded", resultPlanId: planId });
    const listed = (await (await api("/api/v1/plans", { token })).json()) as { plans: { id: string }[] };
    expect(listed.plans.map((listedPlan) => listedPlan.id)).toEqual([newer.planId, planId]);

    // Page by page: one plan each, then no cursor.
    const first = (await (await api("/api/v1/plans?limit=1", { token })).json()) as {
      plans: { id: string }[];
      nextCursor: string;
    };
    expect(first.plans.map((listedPlan) => listedPlan.id)).toEqual([newer.planId]);
    const second = (await (await api(`/api/v1/plans?limit=1&cursor=${first.nextCursor}`, { token })).json()) as {
      plans: { id: string }[];
      nextCursor: string | null;
    };
    expect(second.plans.map((listedPlan) => listedPlan.id)).toEqual([planId]);
    expect(second.nextCursor).toBeNull();
    await expectProblem(await api("/api/v1/plans?cursor=not-a-cursor", { token }), 422);

    const stranger = await apiSignIn(await createTestUser({ label: "api_plan_str" }));
    await expectProblem(await api(`/api/v1/plans/${planId}`, { token: stranger.accessToken }), 404);
  });

  it("another user's job and plan ids are 404, like ids that do not exist", async () => {
    const { user } = await createPlanWorkspace(undefined, "api_plans_a");
    const other = await createTestUser({ label: "api_plans_b" });
    const { queue } = recordingQueue();
    const mine = await apiSignIn(user);
    const theirs = await apiSignIn(other);
    const created = await api("/api/v1/plans", { method: "POST", token: mine.accessToken, env: planEnv(queue) });
    const { job } = (await created.json()) as { job: { id: string } };
    await expectProblem(await api(`/api/v1/plans/jobs/${job.id}`, { token: theirs.accessToken }), 404);
    await expectProblem(
      await api(`/api/v1/plans/jobs/${job.id}/cancel`, { method: "POST", token: theirs.accessToken }),
      404,
    );
    await expectProblem(await api(`/api/v1/plans/${crypto.randomUUID()}`, { token: theirs.accessToken }), 404);
    await expectProblem(await api("/api/v1/plans/not-a-uuid", { token: theirs.accessToken }), 404);
  });

  it("refuses like the Generate button: unanswered required cards (422 naming them), an unverified address (403)", async () => {
    const incomplete = await createPlanWorkspace({}, "api_plans_inc");
    const { queue } = recordingQueue();
    const tokens = await apiSignIn(incomplete.user);
    const refused = await expectProblem(
      await api("/api/v1/plans", { method: "POST", token: tokens.accessToken, env: planEnv(queue) }),
      422,
    );
    expect(refused.errors?.map((error) => error.pointer)).toContain("/onboarding/cards/business-name");

    const unverified = await createTestUser({ label: "api_plans_unv", verified: false });
    const unverifiedTokens = await apiSignIn(unverified);
    await expectProblem(
      await api("/api/v1/plans", { method: "POST", token: unverifiedTokens.accessToken, env: planEnv(queue) }),
      403,
    );
  });
});

describe("workspaces and chat", () => {
  let mine: { accessToken: string };
  let theirs: { accessToken: string };
  let workspaceId: string;
  let roomId: string;

  beforeAll(async () => {
    const user = await createTestUser({ label: "api_chat_a" });
    const other = await createTestUser({ label: "api_chat_b" });
    mine = await apiSignIn(user);
    theirs = await apiSignIn(other);
    const list = await api("/api/v1/workspaces", { token: mine.accessToken });
    const { workspaces } = (await list.json()) as { workspaces: { id: string; current: boolean; role: string }[] };
    const current = workspaces.find((workspace) => workspace.current)!;
    expect(current.role).toBe("owner");
    workspaceId = current.id;
    const rooms = await api(`/api/v1/workspaces/${workspaceId}/rooms`, { token: mine.accessToken });
    expect(rooms.status).toBe(200);
    const body = (await rooms.json()) as { rooms: { id: string; kind: string }[] };
    roomId = body.rooms.find((room) => room.kind === "general")!.id;
  });

  it("lists members, posts a message (idempotent by clientId) and reads it back by page", async () => {
    const members = await api(`/api/v1/workspaces/${workspaceId}/members`, { token: mine.accessToken });
    expect(((await members.json()) as { members: unknown[] }).members).toHaveLength(1);

    const clientId = crypto.randomUUID();
    const posted = await api(`/api/v1/rooms/${roomId}/messages`, {
      token: mine.accessToken,
      body: { clientId, text: "Hello from the API" },
    });
    expect(posted.status).toBe(201);
    const message = (await posted.json()) as { id: number };
    const again = await api(`/api/v1/rooms/${roomId}/messages`, {
      token: mine.accessToken,
      body: { clientId, text: "Hello from the API" },
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: number }).id).toBe(message.id);

    const page = await api(`/api/v1/rooms/${roomId}/messages`, { token: mine.accessToken });
    const { messages, nextCursor } = (await page.json()) as {
      messages: { id: number; text: string }[];
      nextCursor: null;
    };
    expect(messages.map((listed) => listed.text)).toEqual(["Hello from the API"]);
    expect(nextCursor).toBeNull();
    await expectProblem(
      await api(`/api/v1/rooms/${roomId}/messages`, { token: mine.accessToken, body: { clientId: "x", text: "" } }),
      422,
    );
  });

  it("selects another of the user's workspaces as current: profile and cards then act on it", async () => {
    const user = await createTestUser({ label: "api_ws_sel" });
    const { accessToken: token } = await apiSignIn(user);
    const second = await createWorkspace(testDb(), user.id, "Second business");
    const first = (
      (await (await api("/api/v1/workspaces", { token })).json()) as { workspaces: { id: string }[] }
    ).workspaces.find((workspace) => workspace.id !== second)!.id;

    const selected = await api(`/api/v1/workspaces/${first}/select`, { method: "POST", token });
    expect(selected.status).toBe(200);
    const { workspaces } = (await selected.json()) as { workspaces: { id: string; current: boolean }[] };
    expect(workspaces.find((workspace) => workspace.current)?.id).toBe(first);
    await api("/api/v1/onboarding/cards/business-name", {
      method: "PUT",
      token,
      body: { answer: { text: "First Co" } },
    });

    await api(`/api/v1/workspaces/${second}/select`, { method: "POST", token });
    const profile = (await (await api("/api/v1/profile", { token })).json()) as { business: { name: string | null } };
    expect(profile.business.name).toBeNull();
    await api(`/api/v1/workspaces/${first}/select`, { method: "POST", token });
    const back = (await (await api("/api/v1/profile", { token })).json()) as { business: { name: string | null } };
    expect(back.business.name).toBe("First Co");
    await expectProblem(await api(`/api/v1/workspaces/${workspaceId}/select`, { method: "POST", token }), 404);
  });

  it("another user's workspace and room are 404", async () => {
    await expectProblem(await api(`/api/v1/workspaces/${workspaceId}/members`, { token: theirs.accessToken }), 404);
    await expectProblem(await api(`/api/v1/workspaces/${workspaceId}/rooms`, { token: theirs.accessToken }), 404);
    await expectProblem(await api(`/api/v1/rooms/${roomId}/messages`, { token: theirs.accessToken }), 404);
    await expectProblem(
      await api(`/api/v1/rooms/${roomId}/messages`, {
        token: theirs.accessToken,
        body: { clientId: crypto.randomUUID(), text: "let me in" },
      }),
      404,
    );
  });
});
