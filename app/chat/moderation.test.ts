// Chat moderation (decision 0101): deleting others' messages and muting someone in a room for a while,
// on the room page without JavaScript, on the socket and in the API; site moderators' and admins'
// actions land in the audit log.
import { env } from "cloudflare:workers";
import { and, desc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { auditLog, type Role, workspaceMembers } from "../../db/schema.ts";
import { api, apiSignIn, expectProblem } from "../../tests/support/api.ts";
import {
  createTestUser,
  ensureInstance,
  getAs,
  origin,
  postAs,
  send,
  signIn,
  testDb,
} from "../../tests/worker-helpers.ts";
import { currentWorkspace } from "../onboarding/onboarding.server.ts";
import type { ServerFrame } from "./protocol.ts";
import { ensureRooms, listRooms } from "./rooms.server.ts";

beforeAll(async () => {
  await ensureInstance();
  await send("/login");
}, 180_000);
vi.setConfig({ testTimeout: 60_000 });

async function person(label: string, role: Role = "user") {
  const user = await createTestUser({ label, role });
  const cookie = await signIn(user);
  return { user, cookie };
}

/** An owner's workspace with its general room, a member, and a site moderator who joined it. */
async function room() {
  const owner = await person("mod_owner");
  const member = await person("mod_member");
  const moderator = await person("mod_site", "moderator");
  const workspaceId = (await currentWorkspace(testDb(), owner.user.id))!;
  await ensureRooms(testDb(), workspaceId, owner.user.id);
  const general = (await listRooms(testDb(), workspaceId, owner.user.id)).find((r) => r.kind === "general")!.id;
  for (const who of [member, moderator]) {
    await testDb()
      .insert(workspaceMembers)
      .values({ workspaceId, userId: who.user.id, role: "member", createdAt: new Date(), selectedAt: null });
  }
  return { owner, member, moderator, general, workspaceId };
}

async function openSocket(roomId: string, cookie: string) {
  const response = await send(
    new Request(`${origin}/chat/${roomId}/socket`, {
      headers: { Upgrade: "websocket", Origin: origin, Cookie: cookie },
    }),
  );
  expect(response.status).toBe(101);
  const socket = response.webSocket!;
  const frames: ServerFrame[] = [];
  const waiters: (() => void)[] = [];
  socket.addEventListener("message", (event) => {
    frames.push(JSON.parse(String(event.data)));
    for (const wake of waiters.splice(0)) wake();
  });
  socket.accept();
  async function next<T extends ServerFrame["type"]>(
    type: T,
    test: (frame: Extract<ServerFrame, { type: T }>) => boolean,
  ) {
    for (;;) {
      const found = frames.find((frame) => frame.type === type && test(frame as Extract<ServerFrame, { type: T }>));
      if (found) return found as Extract<ServerFrame, { type: T }>;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }
  return { socket, next, send: (frame: unknown) => socket.send(JSON.stringify(frame)) };
}

const say = (roomId: string, cookie: string, text: string) =>
  postAs(`/chat/${roomId}`, cookie, { intent: "send", text, clientId: crypto.randomUUID() });

const messageIdOf = (response: Response) => Number(/#message-(\d+)$/.exec(response.headers.get("Location") ?? "")?.[1]);

async function auditOf(actorId: string) {
  return testDb().select().from(auditLog).where(eq(auditLog.actorId, actorId)).orderBy(desc(auditLog.id));
}

describe("muting", () => {
  it("refuses a muted member's posts on the socket, the form and the API until the mute ends or is lifted", async () => {
    const { member, moderator, general } = await room();
    const socket = await openSocket(general, member.cookie);

    const muted = await postAs(`/chat/${general}`, moderator.cookie, {
      intent: "mute",
      userId: member.user.id,
      minutes: "10",
    });
    expect(muted.status).toBe(302);

    socket.send({ type: "send", clientId: crypto.randomUUID(), text: "hello?" });
    const error = await socket.next("error", (frame) => frame.code === "muted");
    expect(error.message).toMatch(/^A moderator muted you in this room until \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/);

    const form = await say(general, member.cookie, "still here");
    expect(form.status).toBe(403);
    expect(await form.text()).toContain("A moderator muted you in this room until");
    const page = await (await getAs(`/chat/${general}`, member.cookie)).text();
    expect(page).toContain('data-testid="muted-note"');

    const tokens = await apiSignIn(member.user);
    const viaApi = await expectProblem(
      await api(`/api/v1/rooms/${general}/messages`, {
        token: tokens.accessToken,
        body: { clientId: crypto.randomUUID(), text: "api" },
      }),
      403,
    );
    expect(viaApi.detail).toContain("muted");

    // The moderator sees the mute and lifts it.
    const modPage = await (await getAs(`/chat/${general}`, moderator.cookie)).text();
    expect(modPage).toContain(`Unmute @${member.user.username}`);
    await postAs(`/chat/${general}`, moderator.cookie, { intent: "unmute", userId: member.user.id });
    expect((await say(general, member.cookie, "back")).status).toBe(302);
    socket.socket.close();

    const entries = await auditOf(moderator.user.id);
    expect(entries.map((entry) => entry.action)).toEqual(["chat.unmute", "chat.mute"]);
    expect(entries[1]).toMatchObject({ targetUserId: member.user.id, targetLabel: member.user.username });
    expect(JSON.parse(entries[1]!.detail!)).toMatchObject({ roomId: general, minutes: 10 });
  });

  it("lets a workspace owner mute (not audited: not a site action) and refuses a plain member", async () => {
    const { owner, member, moderator, general } = await room();
    const refused = await postAs(`/chat/${general}`, member.cookie, {
      intent: "mute",
      userId: moderator.user.id,
      minutes: "60",
    });
    expect(refused.status).toBe(403);
    expect((await say(general, moderator.cookie, "not muted")).status).toBe(302);

    const byOwner = await postAs(`/chat/${general}`, owner.cookie, {
      intent: "mute",
      userId: member.user.id,
      minutes: "60",
    });
    expect(byOwner.status).toBe(302);
    expect((await say(general, member.cookie, "x")).status).toBe(403);
    expect(await auditOf(owner.user.id)).toEqual([]);

    // Nobody outside the workspace can be muted, and nobody mutes themselves.
    const stranger = await person("mod_stranger");
    const outside = await postAs(`/chat/${general}`, owner.cookie, {
      intent: "mute",
      userId: stranger.user.id,
      minutes: "10",
    });
    expect(outside.status).toBe(404);
    const self = await postAs(`/chat/${general}`, owner.cookie, {
      intent: "mute",
      userId: owner.user.id,
      minutes: "10",
    });
    expect(self.status).toBe(400);
    const junk = await postAs(`/chat/${general}`, owner.cookie, {
      intent: "mute",
      userId: member.user.id,
      minutes: "9999",
    });
    expect(junk.status).toBe(400);
  });

  it("is out of reach for a site moderator who is not a member of the workspace (404)", async () => {
    const { member, general } = await room();
    const outsider = await person("mod_outsider", "moderator");
    const response = await postAs(`/chat/${general}`, outsider.cookie, {
      intent: "mute",
      userId: member.user.id,
      minutes: "10",
    });
    expect(response.status).toBe(404);
  });
});

describe("deleting messages", () => {
  it("lets a site moderator delete anyone's message with the no-JavaScript form and on the socket, audited", async () => {
    const { member, moderator, general } = await room();
    const first = messageIdOf(await say(general, member.cookie, "first"));
    const second = messageIdOf(await say(general, member.cookie, "second"));

    const deleted = await postAs(
      `/chat/${general}`,
      moderator.cookie,
      { intent: "delete", id: String(first) },
      {
        "CF-Connecting-IP": "203.0.113.77",
      },
    );
    expect(deleted.status).toBe(302);
    const latest = await env.CHAT_ROOM.getByName(general).latest();
    expect(latest.messages.find((message) => message.id === first)).toMatchObject({ deleted: true, text: null });

    const socket = await openSocket(general, moderator.cookie);
    socket.send({ type: "delete", id: second });
    await socket.next("updated", (frame) => frame.message.id === second && frame.message.deleted);
    socket.socket.close();

    await vi.waitFor(async () => {
      const entries = await testDb()
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.actorId, moderator.user.id), eq(auditLog.action, "chat.message-delete")))
        .orderBy(desc(auditLog.id));
      expect(entries.map((entry) => JSON.parse(entry.detail!).messageId)).toEqual([second, first]);
      expect(entries[1]!.ip).toBe("203.0.113.77");
      expect(entries[0]!.targetUserId).toBe(member.user.id);
    });
  });

  it("refuses a plain member deleting someone else's message (403), and audits nobody's own deletions", async () => {
    const { owner, member, general } = await room();
    const theirs = messageIdOf(await say(general, owner.cookie, "owner's"));
    const refused = await postAs(`/chat/${general}`, member.cookie, { intent: "delete", id: String(theirs) });
    expect(refused.status).toBe(403);
    const own = messageIdOf(await say(general, member.cookie, "mine"));
    expect((await postAs(`/chat/${general}`, member.cookie, { intent: "delete", id: String(own) })).status).toBe(302);
    expect(await auditOf(member.user.id)).toEqual([]);
  });
});
