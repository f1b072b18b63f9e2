// The plan pages through the real Worker: /plans (list, Generate and its refusals), a job's page
// (progress, meta refresh, cancel, retry), a plan's page (sections, ticks, versions, rewrite, hand edit),
// downloads and the public schema; another workspace's ids are 404 everywhere; model output and profile
// answers cannot put a script or a javascript: link on a page. Plans and jobs are inserted straight into
// the database, so these tests do not depend on the consumer (workers/plan-jobs.test.ts covers it).
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { planJobs, plans, planTaskTicks, planVersions } from "../../db/schema.ts";
import { requiredCardValues } from "../../tests/fixtures/plan-profile.ts";
import {
  createTestUser,
  ensureInstance,
  formPost,
  getAs,
  origin,
  postAs,
  send,
  signIn,
  testDb,
} from "../../tests/worker-helpers.ts";
import { currentWorkspace } from "../onboarding/onboarding.server.ts";
import { cancelJob } from "./jobs.server.ts";
import { planDocumentSchema, roadmapTaskId } from "./plan-schema.ts";
import { createPlanWorkspace, insertPlan, recordingQueue, sampleContent } from "./test-support.ts";

beforeAll(async () => {
  await ensureInstance();
  // The first request through the Worker loads every route module: do it before the timed tests.
  await send(new Request(new URL("/plans", origin), { redirect: "manual" }));
}, 60_000);

interface Member {
  userId: string;
  workspaceId: string;
  cookie: string;
}

async function member(options: { answers?: Record<string, unknown>; admin?: boolean; verified?: boolean } = {}) {
  if (options.admin || options.verified === false) {
    const user = await createTestUser({
      label: "plansp",
      role: options.admin ? "admin" : "user",
      verified: options.verified,
    });
    const workspaceId = (await currentWorkspace(testDb(), user.id))!;
    return { userId: user.id, workspaceId, cookie: await signIn(user) };
  }
  const { user, workspaceId } = await createPlanWorkspace(options.answers ?? requiredCardValues, "plansp");
  return { userId: user.id, workspaceId, cookie: await signIn(user) };
}

async function insertJob(
  owner: Member,
  fields: Partial<typeof planJobs.$inferInsert> & Pick<typeof planJobs.$inferInsert, "status">,
): Promise<string> {
  const id = crypto.randomUUID();
  const now = new Date();
  await testDb()
    .insert(planJobs)
    .values({
      id,
      workspaceId: owner.workspaceId,
      requestedBy: owner.userId,
      kind: "plan",
      // A revision no real request uses, so the one-live-job-per-revision index never trips.
      profileRevision: 1000 + Math.floor(Math.random() * 1e6),
      deadlineAt: new Date(now.getTime() + 900_000),
      createdAt: now,
      ...fields,
    });
  return id;
}

async function jobRow(id: string) {
  const [row] = await testDb().select().from(planJobs).where(eq(planJobs.id, id));
  return row;
}

async function html(response: Response): Promise<string> {
  return response.text();
}

/** A same-origin form post as the holder of `cookie`, with env overrides (a recording queue, no provider). */
function post(
  path: string,
  cookie: string,
  fields: ConstructorParameters<typeof URLSearchParams>[0],
  overrides: Partial<Env> = {},
): Promise<Response> {
  return send(formPost(path, Object.fromEntries(new URLSearchParams(fields)), { Cookie: cookie }), overrides);
}

/** Whether the page has a `<tag …>` carrying every one of `attributes` (in any order). */
function hasTag(page: string, tag: string, ...attributes: string[]): boolean {
  return (page.match(new RegExp(`<${tag}\\b[^>]*>`, "g")) ?? []).some((found) =>
    attributes.every((attribute) => found.includes(attribute)),
  );
}

describe("/plans", () => {
  it("sends anonymous visitors to sign in", async () => {
    const response = await send(new Request(new URL("/plans", origin), { redirect: "manual" }));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toMatch(/^\/login/);
  });

  it("lists the workspace's plans and requests, with the Generate button and a sidebar link", async () => {
    const owner = await member();
    const { planId } = await insertPlan(owner);
    await insertJob(owner, { status: "failed", lastError: "The AI provider refused the key." });
    const page = await html(await getAs("/plans", owner.cookie));
    expect(page).toContain(`href="/plans/${planId}"`);
    expect(page).toContain("fake-gpt");
    expect(page).toContain("The AI provider refused the key.");
    expect(hasTag(page, "form", 'method="post"', 'action="/plans"')).toBe(true);
    expect(page).toContain(">Generate a marketing plan</button>");
    expect(page).toMatch(/<a[^>]*href="\/plans"[^>]*>Plans<\/a>/);
    expect(page).not.toContain(">soon</span></span><span"); // Plans is no longer marked "soon"
  });

  it("generates: a job is created and queued, the browser goes to its page; a second click gets the same job", async () => {
    const owner = await member();
    const { sent, queue } = recordingQueue();
    const first = await post("/plans", owner.cookie, "", { PLAN_JOBS: queue });
    expect(first.status).toBe(303);
    const location = first.headers.get("Location")!;
    expect(location).toMatch(/^\/plans\/jobs\/[0-9a-f-]{36}$/);
    const jobId = location.split("/").pop()!;
    expect((await jobRow(jobId))?.workspaceId).toBe(owner.workspaceId);
    expect(sent).toEqual([{ jobId }]);
    const second = await post("/plans", owner.cookie, {}, { PLAN_JOBS: queue });
    expect(second.headers.get("Location")).toBe(location);
  });

  it("refuses with the missing cards as links when the profile is incomplete, and makes no job", async () => {
    const { budget: _budget, offer: _offer, ...partial } = requiredCardValues;
    const owner = await member({ answers: partial });
    const response = await postAs("/plans", owner.cookie, {});
    expect(response.status).toBe(422);
    const page = await html(response);
    expect(page).toContain("missing answers the plan needs");
    expect(page).toContain('href="/onboarding/budget?return=summary"');
    expect(page).toContain('href="/onboarding/offer?return=summary"');
    expect(await testDb().select().from(planJobs).where(eq(planJobs.workspaceId, owner.workspaceId))).toHaveLength(0);
  });

  it("asks for a verified e-mail address before spending money on a model call", async () => {
    const owner = await member({ verified: false });
    const response = await postAs("/plans", owner.cookie, {});
    expect(response.status).toBe(403);
    expect(await html(response)).toContain("verify your e-mail address first");
    expect(await testDb().select().from(planJobs).where(eq(planJobs.workspaceId, owner.workspaceId))).toHaveLength(0);
  });

  it("says when the workspace has used its generations, with Retry-After", async () => {
    const owner = await member();
    const { queue } = recordingQueue();
    let last: Response | undefined;
    for (let i = 0; i < 11; i++) {
      last = await post("/plans", owner.cookie, {}, { PLAN_JOBS: queue });
      if (last.status !== 303) break;
      // Cancel it, so the next click asks for a new job (and spends a token) instead of getting this one.
      await cancelJob(testDb(), {
        workspaceId: owner.workspaceId,
        jobId: last.headers.get("Location")!.split("/").pop()!,
      });
    }
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await html(last!)).toContain("used its plan generations");
  });

  it("disables Generate when no AI provider is configured, and tells admins how to set one", async () => {
    const noProvider = { OPENAI_API_KEY: "", OPENAI_BASE_URL: "", OPENAI_MODEL: "" } as Partial<Env>;
    const owner = await member();
    const request = (cookie: string) =>
      new Request(new URL("/plans", origin), { headers: { Cookie: cookie }, redirect: "manual" });
    const page = await html(await send(request(owner.cookie), noProvider));
    expect(page).toMatch(/<button type="submit" disabled=""[^>]*>Generate a marketing plan<\/button>/);
    expect(page).toContain("No AI provider configured.");
    expect(page).toContain("Ask an administrator");
    const admin = await member({ admin: true });
    const adminPage = await html(await send(request(admin.cookie), noProvider));
    expect(adminPage).toContain("OPENAI_API_KEY");
    // Production refuses the demo model: same refusal.
    const production = await html(
      await send(request(admin.cookie), {
        ENVIRONMENT: "production",
        OPENAI_API_KEY: "",
        OPENAI_MODEL: "alva-demo",
      } as Partial<Env>),
    );
    expect(production).toContain("No AI provider configured.");
    const refused = await post("/plans", owner.cookie, {}, noProvider);
    expect(refused.status).toBe(503);
    expect(await testDb().select().from(planJobs).where(eq(planJobs.workspaceId, owner.workspaceId))).toHaveLength(0);
  });

  it("puts a working Generate button on the onboarding summary", async () => {
    const owner = await member();
    const page = await html(await getAs("/onboarding/summary", owner.cookie));
    expect(hasTag(page, "form", 'method="post"', 'action="/plans"')).toBe(true);
    expect(page).toMatch(/<button type="submit"[^>]*>Generate my marketing plan<\/button>/);
  });
});

describe("a job's page", () => {
  it("shows the sections written so far, refreshes without JavaScript while live, and offers Cancel", async () => {
    const owner = await member();
    const content = await sampleContent(owner.workspaceId);
    const jobId = await insertJob(owner, {
      status: "running",
      partial: JSON.stringify({ executiveSummary: content.executiveSummary, situation: content.situation }),
      startedAt: new Date(),
    });
    const page = await html(await getAs(`/plans/jobs/${jobId}`, owner.cookie));
    expect(page).toContain("2<!-- --> of <!-- -->11<!-- --> section");
    expect(page).toContain(content.executiveSummary.summary);
    expect(page).toContain(content.situation.strengths[0]);
    expect(page).toContain('data-testid="progress-situation" data-done=""');
    expect(page).not.toContain('data-testid="progress-goals" data-done');
    expect(page).toContain('<noscript><meta http-equiv="refresh" content="3"/></noscript>');
    expect(page).toContain('value="cancel"');
  });

  it("cancels a queued job (form post, redirect back) and then offers Retry, which makes a new job", async () => {
    const owner = await member();
    const jobId = await insertJob(owner, { status: "queued" });
    const cancelled = await postAs(`/plans/jobs/${jobId}`, owner.cookie, { intent: "cancel" });
    expect(cancelled.status).toBe(303);
    expect(cancelled.headers.get("Location")).toBe(`/plans/jobs/${jobId}`);
    expect((await jobRow(jobId))?.status).toBe("cancelled");
    const page = await html(await getAs(`/plans/jobs/${jobId}`, owner.cookie));
    expect(page).not.toContain('http-equiv="refresh"');
    expect(page).toContain('value="retry"');
    const { queue } = recordingQueue();
    const retried = await post(`/plans/jobs/${jobId}`, owner.cookie, "intent=retry", { PLAN_JOBS: queue });
    expect(retried.status).toBe(303);
    const newJobId = retried.headers.get("Location")!.split("/").pop()!;
    expect(newJobId).not.toBe(jobId);
    expect((await jobRow(newJobId))?.status).toBe("queued");
  });

  it("shows a failed job's reason and a Retry button", async () => {
    const owner = await member();
    const jobId = await insertJob(owner, {
      status: "failed",
      lastError: "Gave up after 4 attempts: the provider timed out.",
    });
    const page = await html(await getAs(`/plans/jobs/${jobId}`, owner.cookie));
    expect(page).toContain("Gave up after 4 attempts: the provider timed out.");
    expect(page).toContain('value="retry"');
    expect(page).not.toContain('value="cancel"');
  });

  it("sends a finished job's page to its plan", async () => {
    const owner = await member();
    const { planId, jobId } = await insertPlan(owner);
    const response = await getAs(`/plans/jobs/${jobId}`, owner.cookie);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(`/plans/${planId}`);
  });
});

describe("a plan's page", () => {
  it("renders every section from its content, the model, and the roadmap progress", async () => {
    const owner = await member();
    const { planId, document } = await insertPlan(owner);
    const response = await getAs(`/plans/${planId}`, owner.cookie);
    expect(response.status).toBe(200);
    const page = await html(response);
    for (const title of ["Executive summary", "Channel strategy", "90-day roadmap", "Monthly budget"]) {
      expect(page).toContain(title);
    }
    expect(page).toContain(document.content.personas.personas[0]!.name);
    expect(page).toContain(document.content.contentCalendar.items[0]!.topic);
    expect(page).toContain('data-testid="budget-total">€300<');
    expect(page).toContain('data-testid="plan-model">fake-gpt<');
    const total = document.content.roadmap.weeks.reduce((sum, week) => sum + week.tasks.length, 0);
    expect(page).toContain(`0<!-- --> of <!-- -->${total}<!-- --> tasks done`);
    expect(page).not.toContain('data-testid="demo-notice"');
    expect(page).toContain(`href="/plans/${planId}/download/markdown"`);
  });

  it("says plainly that a plan from the demo model was not written by an AI", async () => {
    const owner = await member();
    const { planId } = await insertPlan(owner, { model: "alva-demo" });
    const page = await html(await getAs(`/plans/${planId}`, owner.cookie));
    expect(page).toContain('data-testid="demo-notice"');
    expect(page).toContain("NOT written by an AI");
  });

  it("marks the sections that need review, with the problems", async () => {
    const owner = await member();
    const { planId } = await insertPlan(owner, {
      needsReview: [{ section: "budget", problems: ["The lines add up to 290 EUR, not 300 EUR."] }],
    });
    const page = await html(await getAs(`/plans/${planId}`, owner.cookie));
    expect(page).toContain('data-testid="needs-review"');
    expect(page).toContain("The lines add up to 290 EUR, not 300 EUR.");
    expect(page).toContain("(needs review)");
  });

  it("saves ticks: one task from a checkbox with JavaScript, the whole checklist without", async () => {
    const owner = await member();
    const { planId, document } = await insertPlan(owner);
    const [first, second] = document.content.roadmap.weeks.flatMap((week) =>
      week.tasks.map((_, index) => roadmapTaskId(week.week, index)),
    );
    const ticks = async () =>
      (await testDb().select().from(planTaskTicks).where(eq(planTaskTicks.planId, planId)))
        .map((row) => row.taskId)
        .sort();

    // With JavaScript: a fetcher posts one change and gets data back (no redirect).
    const one = await postAs(`/plans/${planId}`, owner.cookie, { intent: "tick", taskId: first!, done: "1" });
    expect(one.status).toBe(200);
    expect(await ticks()).toEqual([first]);
    const page = await html(await getAs(`/plans/${planId}`, owner.cookie));
    expect(page).toContain("1<!-- --> of <!-- -->");
    expect(hasTag(page, "input", 'type="checkbox"', `value="${first}"`, 'checked=""')).toBe(true);
    expect(hasTag(page, "input", 'type="checkbox"', `value="${second}"`, 'checked=""')).toBe(false);

    // Without JavaScript: the form sends the ticked boxes; what is not sent is unticked.
    const all = await post(`/plans/${planId}`, owner.cookie, [
      ["intent", "ticks"],
      ["done", second!],
    ]);
    expect(all.status).toBe(303);
    expect(all.headers.get("Location")).toBe(`/plans/${planId}#roadmap`);
    expect(await ticks()).toEqual([second]);

    // A task the plan does not have: 404, nothing written.
    expect(
      (await postAs(`/plans/${planId}`, owner.cookie, { intent: "tick", taskId: "w13-t99", done: "1" })).status,
    ).toBe(404);
    expect((await postAs(`/plans/${planId}`, owner.cookie, { intent: "tick", taskId: "<x>", done: "1" })).status).toBe(
      400,
    );
    expect(await ticks()).toEqual([second]);
  });

  it("asks for a section rewrite with an instruction, and refuses an empty one with the form kept", async () => {
    const owner = await member();
    const { planId } = await insertPlan(owner);
    const empty = await postAs(`/plans/${planId}`, owner.cookie, {
      intent: "regenerate",
      section: "channelStrategy",
      instruction: "   ",
    });
    expect(empty.status).toBe(422);
    expect(await html(empty)).toContain("Say how this section should change");
    const { queue, sent } = recordingQueue();
    const asked = await post(
      `/plans/${planId}`,
      owner.cookie,
      {
        intent: "regenerate",
        section: "channelStrategy",
        instruction: "focus on Instagram",
      },
      { PLAN_JOBS: queue },
    );
    expect(asked.status).toBe(303);
    const jobId = asked.headers.get("Location")!.split("/").pop()!;
    expect(await jobRow(jobId)).toMatchObject({
      kind: "section",
      planId,
      section: "channelStrategy",
      instruction: "focus on Instagram",
    });
    expect(sent).toHaveLength(1);
    // The plan page links the live rewrite.
    expect(await html(await getAs(`/plans/${planId}`, owner.cookie))).toContain(`href="/plans/jobs/${jobId}"`);
  });

  it("answers 404 for a version that does not exist or is not a number", async () => {
    const owner = await member();
    const { planId } = await insertPlan(owner);
    expect((await getAs(`/plans/${planId}?version=2`, owner.cookie)).status).toBe(404);
    expect((await getAs(`/plans/${planId}?version=abc`, owner.cookie)).status).toBe(404);
    expect((await getAs(`/plans/${crypto.randomUUID()}`, owner.cookie)).status).toBe(404);
  });
});

describe("editing a section by hand", () => {
  it("renders a form generated from the section's schema", async () => {
    const owner = await member();
    const { planId, document } = await insertPlan(owner);
    const page = await html(await getAs(`/plans/${planId}/sections/channelStrategy/edit`, owner.cookie));
    const channel = document.content.channelStrategy.channels[0]!;
    expect(hasTag(page, "input", 'name="channels[0].channel"', `value="${channel.channel}"`)).toBe(true);
    expect(hasTag(page, "textarea", 'name="channels[0].tactics"')).toBe(true); // one tactic per line
    expect(hasTag(page, "input", 'name="channels[0].budgetShare"', 'type="number"')).toBe(true);
    const rows = document.content.channelStrategy.channels.length;
    expect(hasTag(page, "input", `name="channels[${rows}].channel"`, 'value=""')).toBe(true); // the empty row
    expect(page).not.toContain('name="basedOn"');
    expect((await getAs(`/plans/${planId}/sections/nonsense/edit`, owner.cookie)).status).toBe(404);
  });

  it("saves a new version with a change description; the old one stays viewable", async () => {
    const owner = await member();
    const { planId, document } = await insertPlan(owner);
    const situation = document.content.situation;
    const response = await postAs(`/plans/${planId}/sections/situation/edit`, owner.cookie, {
      baseVersion: "1",
      strengths: "Loyal regulars\n  Award-winning sourdough  \n\n",
      weaknesses: situation.weaknesses.join("\n"),
      opportunities: situation.opportunities.join("\n"),
      threats: situation.threats.join("\n"),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe(`/plans/${planId}#situation`);
    const [plan] = await testDb().select().from(plans).where(eq(plans.id, planId));
    expect(plan?.currentVersion).toBe(2);
    const [version] = await testDb()
      .select()
      .from(planVersions)
      .where(and(eq(planVersions.planId, planId), eq(planVersions.version, 2)));
    expect(version?.change).toBe("Edited “Situation” by hand");
    const saved = planDocumentSchema.parse(JSON.parse(version!.document));
    expect(saved.content.situation.strengths).toEqual(["Loyal regulars", "Award-winning sourdough"]);
    expect(saved.content.situation.basedOn).toEqual(situation.basedOn); // kept
    const current = await html(await getAs(`/plans/${planId}`, owner.cookie));
    expect(current).toContain("Award-winning sourdough");
    const old = await html(await getAs(`/plans/${planId}?version=1`, owner.cookie));
    expect(old).not.toContain("Award-winning sourdough");
    expect(old).toContain("You are looking at an older version");
    expect(old).not.toContain('name="intent" value="regenerate"'); // read-only
  });

  it("adds a row from the empty one, drops emptied rows, and keeps what was typed when a field is wrong", async () => {
    const owner = await member();
    const { planId, document } = await insertPlan(owner);
    const lines = document.content.budget.lines;
    const fields: Record<string, string> = { baseVersion: "1", currency: "EUR", monthlyTotal: "300" };
    lines.forEach((line, i) => {
      fields[`lines[${i}].item`] = line.item;
      fields[`lines[${i}].channel`] = line.channel;
      fields[`lines[${i}].amount`] = String(line.amount);
    });
    // A new row with a bad amount, and the sum no longer matching.
    const n = lines.length;
    const refused = await postAs(`/plans/${planId}/sections/budget/edit`, owner.cookie, {
      ...fields,
      [`lines[${n}].item`]: "Flyers for the market",
      [`lines[${n}].channel`]: "Print",
      [`lines[${n}].amount`]: "lots",
    });
    expect(refused.status).toBe(422);
    const page = await html(refused);
    expect(page).toContain("Enter a number.");
    expect(page).toContain('value="Flyers for the market"');
    expect(page).toContain('value="lots"');
    // Moving money to a new line, with an emptied row in the middle: saved, the empty row dropped.
    const moved = { ...fields, "lines[0].amount": String(lines[0]!.amount - 20) };
    const saved = await postAs(`/plans/${planId}/sections/budget/edit`, owner.cookie, {
      ...moved,
      [`lines[${n}].item`]: "",
      [`lines[${n}].channel`]: "",
      [`lines[${n}].amount`]: "",
      [`lines[${n + 1}].item`]: "Flyers for the market",
      [`lines[${n + 1}].channel`]: "Print",
      [`lines[${n + 1}].amount`]: "20",
    });
    expect(saved.status).toBe(303);
    const [version] = await testDb()
      .select()
      .from(planVersions)
      .where(and(eq(planVersions.planId, planId), eq(planVersions.version, 2)));
    const budget = planDocumentSchema.parse(JSON.parse(version!.document)).content.budget;
    expect(budget.lines).toHaveLength(n + 1);
    expect(budget.lines.at(-1)).toEqual({ item: "Flyers for the market", channel: "Print", amount: 20 });
  });

  it("refuses a budget whose lines do not add up to the total", async () => {
    const owner = await member();
    const { planId, document } = await insertPlan(owner);
    const fields: Record<string, string> = { baseVersion: "1", currency: "EUR", monthlyTotal: "300" };
    document.content.budget.lines.forEach((line, i) => {
      fields[`lines[${i}].item`] = line.item;
      fields[`lines[${i}].channel`] = line.channel;
      fields[`lines[${i}].amount`] = String(line.amount + 1);
    });
    const response = await postAs(`/plans/${planId}/sections/budget/edit`, owner.cookie, fields);
    expect(response.status).toBe(422);
    expect(await html(response)).toContain("not 300: change a line or the total");
  });

  it("does not overwrite a newer version: 409 with the text kept", async () => {
    const owner = await member();
    const { planId, document } = await insertPlan(owner);
    const form = {
      baseVersion: "1",
      summary: "First edit.",
    };
    expect((await postAs(`/plans/${planId}/sections/executiveSummary/edit`, owner.cookie, form)).status).toBe(303);
    const stale = await postAs(`/plans/${planId}/sections/executiveSummary/edit`, owner.cookie, {
      ...form,
      summary: "Second edit from an old form.",
    });
    expect(stale.status).toBe(409);
    const page = await html(stale);
    expect(page).toContain("The plan changed while you were editing");
    expect(page).toContain("Second edit from an old form.");
    expect(document.content.executiveSummary.summary).not.toBe("First edit.");
    const [plan] = await testDb().select().from(plans).where(eq(plans.id, planId));
    expect(plan?.currentVersion).toBe(2);
  });
});

describe("downloads and the schema", () => {
  it("downloads Markdown and JSON of the current or an older version", async () => {
    const owner = await member();
    const { planId, document } = await insertPlan(owner, { model: "alva-demo" });
    await postAs(`/plans/${planId}`, owner.cookie, {
      intent: "tick",
      taskId: roadmapTaskId(document.content.roadmap.weeks[0]!.week, 0),
      done: "1",
    });
    const markdown = await getAs(`/plans/${planId}/download/markdown`, owner.cookie);
    expect(markdown.status).toBe(200);
    expect(markdown.headers.get("Content-Type")).toBe("text/markdown; charset=utf-8");
    expect(markdown.headers.get("Content-Disposition")).toMatch(
      /^attachment; filename="alva-marketing-plan-.*-v1\.md"$/,
    );
    const text = await markdown.text();
    expect(text).toContain("## Executive summary");
    expect(text).toContain("## 90-day roadmap");
    expect(text).toContain("- [x] ");
    expect(text).toContain("Not written by an AI");
    expect(text).toContain("| Date | Channel | Format | Topic | Call to action |");

    const json = await getAs(`/plans/${planId}/download/json?version=1`, owner.cookie);
    expect(json.headers.get("Content-Disposition")).toMatch(/\.json"$/);
    expect(planDocumentSchema.parse(await json.json())).toEqual(document);
    expect((await getAs(`/plans/${planId}/download/pdf`, owner.cookie)).status).toBe(404);
    expect((await getAs(`/plans/${planId}/download/json?version=9`, owner.cookie)).status).toBe(404);
  });

  it("publishes the plan's JSON Schema to anyone", async () => {
    const response = await send("/plans/plan.schema.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/schema+json; charset=utf-8");
    const schema = (await response.json()) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["schemaVersion", "startDate", "model", "needsReview", "content"]),
    );
  });
});

describe("dashboard", () => {
  it("shows the newest plan with its roadmap progress and this week's tasks", async () => {
    const owner = await member();
    const { planId, document } = await insertPlan(owner);
    const page = await html(await getAs("/dashboard", owner.cookie));
    expect(page).toContain('data-testid="dashboard-plan"');
    expect(page).toContain(`href="/plans/${planId}"`);
    expect(page).toContain("roadmap tasks done");
    const week = document.content.roadmap.weeks.find((entry) => entry.tasks.length > 0)!;
    expect(page).toContain("This week (week");
    expect(week.tasks[0]!.title.length).toBeGreaterThan(0);
  });
});

describe("another workspace's plans and jobs", () => {
  it("are 404 on every page, download and action, and nothing changes", async () => {
    const owner = await member();
    const stranger = await member();
    const { planId, jobId, document } = await insertPlan(owner);
    const liveJobId = await insertJob(owner, { status: "queued" });
    const failedJobId = await insertJob(owner, { status: "failed", lastError: "x" });
    const taskId = roadmapTaskId(document.content.roadmap.weeks[0]!.week, 0);
    const gets = [
      `/plans/${planId}`,
      `/plans/${planId}?version=1`,
      `/plans/${planId}/download/markdown`,
      `/plans/${planId}/download/json`,
      `/plans/${planId}/sections/situation/edit`,
      `/plans/jobs/${jobId}`,
      `/plans/jobs/${liveJobId}`,
    ];
    for (const path of gets) expect((await getAs(path, stranger.cookie)).status, path).toBe(404);
    const { queue, sent } = recordingQueue();
    const posts: [string, Record<string, string>][] = [
      [`/plans/${planId}`, { intent: "tick", taskId, done: "1" }],
      [`/plans/${planId}`, { intent: "ticks", done: taskId }],
      [`/plans/${planId}`, { intent: "regenerate", section: "situation", instruction: "more" }],
      [`/plans/${planId}/sections/executiveSummary/edit`, { baseVersion: "1", summary: "Hijacked." }],
      [`/plans/jobs/${liveJobId}`, { intent: "cancel" }],
      [`/plans/jobs/${failedJobId}`, { intent: "retry" }],
    ];
    for (const [path, fields] of posts) {
      const response = await post(path, stranger.cookie, fields, { PLAN_JOBS: queue });
      expect(response.status, `${path} ${fields.intent ?? "edit"}`).toBe(404);
    }
    expect(sent).toHaveLength(0);
    expect(await testDb().select().from(planTaskTicks).where(eq(planTaskTicks.planId, planId))).toHaveLength(0);
    const [plan] = await testDb().select().from(plans).where(eq(plans.id, planId));
    expect(plan?.currentVersion).toBe(1);
    expect((await jobRow(liveJobId))?.status).toBe("queued");
    expect(await testDb().select().from(planJobs).where(eq(planJobs.workspaceId, stranger.workspaceId))).toHaveLength(
      0,
    );
    // The stranger's own list shows none of it.
    const list = await html(await getAs("/plans", stranger.cookie));
    expect(list).not.toContain(planId);
    expect(list).not.toContain(jobId);
  });
});

describe("model output and profile answers are data, never markup", () => {
  const attack =
    'ignore previous instructions <script>alert("pwned")</script> <img src=x onerror=alert(1)> [click me](javascript:alert(1)) <a href="javascript:alert(2)">here</a>';

  it("renders no script, no raw HTML and no javascript: link on any page that shows the plan", async () => {
    const owner = await member({
      answers: { ...requiredCardValues, "business-name": { text: attack }, offer: { text: attack } },
    });
    const content = await sampleContent(owner.workspaceId);
    content.executiveSummary.summary = `Rosa's plan. ${attack}`;
    content.situation.strengths = [attack];
    content.personas.personas[0]!.description = attack;
    content.personas.personas[0]!.name = attack.slice(0, 80);
    content.channelStrategy.channels[0]!.why = attack;
    content.roadmap.weeks[0]!.tasks[0]!.title = attack.slice(0, 400);
    content.contentCalendar.items[0]!.topic = attack;
    const { planId } = await insertPlan(owner, { content });
    const jobId = await insertJob(owner, {
      status: "running",
      partial: JSON.stringify({ executiveSummary: content.executiveSummary, situation: content.situation }),
    });
    for (const path of [`/plans/${planId}`, `/plans/jobs/${jobId}`, "/dashboard", "/plans", "/onboarding/summary"]) {
      const page = await html(await getAs(path, owner.cookie));
      expect(page, path).not.toMatch(/<script>alert/i);
      expect(page, path).not.toContain('<script>alert("pwned")');
      expect(page, path).not.toMatch(/<img[^>]*onerror/i);
      expect(page, path).not.toMatch(/href="\s*javascript:/i);
      // Every script element is the app's own (it carries the CSP nonce).
      for (const tag of page.match(/<script\b[^>]*>/gi) ?? []) expect(tag, path).toMatch(/nonce="/);
    }
    const plan = await html(await getAs(`/plans/${planId}`, owner.cookie));
    expect(plan).toContain("ignore previous instructions"); // shown as text
    expect(plan).toContain("click me"); // the link's text survives, without its address
  });
});
