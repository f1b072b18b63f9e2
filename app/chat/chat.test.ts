// The chat path through the Worker: the upgrade's checks, then the room's protocol.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { sessions, workspaceMembers } from "../../db/schema.ts";
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
import type { ChatRoom } from "../../workers/chat-room.ts";
import { currentWorkspace } from "../onboarding/onboarding.server.ts";
import { scriptFake } from "../plans/test-support.ts";
import type { ServerFrame } from "./protocol.ts";
import { ensureRooms, listRooms } from "./rooms.server.ts";

// The first request builds the whole app inside workerd: slow on a loaded machine, so warm up first.
beforeAll(async () => {
  await ensureInstance();
  await send("/login");
}, 180_000);
vi.setConfig({ testTimeout: 60_000 });

async function person(label: string) {
  const user = await createTestUser({ label });
  const cookie = await signIn(user);
  const workspaceId = (await currentWorkspace(testDb(), user.id))!;
  await ensureRooms(testDb(), workspaceId, user.id);
  const rooms = await listRooms(testDb(), workspaceId, user.id);
  return { user, cookie, workspaceId, general: rooms.find((room) => room.kind === "general")!.id };
}

function upgrade(roomId: string, headers: Record<string, string>, query = "") {
  return send(
    new Request(`${origin}/chat/${roomId}/socket${query}`, {
      headers: { Upgrade: "websocket", Origin: origin, ...headers },
    }),
  );
}

async function connect(roomId: string, cookie: string, query = "") {
  const response = await upgrade(roomId, { Cookie: cookie }, query);
  expect(response.status).toBe(101);
  const socket = response.webSocket!;
  const frames: ServerFrame[] = [];
  const waiters: (() => void)[] = [];
  socket.addEventListener("message", (event) => {
    frames.push(JSON.parse(String(event.data)));
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener("close", resolve));
  socket.accept();
  /** Waits for a frame matching `test` (already received or coming). */
  async function next<T extends ServerFrame["type"]>(
    type: T,
    test: (frame: Extract<ServerFrame, { type: T }>) => boolean = () => true,
  ) {
    for (;;) {
      const found = frames.find((frame) => frame.type === type && test(frame as Extract<ServerFrame, { type: T }>));
      if (found) return found as Extract<ServerFrame, { type: T }>;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }
  return { socket, frames, closed, next, send: (frame: unknown) => socket.send(JSON.stringify(frame)) };
}

describe("the upgrade", () => {
  it("answers 401 without a session, 403 cross-site, 404 for another workspace's room", async () => {
    const alice = await person("chat");
    const mallory = await person("mallory");
    expect((await upgrade(alice.general, {})).status).toBe(401);
    expect((await upgrade(alice.general, { Cookie: alice.cookie, Origin: "https://evil.example" })).status).toBe(403);
    expect((await upgrade(alice.general, { Cookie: mallory.cookie })).status).toBe(404);
    expect((await upgrade(crypto.randomUUID(), { Cookie: alice.cookie })).status).toBe(404);
    const connected = await connect(alice.general, alice.cookie);
    const welcome = await connected.next("welcome");
    expect(welcome.you).toBe(alice.user.id);
    expect(welcome.online.map((who) => who.userId)).toEqual([alice.user.id]);
  });
});

/** An owner and a teammate in the owner's workspace, both signed in. */
async function team() {
  const owner = await person("owner");
  const mate = await person("mate");
  await testDb().insert(workspaceMembers).values({
    workspaceId: owner.workspaceId,
    userId: mate.user.id,
    role: "member",
    createdAt: new Date(),
    selectedAt: new Date(),
  });
  return { owner, mate };
}

describe("a socket whose session ends", () => {
  it("is closed (4001) at the room's next session check; other sockets stay", async () => {
    const { owner, mate } = await team();
    const ownerSocket = await connect(owner.general, owner.cookie);
    const mateSocket = await connect(owner.general, mate.cookie);
    await mateSocket.next("welcome");
    const sessionId = mate.cookie.split("=")[1]!.split(".")[0]!;
    await testDb().delete(sessions).where(eq(sessions.id, sessionId)); // sign-out, revoke and reset all do this
    const closed = await runInDurableObject(env.CHAT_ROOM.getByName(owner.general), (room: ChatRoom) =>
      room.closeEndedSessions(),
    );
    expect(closed).toBe(1);
    expect((await mateSocket.closed).code).toBe(4001);
    expect(ownerSocket.socket.readyState).toBe(WebSocket.OPEN);
    // And the old cookie cannot connect again
    expect((await upgrade(owner.general, { Cookie: mate.cookie })).status).toBe(401);
  });
});

describe("the room page", () => {
  it("renders the latest messages on the server and posts through the room without JavaScript", async () => {
    const { owner, mate } = await team();
    const live = await connect(owner.general, owner.cookie);
    const clientId = crypto.randomUUID();
    const text = `Hello @${owner.user.username} <script>alert(1)</script> **bold**`;
    const posted = await postAs(`/chat/${owner.general}`, mate.cookie, { intent: "send", text, clientId });
    expect(posted.status).toBe(302);
    // The form's message reached the socket too
    expect((await live.next("message")).message.author).toBe(mate.user.username);
    // Resubmitting the same form stores nothing more
    await postAs(`/chat/${owner.general}`, mate.cookie, { intent: "send", text, clientId });
    const page = await getAs(`/chat/${owner.general}`, owner.cookie);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html.match(/data-testid="message"/g)).toHaveLength(1);
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain(`<mark class="mention">@${owner.user.username}</mark>`);
    expect(html).toContain('http-equiv="refresh"');
  });

  it("refuses an empty or too long message with 400", async () => {
    const alice = await person("chat");
    for (const text of ["   ", "x".repeat(4001)]) {
      const response = await postAs(`/chat/${alice.general}`, alice.cookie, {
        intent: "send",
        text,
        clientId: crypto.randomUUID(),
      });
      expect(response.status).toBe(400);
    }
  });

  it("answers 404 for another workspace's room, and for someone else's Ask Alva room", async () => {
    const { owner, mate } = await team();
    const mallory = await person("mallory");
    expect((await getAs(`/chat/${owner.general}`, mallory.cookie)).status).toBe(404);
    const attempts: Record<string, string>[] = [
      { intent: "send", text: "hi", clientId: crypto.randomUUID() },
      { intent: "create-room", name: "x" },
      { intent: "rename", name: "x" },
      { intent: "archive" },
      { intent: "stop", id: "1" },
    ];
    for (const fields of attempts) {
      expect((await postAs(`/chat/${owner.general}`, mallory.cookie, fields)).status).toBe(404);
    }
    const ownersAlva = (await listRooms(testDb(), owner.workspaceId, owner.user.id)).find(
      (room) => room.kind === "alva",
    )!;
    expect((await getAs(`/chat/${ownersAlva.id}`, mate.cookie)).status).toBe(404);
    expect((await upgrade(ownersAlva.id, { Cookie: mate.cookie })).status).toBe(404);
  });

  it("members add, rename and archive rooms; the list counts unread messages", async () => {
    const { owner, mate } = await team();
    const created = await postAs(`/chat/${owner.general}`, mate.cookie, {
      intent: "create-room",
      name: "launch",
      topic: "Spring launch",
    });
    const roomPath = created.headers.get("Location")!;
    expect(roomPath).toMatch(/^\/chat\/[0-9a-f-]{36}$/);
    await postAs(roomPath, mate.cookie, { intent: "send", text: "plan?", clientId: crypto.randomUUID() });
    const general = await (await getAs(`/chat/${owner.general}`, owner.cookie)).text();
    expect(general).toContain("launch");
    expect(general).toMatch(/data-testid="unread"[^>]*>1</);
    expect((await postAs(roomPath, owner.cookie, { intent: "rename", name: "launch-2026", topic: "" })).status).toBe(
      302,
    );
    expect((await postAs(roomPath, owner.cookie, { intent: "archive" })).status).toBe(302);
    const archived = await postAs(roomPath, mate.cookie, {
      intent: "send",
      text: "late",
      clientId: crypto.randomUUID(),
    });
    expect(archived.status).toBe(409);
    const page = await (await getAs(roomPath, mate.cookie)).text();
    expect(page).toContain("launch-2026");
    expect(page).toContain("This room is archived");
  });

  it("/chat opens the current workspace's general room", async () => {
    const alice = await person("chat");
    const response = await getAs("/chat", alice.cookie);
    expect(response.headers.get("Location")).toBe(`/chat/${alice.general}`);
  });
});

describe("Alva through the Worker", () => {
  it("answers @alva on a socket, with the room's kind and workspace told by the Worker", async () => {
    const alice = await person("alvaw");
    const live = await connect(alice.general, alice.cookie);
    live.send({ type: "send", clientId: "q", text: "@alva hello" });
    const done = await live.next("updated", (frame) => frame.message.answer?.state === "complete");
    expect(done.message.text).toBe(
      `Fake answer for unknown. Plan: none. Turns: 1. Last: [${alice.user.username}] @alva hello`,
    );
  });

  it("without JavaScript: asks in the Ask Alva room, shows Alva writing with a Stop button that stops it", async () => {
    const alice = await person("alvanojs");
    const ask = (await listRooms(testDb(), alice.workspaceId, alice.user.id)).find((room) => room.kind === "alva")!;
    await scriptFake(`chat:${ask.id}`, ["slow"]);
    const posted = await postAs(`/chat/${ask.id}`, alice.cookie, {
      intent: "send",
      text: "What should I post this week?",
      clientId: crypto.randomUUID(),
    });
    expect(posted.status).toBe(302);
    const stub = env.CHAT_ROOM.getByName(ask.id);
    const answer = (await stub.latest()).messages.find((message) => message.answer)!;
    expect(answer.answer?.state).toBe("streaming");
    const page = await (await getAs(`/chat/${ask.id}`, alice.cookie)).text();
    expect(page).toContain('data-answer="streaming"');
    expect(page).toContain("Alva is writing…");
    expect(page).toMatch(
      new RegExp(`name="intent" value="stop"/><input type="hidden" name="id" value="${answer.id}"/>`),
    );

    const stopped = await postAs(`/chat/${ask.id}`, alice.cookie, { intent: "stop", id: String(answer.id) });
    expect(stopped.status).toBe(302);
    await vi.waitFor(async () => {
      const now = (await stub.latest()).messages.find((message) => message.id === answer.id)!;
      expect(now.answer?.state).toBe("stopped");
    });
    const after = await (await getAs(`/chat/${ask.id}`, alice.cookie)).text();
    expect(after).toContain("Stopped by ");
    // Stopping again (an answer already finished) is not an error page.
    expect((await postAs(`/chat/${ask.id}`, alice.cookie, { intent: "stop", id: String(answer.id) })).status).toBe(302);
  });
});
