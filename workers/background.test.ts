import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createSession } from "../app/accounts/session.server.ts";
import { emailVerifications, passwordResets, sessions } from "../db/schema.ts";
import { createTestUser, ensureInstance, testDb } from "../tests/worker-helpers.ts";
import worker from "./app.ts";
import { CLEANUP_CRON, cleanupTasks } from "./background.ts";

afterEach(() => vi.restoreAllMocks());

describe("queue entry point", () => {
  it("hands plan-job batches to the plan-jobs consumer, which acks each message (an unknown job and a malformed one)", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const batch = createMessageBatch("alva-plan-jobs", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { jobId: "job-1" } },
      { id: "m2", timestamp: new Date(), attempts: 1, body: { not: "a job" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m1", "m2"]);
    expect(result.retryMessages).toEqual([]);
    // job-1 names no job: the consumer settles it without a model call; the malformed one is logged.
    expect(errors.mock.calls.some(([line]) => String(line).includes("plan job message malformed"))).toBe(true);
  });

  it("acknowledges dead-lettered jobs after recording them", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const batch = createMessageBatch("alva-plan-jobs-dead", [
      { id: "d1", timestamp: new Date(), attempts: 4, body: { jobId: "job-9" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["d1"]);
    expect(errors.mock.calls.some(([line]) => String(line).includes("plan job gave up"))).toBe(true);
  });

  it("retries a batch from a queue it has no consumer for, rather than dropping it", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const batch = createMessageBatch("some-other-queue", [{ id: "x1", timestamp: new Date(), attempts: 1, body: {} }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).retryBatch.retry).toBe(true);
  });
});

describe("scheduled entry point", () => {
  it("runs every cleanup task on the cleanup cron, even when one fails", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const ran: string[] = [];
    const scheduledTime = Date.UTC(2026, 10, 23, 12, 30);
    cleanupTasks.push(
      {
        name: "broken",
        run: async () => {
          throw new Error("disk on fire");
        },
      },
      {
        name: "expired-things",
        run: async (_env, now) => {
          ran.push(now.toISOString());
          return 3;
        },
      },
    );
    try {
      await worker.scheduled(createScheduledController({ cron: CLEANUP_CRON, scheduledTime }), env);
    } finally {
      cleanupTasks.splice(-2, 2);
    }
    expect(ran).toEqual([new Date(scheduledTime).toISOString()]);
    const report = log.mock.calls
      .map(([line]) => JSON.parse(String(line)))
      .find((line) => line.msg === "cleanup finished");
    expect(report.report).toMatchObject({ broken: "failed: disk on fire", "expired-things": 3 });
  });

  it("deletes expired sessions, verification codes and reset tokens, and keeps live ones", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    await ensureInstance();
    const user = await createTestUser();
    const db = testDb();
    const day = 24 * 60 * 60 * 1000;
    const live = await createSession(db, { userId: user.id, persistent: true, request: new Request("http://x/") });
    const idle = await createSession(db, {
      userId: user.id,
      persistent: true,
      request: new Request("http://x/"),
      now: Date.now() - 11 * day,
    });
    const past = new Date(Date.now() - 2 * 60 * 60 * 1000);
    const future = new Date(Date.now() + 60 * 60 * 1000);
    const token = (label: string) => ({
      id: crypto.randomUUID(),
      userId: user.id,
      tokenHash: `${label}-${crypto.randomUUID()}`,
      createdAt: past,
    });
    await db.insert(passwordResets).values([
      { ...token("old"), expiresAt: past },
      { ...token("new"), expiresAt: future },
    ]);
    const code = (expiresAt: Date) => ({
      ...token("code"),
      purpose: "verify-email" as const,
      email: user.email,
      codeHash: "x",
      expiresAt,
    });
    await db.insert(emailVerifications).values([code(past), code(future)]);

    await worker.scheduled(createScheduledController({ cron: CLEANUP_CRON, scheduledTime: Date.now() }), env);

    const sessionIds = (await db.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, user.id))).map(
      (r) => r.id,
    );
    expect(sessionIds).toEqual([live.session.id]);
    expect(sessionIds).not.toContain(idle.session.id);
    const resets = await db.select().from(passwordResets).where(eq(passwordResets.userId, user.id));
    expect(resets.map((r) => r.expiresAt.getTime())).toEqual([future.getTime()]);
    const codes = await db.select().from(emailVerifications).where(eq(emailVerifications.userId, user.id));
    expect(codes.map((r) => r.expiresAt.getTime())).toEqual([future.getTime()]);
  });

  it("matches the cron configured in wrangler.toml", async () => {
    const { default: config } = await import("../wrangler.toml?raw");
    expect(config).toContain(`crons = ["${CLEANUP_CRON}"]`);
  });
});
