import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import {
  activeUserDays,
  chatRoomDays,
  onboardingCardDays,
  planJobs,
  userLastActive,
  users,
  waitlist,
  workspaces,
} from "../../db/schema.ts";
import { createTestUser, ensureInstance, getAs, signIn, testDb } from "../../tests/worker-helpers.ts";
import type { ChatRoom } from "../../workers/chat-room.ts";
import { validateSessionToken } from "../accounts/session.server.ts";
import { cards } from "../onboarding/cards.ts";
import { currentWorkspace, saveAnswer } from "../onboarding/onboarding.server.ts";
import { csvCell, toCsv } from "../platform/csv.ts";
import { aiPrices, loadAdminStats } from "./stats.server.ts";
import { statsTable } from "./stats-tables.ts";

beforeAll(ensureInstance);

const DAY = 86_400_000;

describe("who may see the statistics", () => {
  it.each(["user", "moderator"] as const)("answers 403 to a %s, for the page and each CSV", async (role) => {
    const cookie = await signIn(await createTestUser({ label: `stats${role}`, role }));
    for (const path of [
      "/admin/stats",
      "/admin/stats?days=7",
      "/admin/stats/download/signups",
      "/admin/stats/download/tokens",
    ]) {
      const response = await getAs(path, cookie);
      expect(response.status, path).toBe(403);
      expect(response.headers.get("Content-Type"), path).not.toContain("text/csv");
    }
  });

  it("sends anonymous visitors to sign in", async () => {
    for (const path of ["/admin/stats", "/admin/stats/download/chat"]) {
      const response = await getAs(path, "");
      expect(response.status, path).toBe(302);
      expect(response.headers.get("Location"), path).toMatch(/^\/login\?redirectTo=/);
    }
  });

  it("shows an admin every chart with a table and a CSV link, without JavaScript", async () => {
    const cookie = await signIn(await createTestUser({ label: "statsadmin", role: "admin" }));
    for (const days of ["7", "30", "90", "nonsense"]) {
      const response = await getAs(`/admin/stats?days=${days}`, cookie);
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain("Sign-ups per day");
      expect(html).toContain("Onboarding funnel");
      expect(html.match(/<svg[^>]*aria-hidden="true"/g)?.length).toBeGreaterThanOrEqual(8);
      expect(html.match(/<div class="sr-only"><table>/g)?.length).toBe(8);
      const period = days === "nonsense" ? "30" : days;
      expect(html).toContain(`/admin/stats/download/funnel?days=${period}`);
    }
    const csv = await getAs("/admin/stats/download/signups?days=7", cookie);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("Content-Disposition")).toMatch(
      /^attachment; filename="alva-signups-[\d-]+-to-[\d-]+\.csv"$/,
    );
    const lines = (await csv.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe("Day,Sign-ups");
    expect(lines).toHaveLength(8);
    expect((await getAs("/admin/stats/download/passwords", cookie)).status).toBe(404);
  });
});

describe("CSV", () => {
  it("quotes what needs quoting and defuses formulas", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell('say "hi", then go')).toBe('"say ""hi"", then go"');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    for (const formula of ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]) {
      expect(csvCell(formula).replace(/^"/, "").startsWith("'"), formula).toBe(true);
    }
    expect(csvCell(-5)).toBe("-5");
    expect(csvCell(null)).toBe("");
    expect(toCsv(["a", "b"], [["=1", 2]])).toBe("a,b\r\n'=1,2\r\n");
  });
});

describe("the aggregates", () => {
  it("counts a small seeded data set exactly", async () => {
    // A window far in the future that only this test writes to.
    const year = 2100 + Math.floor(Math.random() * 800);
    const now = Date.parse(`${year}-06-30T12:00:00Z`);
    const at = (daysAgo: number, hour = 10) =>
      new Date(Date.parse(`${year}-06-30T00:00:00Z`) - daysAgo * DAY + hour * 3_600_000);
    const day = (daysAgo: number) => at(daysAgo).toISOString().slice(0, 10);
    const db = testDb();
    const tag = crypto.randomUUID().slice(0, 8);

    // Three accounts: two today, one 3 days ago; one more 10 days ago (outside a 7-day period).
    const ids = [0, 0, 3, 10].map(() => crypto.randomUUID());
    await db.insert(users).values(
      [0, 0, 3, 10].map((ago, i) => ({
        id: ids[i]!,
        username: `st${tag}${i}`,
        email: `st${tag}${i}@example.com`,
        createdAt: at(ago),
      })),
    );
    // Activity: users 0 and 1 last active today (and 0 yesterday), user 2 twenty days ago.
    await db.insert(activeUserDays).values([
      { day: day(0), users: 2 },
      { day: day(1), users: 1 },
      { day: day(20), users: 1 },
    ]);
    await db.insert(userLastActive).values([
      { day: day(0), userId: ids[0]! },
      { day: day(0), userId: ids[1]! },
      { day: day(20), userId: ids[2]! },
    ]);
    // Two workspaces in the period: both answered the first card (one yesterday), then one answered and one skipped the second.
    const spaces = [crypto.randomUUID(), crypto.randomUUID()];
    await db.insert(workspaces).values(spaces.map((id, i) => ({ id, name: "W", ownerId: ids[i]!, createdAt: at(0) })));
    const [first, second, third] = cards;
    await db.insert(onboardingCardDays).values([
      { day: day(0), cardId: first!.id, answered: 1 },
      { day: day(1), cardId: first!.id, answered: 1 },
      { day: day(0), cardId: second!.id, answered: 1, skipped: 1 },
    ]);
    // Plans: two succeeded today (4 s and 6 s), one failed after every retry yesterday, one failed otherwise.
    const job = (ago: number, status: "succeeded" | "failed", seconds: number, lastError: string | null = null) => ({
      id: crypto.randomUUID(),
      workspaceId: spaces[0]!,
      kind: "plan" as const,
      profileRevision: 1,
      status,
      lastError,
      deadlineAt: at(ago, 11),
      model: status === "succeeded" ? `model-${tag}` : null,
      tokensIn: status === "succeeded" ? 1_000_000 : null,
      tokensOut: status === "succeeded" ? 500_000 : null,
      createdAt: at(ago),
      startedAt: at(ago),
      finishedAt: new Date(at(ago).getTime() + seconds * 1000),
    });
    await db
      .insert(planJobs)
      .values([
        job(0, "succeeded", 4),
        job(0, "succeeded", 6),
        job(1, "failed", 1, "Gave up after 3 attempts: timeout"),
        job(1, "failed", 1, "The profile changed."),
      ]);
    // Chat: a room's counts for today and two days ago.
    await db.insert(chatRoomDays).values([
      { day: day(0), roomId: `room-${tag}`, model: "", messages: 12 },
      { day: day(0), roomId: `room-${tag}`, model: `model-${tag}`, answers: 2, tokensIn: 2_000_000, tokensOut: 0 },
      { day: day(2), roomId: `room2-${tag}`, model: "", messages: 5 },
    ]);
    await db.insert(waitlist).values([
      { email: `w1-${tag}@example.com`, createdAt: at(0) },
      { email: `w2-${tag}@example.com`, createdAt: at(40) },
    ]);

    const prices = aiPrices({ AI_PRICES: JSON.stringify({ [`model-${tag}`]: { input: 1, output: 2 } }) });
    const stats = await loadAdminStats(db, { period: 7, prices, now });
    expect(stats.days).toHaveLength(7);
    expect(stats.days.at(-1)).toBe(day(0));
    expect(stats.signups.at(-1)).toBe(2);
    expect(stats.signups.at(-4)).toBe(1);
    expect(stats.signups.reduce((a, b) => a + b)).toBe(3);
    expect(stats.activeUsers.slice(-2)).toEqual([1, 2]);
    expect(stats.active).toEqual({ today: 2, week: 2, month: 3 });

    expect(stats.funnel.cohort).toBe(2);
    expect(stats.funnel.cards[0]).toMatchObject({ id: first!.id, reached: 2, answered: 2, skipped: 0, droppedOff: 0 });
    expect(stats.funnel.cards[1]).toMatchObject({ id: second!.id, reached: 2, answered: 1, skipped: 1, droppedOff: 0 });
    expect(stats.funnel.cards[2]).toMatchObject({ id: third!.id, reached: 2, answered: 0, skipped: 0, droppedOff: 2 });
    expect(stats.funnel.cards).toHaveLength(cards.length);

    expect(stats.plans.succeeded.at(-1)).toBe(2);
    expect(stats.plans.failed.at(-2)).toBe(2);
    expect(stats.plans.averageSeconds.at(-1)).toBe(5);
    expect(stats.planTotals).toEqual({ succeeded: 2, failed: 2, averageSeconds: 5, maxSeconds: 6 });
    expect(stats.queue.failed).toBe(2);
    expect(stats.queue.deadLettered).toBe(1);

    expect(stats.tokens).toEqual([
      { model: `model-${tag}`, source: "chat", calls: 2, tokensIn: 2_000_000, tokensOut: 0, costUsd: 2 },
      { model: `model-${tag}`, source: "plans", calls: 2, tokensIn: 2_000_000, tokensOut: 1_000_000, costUsd: 4 },
    ]);
    expect(stats.chat.messages.at(-1)).toBe(12);
    expect(stats.chat.messages.at(-3)).toBe(5);
    expect(stats.chat.answers.at(-1)).toBe(2);
    expect(stats.waitlist.reduce((a, b) => a + b)).toBe(1);

    // The CSV tables carry the same numbers.
    expect(statsTable(stats, "signups").rows.at(-1)).toEqual([day(0), 2]);
    expect(statsTable(stats, "tokens").rows[1]).toEqual([`model-${tag}`, "plans", 2, 2_000_000, 1_000_000, 4]);
  });

  it("ignores malformed AI prices instead of failing", () => {
    expect(aiPrices({ AI_PRICES: "not json" })).toEqual({});
    expect(aiPrices({ AI_PRICES: '{"m":{"input":-1,"output":2}}' })).toEqual({});
    expect(aiPrices({})).toEqual({});
  });
});

describe("the daily activity roll-up", () => {
  it("counts a user once per day, when a session is created or used on a new day", async () => {
    const user = await createTestUser({ label: "active" });
    const db = testDb();
    const year = 2100 + Math.floor(Math.random() * 800);
    const start = Date.parse(`${year}-03-01T23:30:00Z`);
    const countOf = async (day: string) =>
      (await db.select().from(activeUserDays).where(eq(activeUserDays.day, day)))[0]?.users ?? 0;
    const cookie = await signIn(user, { now: start });
    await signIn(user, { now: start + 60_000 }); // a second device the same day: not counted again
    expect(await countOf(`${year}-03-01`)).toBe(1);
    const token = decodeURIComponent(cookie.split("=")[1]!);
    // Half an hour later, on the next UTC day: refreshed although less than an hour passed.
    expect(await validateSessionToken(db, token, start + 30 * 60_000)).toMatchObject({ refreshed: true });
    expect(await countOf(`${year}-03-02`)).toBe(1);
    const [last] = await db.select().from(userLastActive).where(eq(userLastActive.userId, user.id));
    expect(last?.day).toBe(`${year}-03-02`);
  });

  it("counts a card of the funnel when it is first answered or skipped, not when the answer changes", async () => {
    const db = testDb();
    const user = await createTestUser({ label: "funnel" });
    const workspaceId = (await currentWorkspace(db, user.id))!;
    const card = cards.find((each) => !each.required)!;
    const today = new Date().toISOString().slice(0, 10);
    const counted = async () =>
      (
        await db
          .select()
          .from(onboardingCardDays)
          .where(and(eq(onboardingCardDays.day, today), eq(onboardingCardDays.cardId, card.id)))
      )[0] ?? { answered: 0, skipped: 0 };
    const before = await counted();
    const save = (skipped: boolean) =>
      saveAnswer(db, { workspaceId, userId: user.id, cardId: card.id, value: null, skipped, answers: new Map() });
    await save(true);
    await save(false);
    await save(true);
    const after = await counted();
    expect([after.answered - before.answered, after.skipped - before.skipped]).toEqual([0, 1]);
  });
});

describe("chat day counts", () => {
  it("are flushed to chat_room_days as absolute values, once per flush, not per message", async () => {
    const roomId = `stats-room-${crypto.randomUUID()}`;
    const stub = env.CHAT_ROOM.get(env.CHAT_ROOM.idFromName(roomId));
    const today = new Date().toISOString().slice(0, 10);
    const counted = async () =>
      (await testDb().select().from(chatRoomDays).where(eq(chatRoomDays.roomId, roomId))).map((row) => ({
        day: row.day,
        model: row.model,
        messages: row.messages,
      }));
    await runInDurableObject(stub, async (room: ChatRoom, state) => {
      state.storage.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('room_id', ?)", roomId);
      const count = (room as unknown as { count: (add: { messages: number }) => void }).count.bind(room);
      count({ messages: 1 });
      count({ messages: 1 });
      expect(await counted()).toEqual([]);
      expect(await room.flushDayCounts()).toBe(1);
      expect(await room.flushDayCounts()).toBe(0);
      count({ messages: 1 });
      expect(await room.flushDayCounts()).toBe(1);
    });
    expect(await counted()).toEqual([{ day: today, model: "", messages: 3 }]);
  });
});
