// Working on a plan over the API (a section rewrite, a hand edit, roadmap ticks, the Markdown file)
// and the account's data archive, every answer checked against the OpenAPI document
// (tests/support/api.ts): the plan page's rules through its functions, another workspace's plan is a 404.
import { beforeAll, describe, expect, it } from "vitest";
import { api, apiSignIn, expectProblem } from "../../tests/support/api.ts";
import { createTestUser, ensureInstance } from "../../tests/worker-helpers.ts";
import { type PlanDocument, roadmapTaskId } from "../plans/plan-schema.ts";
import { createPlanWorkspace, insertPlan, planEnv, recordingQueue } from "../plans/test-support.ts";

beforeAll(ensureInstance);

interface PlanBody {
  version: number;
  document: PlanDocument;
  versions: { number: number; change: string }[];
  roadmap: { done: number; total: number; ticked: string[] };
}

describe("a plan's sections, ticks and Markdown", () => {
  let token: string;
  let strangerToken: string;
  let planId: string;
  let document: PlanDocument;

  beforeAll(async () => {
    const { user, workspaceId } = await createPlanWorkspace(undefined, "apip_own");
    token = (await apiSignIn(user)).accessToken;
    strangerToken = (await apiSignIn(await createTestUser({ label: "apip_str" }))).accessToken;
    ({ planId, document } = await insertPlan({ userId: user.id, workspaceId }));
  });

  it("ticks and unticks a roadmap task, as the checklist on the page", async () => {
    const week = document.content.roadmap.weeks[0]!.week;
    const task = roadmapTaskId(week, 0);
    const ticked = await api(`/api/v1/plans/${planId}/tasks/${task}`, { method: "PUT", token, body: { done: true } });
    expect(ticked.status).toBe(200);
    const progress = (await ticked.json()) as { done: number; total: number; ticked: string[] };
    expect(progress).toMatchObject({ done: 1, ticked: [task] });
    expect(progress.total).toBeGreaterThan(1);
    const plan = (await (await api(`/api/v1/plans/${planId}`, { token })).json()) as PlanBody;
    expect(plan.roadmap.ticked).toEqual([task]);

    const unticked = await api(`/api/v1/plans/${planId}/tasks/${task}`, {
      method: "PUT",
      token,
      body: { done: false },
    });
    expect(await unticked.json()).toMatchObject({ done: 0, ticked: [] });

    await expectProblem(
      await api(`/api/v1/plans/${planId}/tasks/w99-t99`, { method: "PUT", token, body: { done: true } }),
      404,
    );
    await expectProblem(
      await api(`/api/v1/plans/${planId}/tasks/not-a-task`, { method: "PUT", token, body: { done: true } }),
      404,
    );
    await expectProblem(
      await api(`/api/v1/plans/${planId}/tasks/${task}`, { method: "PUT", token, body: { done: "yes" } }),
      422,
    );
    await expectProblem(
      await api(`/api/v1/plans/${planId}/tasks/${task}`, {
        method: "PUT",
        token,
        body: "done=1",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      }),
      415,
    );
    await expectProblem(
      await api(`/api/v1/plans/${planId}/tasks/${task}`, { method: "PUT", token: strangerToken, body: { done: true } }),
      404,
    );
  });

  it("edits a section by hand into a new version; a stale base version is a 409, a bad field a 422", async () => {
    const edited = await api(`/api/v1/plans/${planId}/sections/executiveSummary`, {
      method: "PUT",
      token,
      body: { baseVersion: 1, content: { summary: "  Bake, post, repeat.  " } },
    });
    expect(edited.status).toBe(200);
    const plan = (await edited.json()) as PlanBody;
    expect(plan.version).toBe(2);
    expect(plan.document.content.executiveSummary).toEqual({
      summary: "Bake, post, repeat.",
      basedOn: document.content.executiveSummary.basedOn,
    });
    expect(plan.versions.map((version) => version.change)).toContain("Edited “Executive summary” by hand");

    await expectProblem(
      await api(`/api/v1/plans/${planId}/sections/executiveSummary`, {
        method: "PUT",
        token,
        body: { baseVersion: 1, content: { summary: "Overwrite" } },
      }),
      409,
    );
    const empty = await expectProblem(
      await api(`/api/v1/plans/${planId}/sections/executiveSummary`, {
        method: "PUT",
        token,
        body: { baseVersion: 2, content: { summary: "" } },
      }),
      422,
    );
    expect(empty.errors?.[0]?.pointer).toBe("/content/summary");

    // The form's cross-field check holds here too: the budget's lines must add up to its total.
    const { basedOn: _basedOn, ...budget } = document.content.budget;
    const unbalanced = await expectProblem(
      await api(`/api/v1/plans/${planId}/sections/budget`, {
        method: "PUT",
        token,
        body: { baseVersion: 2, content: { ...budget, monthlyTotal: budget.monthlyTotal + 1 } },
      }),
      422,
    );
    expect(unbalanced.errors?.map((error) => error.pointer)).toContain("/content/monthlyTotal");

    await expectProblem(
      await api(`/api/v1/plans/${planId}/sections/noSuchSection`, {
        method: "PUT",
        token,
        body: { baseVersion: 2, content: {} },
      }),
      404,
    );
    await expectProblem(
      await api(`/api/v1/plans/${planId}/sections/executiveSummary`, {
        method: "PUT",
        token,
        body: '{"baseVersion": 2, "content": ',
        headers: { "Content-Type": "application/json" },
      }),
      400,
    );
    await expectProblem(
      await api(`/api/v1/plans/${planId}/sections/executiveSummary`, {
        method: "PUT",
        token: strangerToken,
        body: { baseVersion: 2, content: { summary: "Mine now" } },
      }),
      404,
    );
  });

  it("asks for a section rewrite: a queued job, answered again while it runs", async () => {
    const { sent, queue } = recordingQueue();
    const env = planEnv(queue);
    const path = `/api/v1/plans/${planId}/sections/goals/rewrite`;
    const asked = await api(path, { token, env, body: { instruction: "Focus on Instagram" } });
    expect(asked.status).toBe(202);
    const { job, created } = (await asked.json()) as {
      job: { id: string; kind: string; section: string; planId: string };
      created: boolean;
    };
    expect(created).toBe(true);
    expect(job).toMatchObject({ kind: "section", section: "goals", planId });
    expect(asked.headers.get("Location")).toBe(`/api/v1/plans/jobs/${job.id}`);
    expect(sent).toHaveLength(1);

    const again = await api(path, { token, env, body: { instruction: "Focus on Instagram" } });
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ created: false, job: { id: job.id } });

    await expectProblem(await api(path, { token, env, body: { instruction: "  " } }), 422);
    await expectProblem(await api(path, { token: strangerToken, env, body: { instruction: "Mine" } }), 404);
    await expectProblem(
      await api(`/api/v1/plans/${planId}/sections/nope/rewrite`, { token, env, body: { instruction: "x" } }),
      404,
    );
    await api(`/api/v1/plans/jobs/${job.id}/cancel`, { method: "POST", token });
  });

  it("an unverified address cannot ask for a rewrite (it is a paid model call)", async () => {
    const unverified = await createTestUser({ label: "apip_unv", verified: false });
    const { accessToken } = await apiSignIn(unverified);
    const { queue } = recordingQueue();
    await expectProblem(
      await api(`/api/v1/plans/${crypto.randomUUID()}/sections/goals/rewrite`, {
        token: accessToken,
        env: planEnv(queue),
        body: { instruction: "More" },
      }),
      403,
    );
  });

  it("serves the plan as Markdown, with an ETag; another workspace's plan is a 404", async () => {
    const response = await api(`/api/v1/plans/${planId}/markdown`, { token });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/markdown; charset=utf-8");
    const text = await response.text();
    expect(text).toContain("# Marketing plan of");
    expect(text).toContain("Bake, post, repeat.");
    const etag = response.headers.get("ETag")!;
    const again = await api(`/api/v1/plans/${planId}/markdown`, { token, headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
    const first = await (await api(`/api/v1/plans/${planId}/markdown?version=1`, { token })).text();
    expect(first).not.toContain("Bake, post, repeat.");
    await expectProblem(await api(`/api/v1/plans/${planId}/markdown?version=99`, { token }), 404);
    await expectProblem(await api(`/api/v1/plans/${planId}/markdown`, { token: strangerToken }), 404);
  });
});

describe("the account's data archive", () => {
  it("prepares the archive, reports it ready and hands it over to its owner only", async () => {
    const user = await createTestUser({ label: "apia_exp" });
    const { accessToken: token } = await apiSignIn(user);
    const stranger = await apiSignIn(await createTestUser({ label: "apia_str" }));

    expect(await (await api("/api/v1/account/export", { token })).json()).toEqual({ status: "none" });
    // The archive is written after the answer (waitUntil), which the test's request waits for.
    const asked = await api("/api/v1/account/export", { method: "POST", token });
    expect(asked.status).toBe(202);
    const state = (await (await api("/api/v1/account/export", { token })).json()) as {
      status: string;
      id: string;
      download: string;
    };
    expect(state.status).toBe("ready");
    expect(state.download).toBe(`/api/v1/account/exports/${state.id}`);

    const download = await api(state.download, { token });
    expect(download.status).toBe(200);
    const archive = (await download.json()) as { format: string; account: { username: string } };
    expect(archive.format).toBe("alva-data-export/1");
    expect(JSON.stringify(archive)).toContain(user.username);

    await expectProblem(await api(state.download, { token: stranger.accessToken }), 404);
    await expectProblem(await api("/api/v1/account/exports/not-an-id", { token }), 404);
    expect(await (await api("/api/v1/account/export", { token: stranger.accessToken })).json()).toEqual({
      status: "none",
    });
  });
});
