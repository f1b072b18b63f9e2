// The ChatRoom object on its own, reached through its stub with the headers the Worker sets (the
// Worker's checks are tested in app/chat/chat.test.ts).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { appendChunk, type ChatMessage, type ServerFrame } from "../app/chat/protocol.ts";
import { createPlanWorkspace, fakeCalls, insertPlan, scriptFake } from "../app/plans/test-support.ts";
import {
  ALVA_QUEUE_LIMIT,
  ANSWER_HEARTBEAT_MS,
  ChatRoom,
  MAX_MESSAGE_BYTES,
  messageLimit,
  verifiedHeaders,
} from "./chat-room.ts";

vi.setConfig({ testTimeout: 60_000 });

interface Who {
  userId: string;
  name: string;
  moderator?: boolean;
  unverified?: boolean;
}

const newUser = (name: string): Who => ({ userId: crypto.randomUUID(), name });

async function connect(
  stub: DurableObjectStub,
  who: Who,
  after?: number,
  room: { id?: string; kind?: "general" | "topic" | "alva"; workspaceId?: string } = {},
) {
  const response = await stub.fetch(`http://room/socket${after ? `?after=${after}` : ""}`, {
    headers: {
      Upgrade: "websocket",
      [verifiedHeaders.userId]: who.userId,
      [verifiedHeaders.username]: who.name.toLowerCase(),
      [verifiedHeaders.name]: encodeURIComponent(who.name),
      [verifiedHeaders.sessionId]: `session-${who.userId}`,
      [verifiedHeaders.workspaceId]: room.workspaceId ?? "workspace-under-test",
      [verifiedHeaders.roomId]: room.id ?? "room-under-test",
      [verifiedHeaders.roomKind]: room.kind ?? "topic",
      ...(who.moderator ? { [verifiedHeaders.moderator]: "1" } : {}),
      ...(who.unverified ? {} : { [verifiedHeaders.emailVerified]: "1" }),
    },
  });
  expect(response.status).toBe(101);
  const socket = response.webSocket!;
  const frames: ServerFrame[] = [];
  let wake: (() => void) | null = null;
  socket.addEventListener("message", (event) => {
    frames.push(JSON.parse(String(event.data)));
    wake?.();
  });
  const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener("close", resolve));
  socket.accept();
  async function next<T extends ServerFrame["type"]>(
    type: T,
    test: (frame: Extract<ServerFrame, { type: T }>) => boolean = () => true,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    for (;;) {
      const found = frames.find((frame) => frame.type === type && test(frame as Extract<ServerFrame, { type: T }>));
      if (found) return found as Extract<ServerFrame, { type: T }>;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  }
  const messages = () =>
    frames.flatMap((frame) => (frame.type === "message" ? [frame.message] : [])) satisfies ChatMessage[];
  return { socket, frames, closed, next, messages, send: (frame: unknown) => socket.send(JSON.stringify(frame)) };
}

const room = () => env.CHAT_ROOM.getByName(crypto.randomUUID());
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe("ChatRoom", () => {
  it("refuses plain HTTP with 426, and an upgrade without the Worker's headers with 400", async () => {
    const stub = room();
    expect((await stub.fetch("http://room/socket")).status).toBe(426);
    expect((await stub.fetch("http://room/socket", { headers: { Upgrade: "websocket" } })).status).toBe(400);
  });

  it("stores each message with a strictly increasing id before broadcasting it to everyone, in order", async () => {
    const stub = room();
    const alice = await connect(stub, newUser("Alice"));
    const bob = await connect(stub, newUser("Bob"));
    await bob.next("welcome");
    for (let i = 1; i <= 5; i++) alice.send({ type: "send", clientId: `c${i}`, text: `hello ${i}` });
    await bob.next("message", (frame) => frame.message.text === "hello 5");
    const received = bob.messages();
    expect(received.map((message) => message.text)).toEqual(["hello 1", "hello 2", "hello 3", "hello 4", "hello 5"]);
    const ids = received.map((message) => message.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(5);
    expect(received[0]!.author).toBe("Alice");
    // Every broadcast message was already stored
    const stored = await runInDurableObject(stub, (instance: ChatRoom) => instance.latest().messages);
    expect(stored.map((message) => message.id)).toEqual(ids);
    // The sender sees its own message too (its acknowledgement)
    await alice.next("message", (frame) => frame.message.text === "hello 5");
  });

  it("keeps rooms apart", async () => {
    const first = await connect(room(), newUser("Alice"));
    const elsewhere = await connect(room(), newUser("Bob"));
    first.send({ type: "send", clientId: "x", text: "only for room one" });
    await first.next("message");
    await settle();
    expect(elsewhere.messages()).toEqual([]);
  });

  it("stores a retried client id once and acknowledges it again", async () => {
    const stub = room();
    const alice = await connect(stub, newUser("Alice"));
    const bob = await connect(stub, newUser("Bob"));
    alice.send({ type: "send", clientId: "same", text: "once" });
    alice.send({ type: "send", clientId: "same", text: "once" });
    await alice.next("message");
    await settle();
    expect(alice.messages()).toHaveLength(2); // acknowledged twice
    expect(new Set(alice.messages().map((message) => message.id)).size).toBe(1);
    expect(bob.messages()).toHaveLength(1);
    const stored = await runInDurableObject(stub, (instance: ChatRoom) => instance.latest().messages);
    expect(stored).toHaveLength(1);
  });

  it("replays what a reconnecting client missed, then continues live", async () => {
    const stub = room();
    const alice = await connect(stub, newUser("Alice"));
    alice.send({ type: "send", clientId: "1", text: "seen" });
    const seen = (await alice.next("message")).message.id;
    const bob = newUser("Bob");
    for (const text of ["missed 1", "missed 2"]) alice.send({ type: "send", clientId: text, text });
    await alice.next("message", (frame) => frame.message.text === "missed 2");
    const back = await connect(stub, bob, seen);
    const welcome = await back.next("welcome");
    expect(welcome.mode).toBe("replay");
    expect(welcome.messages.map((message) => message.text)).toEqual(["missed 1", "missed 2"]);
    alice.send({ type: "send", clientId: "live", text: "live again" });
    expect((await back.next("message")).message.text).toBe("live again");
  });

  it("a reconnecting client also gets the edits, deletions and answers it missed of earlier messages", async () => {
    const stub = room();
    const alice = await connect(stub, newUser("Alice"));
    const bob = newUser("Bob");
    const first = await connect(stub, bob);
    alice.send({ type: "send", clientId: "1", text: "typo hree" });
    alice.send({ type: "send", clientId: "2", text: "oops" });
    const lastSeen = (await first.next("message", (frame) => frame.message.text === "oops")).message.id;
    first.socket.close(1000, "offline");
    await first.closed;
    alice.send({ type: "edit", id: lastSeen - 1, text: "typo here" });
    alice.send({ type: "delete", id: lastSeen });
    await alice.next("updated", (frame) => frame.message.deleted);
    const again = await connect(stub, bob, lastSeen);
    const welcome = await again.next("welcome");
    expect(welcome.mode).toBe("replay");
    expect(welcome.messages.map((message) => [message.id, message.text, message.deleted])).toEqual([
      [lastSeen - 1, "typo here", false],
      [lastSeen, null, true],
    ]);
  });

  it("pages history backwards 50 at a time", async () => {
    const stub = room();
    await runInDurableObject(stub, async (_instance: ChatRoom, state) => {
      const author = { userId: "u", username: "u", name: "U", moderator: false, verified: true };
      for (let i = 1; i <= 60; i++)
        state.storage.sql.exec(
          "INSERT INTO messages (client_id, user_id, username, author, text, created_at) VALUES (?, ?, ?, ?, ?, ?)",
          `m${i}`,
          author.userId,
          author.username,
          author.name,
          `message ${i}`,
          Date.now(),
        );
    });
    const alice = await connect(stub, newUser("Alice"));
    const welcome = await alice.next("welcome");
    expect(welcome.messages).toHaveLength(50);
    expect(welcome.messages[0]!.text).toBe("message 11");
    expect(welcome.hasMore).toBe(true);
    alice.send({ type: "history", before: welcome.messages[0]!.id });
    const older = await alice.next("history");
    expect(older.messages.map((message) => message.text)).toEqual(
      Array.from({ length: 10 }, (_, i) => `message ${i + 1}`),
    );
    expect(older.hasMore).toBe(false);
  });

  it("a woken object (constructor run again) rebuilds who is who from the sockets' attachments", async () => {
    const stub = room();
    const alice = await connect(stub, newUser("Alice"));
    const bob = await connect(stub, newUser("Bob"));
    await bob.next("welcome");
    await runInDurableObject(stub, async (_instance: ChatRoom, state) => {
      const woken = new ChatRoom(state, env);
      const aliceSocket = state
        .getWebSockets()
        .find((socket) => (socket.deserializeAttachment() as { name: string }).name === "Alice");
      await woken.webSocketMessage(aliceSocket!, JSON.stringify({ type: "send", clientId: "w", text: "after waking" }));
    });
    const frame = await bob.next("message", (candidate) => candidate.message.text === "after waking");
    expect(frame.message.author).toBe("Alice");
    expect(alice.socket.readyState).toBe(WebSocket.OPEN);
  });

  it("shows presence and relays typing to the others", async () => {
    const stub = room();
    const alice = await connect(stub, newUser("Alice"));
    const bob = await connect(stub, newUser("Bob"));
    const online = await alice.next("presence", (frame) => frame.online.length === 2);
    expect(online.online.map((who) => who.name)).toEqual(["Alice", "Bob"]);
    bob.send({ type: "typing" });
    expect((await alice.next("typing")).name).toBe("Bob");
    bob.socket.close(1000, "bye");
    const after = await alice.next("presence", (frame) => frame.online.length === 1);
    expect(after.online.map((who) => who.name)).toEqual(["Alice"]);
  });

  it("answers a malformed frame with an error frame and keeps the socket open", async () => {
    const stub = room();
    const alice = await connect(stub, newUser("Alice"));
    alice.socket.send("not json");
    alice.send({ type: "shout", text: "?" });
    await alice.next("error", (frame) => frame.code === "malformed");
    alice.send({ type: "send", clientId: "ok", text: "still works" });
    expect((await alice.next("message")).message.text).toBe("still works");
  });

  it("refuses a message over 4,000 characters with an error frame", async () => {
    const alice = await connect(room(), newUser("Alice"));
    alice.send({ type: "send", clientId: "long", text: "x".repeat(4001) });
    const error = await alice.next("error");
    expect(error).toMatchObject({ code: "too_long", clientId: "long" });
    expect(alice.messages()).toEqual([]);
  });

  it("closes a socket that sends an oversized frame (1009), and relays nothing", async () => {
    const stub = room();
    const alice = await connect(stub, newUser("Alice"));
    const bob = await connect(stub, newUser("Bob"));
    alice.socket.send("x".repeat(MAX_MESSAGE_BYTES + 1));
    expect((await alice.closed).code).toBe(1009);
    expect(bob.messages()).toEqual([]);
  });

  it("rate-limits each user with a token bucket", async () => {
    const alice = await connect(room(), newUser("Alice"));
    for (let i = 0; i <= messageLimit.capacity; i++)
      alice.send({ type: "send", clientId: `b${i}`, text: `burst ${i}` });
    const error = await alice.next("error");
    expect(error.code).toBe("rate_limited");
    expect(alice.messages().length).toBeLessThanOrEqual(messageLimit.capacity);
  });

  it("refuses new messages once the room is archived, from open sockets too, and takes them again when restored", async () => {
    const stub = room();
    const alice = await connect(stub, newUser("Alice"));
    await alice.next("welcome");
    await stub.setArchived(true);
    alice.send({ type: "send", clientId: "late", text: "anyone?" });
    expect((await alice.next("error")).code).toBe("archived");
    await stub.setArchived(false);
    alice.send({ type: "send", clientId: "back", text: "back again" });
    expect((await alice.next("message")).message.text).toBe("back again");
  });

  it("lets authors edit and delete their own messages, moderators delete any, and leaves a mark", async () => {
    const stub = room();
    const alice = await connect(stub, newUser("Alice"));
    const bob = await connect(stub, newUser("Bob"));
    const owner = await connect(stub, { ...newUser("Olga"), moderator: true });
    alice.send({ type: "send", clientId: "a", text: "first draft" });
    const id = (await bob.next("message")).message.id;
    bob.send({ type: "edit", id, text: "hijacked" });
    expect((await bob.next("error")).code).toBe("forbidden");
    bob.send({ type: "delete", id });
    await settle();
    alice.send({ type: "edit", id, text: "final" });
    const edited = await bob.next("updated", (frame) => frame.message.text === "final");
    expect(edited.message.editedAt).not.toBeNull();
    owner.send({ type: "delete", id });
    const deleted = await bob.next("updated", (frame) => frame.message.deleted);
    expect(deleted.message.text).toBeNull();
    const stored = await runInDurableObject(stub, (instance: ChatRoom) => instance.latest().messages);
    expect(stored[0]).toMatchObject({ id, deleted: true, text: null });
  });
});

describe("Alva in the room", () => {
  /** A room of its own (its id keys the fake model's script and log), with a connect bound to it. */
  function alvaRoom(kind: "general" | "topic" | "alva" = "general", workspaceId?: string) {
    const id = crypto.randomUUID();
    const stub = env.CHAT_ROOM.getByName(id);
    return {
      id,
      stub,
      callKey: `chat:${id}`,
      join: (who: Who, after?: number) => connect(stub, who, after, { id, kind, workspaceId }),
    };
  }

  /** The answer as a client following the frames sees it: the welcome's (or message's) text, plus chunks. */
  function followAnswer(frames: ServerFrame[], id: number): ChatMessage | null {
    let answer: ChatMessage | null = null;
    for (const frame of frames) {
      if (frame.type === "welcome") answer = frame.messages.find((message) => message.id === id) ?? answer;
      if ((frame.type === "message" || frame.type === "updated") && frame.message.id === id) answer = frame.message;
      if (frame.type === "chunk" && frame.id === id && answer?.text != null) {
        const text = appendChunk(answer.text, frame.offset, frame.text);
        expect(text, "a chunk left a gap").not.toBeNull();
        answer = { ...answer, text };
      }
    }
    return answer;
  }

  const settled = (frame: Extract<ServerFrame, { type: "updated" }>) =>
    frame.message.answer !== null && frame.message.answer.state !== "streaming";

  it("answers @alva, streamed to everyone, grounded in the workspace's profile, plan and conversation", async () => {
    const { user, workspaceId } = await createPlanWorkspace(undefined, "alva");
    await insertPlan({ userId: user.id, workspaceId });
    const room = alvaRoom("general", workspaceId);
    const alice = await room.join(newUser("Alice"));
    const bob = await room.join(newUser("Bob"));
    await bob.next("welcome");
    alice.send({ type: "send", clientId: "q0", text: "Morning all" });
    await bob.next("message", (frame) => frame.message.text === "Morning all");
    expect(await fakeCalls(room.callKey)).toMatchObject({ calls: 0 });

    alice.send({ type: "send", clientId: "q1", text: "@Alva what should we do first?" });
    const started = await bob.next("message", (frame) => frame.message.userId === "alva");
    expect(started.message).toMatchObject({
      author: "Alva",
      text: "",
      answer: { state: "streaming", model: "fake-gpt" },
    });
    const done = await bob.next("updated", settled);
    expect(done.message.answer).toEqual({ state: "complete", model: "fake-gpt", note: null });
    expect(done.message.text).toMatch(
      /^Fake answer for Rosa's Bakery\. Plan: Marketing plan of \d{4}-\d{2}-\d{2}\. Turns: 2\. Last: \[Alice\] @Alva what should we do first\?$/,
    );
    // Both watched it arrive piece by piece, and both end with the stored text.
    for (const client of [alice, bob]) {
      expect(client.frames.filter((frame) => frame.type === "chunk").length).toBeGreaterThan(1);
      expect(followAnswer(client.frames, done.message.id)?.text).toBe(done.message.text);
    }
    const request = (await fakeCalls(room.callKey)).requests[0]!;
    expect(request.messages[0]!.role).toBe("system");
    const data = JSON.parse(request.messages[1]!.content);
    expect(data.profile.business.name).toBe("Rosa's Bakery");
    expect(data.plan.markdown).toContain("## Executive summary");
  });

  it("refuses to ask for someone whose address is not verified (a paid call), storing their message", async () => {
    const room = alvaRoom();
    const alice = await room.join({ ...newUser("Alice"), unverified: true });
    alice.send({ type: "send", clientId: "q", text: "@alva hi" });
    expect((await alice.next("error")).message).toMatch(/^Verify your e-mail address to ask Alva/);
    expect(alice.messages().map((message) => message.text)).toEqual(["@alva hi"]);
    expect((await fakeCalls(room.callKey)).calls).toBe(0);
  });

  it("answers every message in an Ask Alva room, and none without @alva elsewhere", async () => {
    const topic = alvaRoom("topic");
    const alice = await topic.join(newUser("Alice"));
    alice.send({ type: "send", clientId: "t1", text: "no mention here, alva@example.com neither" });
    await alice.next("message");
    await settle();
    expect((await fakeCalls(topic.callKey)).calls).toBe(0);

    const ask = alvaRoom("alva");
    const me = await ask.join(newUser("Alice"));
    me.send({ type: "send", clientId: "a1", text: "How do I get more reviews?" });
    const done = await me.next("updated", settled);
    expect(done.message.text).toContain("Last: [Alice] How do I get more reviews?");
    expect(done.message.text).toContain("Fake answer for unknown. Plan: none.");
  });

  it("someone who connects mid-answer gets the answer so far, then the rest", async () => {
    const room = alvaRoom();
    await scriptFake(room.callKey, ["slow"]);
    const alice = await room.join(newUser("Alice"));
    alice.send({ type: "send", clientId: "q", text: "@alva tell me a story" });
    const first = await alice.next("chunk");
    await alice.next("chunk", (frame) => frame.offset > first.offset);
    const late = await room.join(newUser("Late"));
    const welcome = await late.next("welcome");
    const partial = welcome.messages.find((message) => message.id === first.id)!;
    expect(partial.answer?.state).toBe("streaming");
    expect(partial.text!.length).toBeGreaterThan(0);
    const done = await late.next("updated", settled);
    expect(done.message.text!.length).toBeGreaterThan(partial.text!.length);
    expect(followAnswer(late.frames, first.id)?.text).toBe(done.message.text);
  });

  it("answers one question at a time; stopping the answer stops that one only, and the next question is answered", async () => {
    const room = alvaRoom();
    await scriptFake(room.callKey, ["slow"]);
    const alice = await room.join(newUser("Alice"));
    const bob = await room.join(newUser("Bob"));
    alice.send({ type: "send", clientId: "q1", text: "@alva first question" });
    const chunk = await bob.next("chunk");
    // The alarm beats while Alva writes, so the object is not evicted as idle.
    const alarm = await runInDurableObject(room.stub, (_instance: ChatRoom, state) => state.storage.getAlarm());
    expect(alarm! - Date.now()).toBeLessThanOrEqual(ANSWER_HEARTBEAT_MS);

    bob.send({ type: "send", clientId: "q2", text: "@alva second question" });
    const second = (await bob.next("message", (frame) => frame.message.text === "@alva second question")).message;
    expect((await alice.next("alva-queue", (frame) => frame.questions.length > 0)).questions).toEqual([second.id]);
    bob.send({ type: "stop", id: chunk.id });
    const stopped = await alice.next("updated", (frame) => settled(frame) && frame.message.id === chunk.id);
    expect(stopped.message.answer).toMatchObject({ state: "stopped", note: "Stopped by Bob." });
    expect(stopped.message.text!.length).toBeLessThan(
      "Fake answer for unknown. Plan: none. Turns: 1. Last: [Alice] @alva first question".length,
    );
    const next = await alice.next("updated", (frame) => settled(frame) && frame.message.id !== chunk.id);
    expect(next.message.answer?.state).toBe("complete");
    expect(next.message.text).toMatch(/Last: \[Bob\] @alva second question$/);
    expect(bob.frames.some((frame) => frame.type === "error")).toBe(false);
    expect(await runInDurableObject(room.stub, (instance: ChatRoom) => instance.alvaQueue())).toEqual([]);
    expect((await fakeCalls(room.callKey)).calls).toBe(2);
  });

  it("answers two questions asked in a row, one after the other, in order", async () => {
    const room = alvaRoom();
    await scriptFake(room.callKey, ["slow"]);
    const alice = await room.join(newUser("Alice"));
    alice.send({ type: "send", clientId: "q1", text: "@alva first?" });
    alice.send({ type: "send", clientId: "q2", text: "@alva second?" });
    const first = await alice.next("updated", settled);
    const second = await alice.next("updated", (frame) => settled(frame) && frame.message.id !== first.message.id);
    expect(first.message.text).toMatch(/Last: \[Alice\] @alva first\?$/);
    expect(second.message.text).toMatch(/Last: \[Alice\] @alva second\?$/);
    expect(second.message.id).toBeGreaterThan(first.message.id);
    // The second answer started only once the first had settled.
    const started = alice.frames.findIndex(
      (frame) => frame.type === "message" && frame.message.id === second.message.id,
    );
    expect(started).toBeGreaterThan(alice.frames.indexOf(first));
    expect(second.message.answer?.state).toBe("complete");
  });

  it(`queues at most ${ALVA_QUEUE_LIMIT} questions per room, refuses more, and a newcomer's welcome shows the queue`, async () => {
    const room = alvaRoom();
    await scriptFake(room.callKey, ["slow"]);
    const alice = await room.join(newUser("Alice"));
    const bob = await room.join(newUser("Bob"));
    alice.send({ type: "send", clientId: "q0", text: "@alva tell me a long story" });
    const answer = await alice.next("chunk");
    const asked: number[] = [];
    for (let i = 1; i <= ALVA_QUEUE_LIMIT; i++) {
      const asker = i % 2 ? bob : alice;
      asker.send({ type: "send", clientId: `w${i}`, text: `@alva waiting ${i}` });
      asked.push((await asker.next("message", (frame) => frame.message.text === `@alva waiting ${i}`)).message.id);
      await alice.next("alva-queue", (frame) => frame.questions.length === i);
    }
    bob.send({ type: "send", clientId: "over", text: "@alva one too many" });
    const refused = await bob.next("error");
    expect(refused).toMatchObject({ code: "alva_busy" });
    expect(refused.message).toBe(
      `Alva has ${ALVA_QUEUE_LIMIT} questions waiting in this room: ask again once she has answered one.`,
    );
    // The refused question is still a message, just not waiting for Alva.
    expect(bob.messages().some((message) => message.text === "@alva one too many")).toBe(true);
    const late = await room.join(newUser("Late"));
    expect((await late.next("welcome")).alvaQueue).toEqual(asked);
    // Deleting a waiting question takes it out of the queue.
    alice.send({ type: "delete", id: asked[1]! });
    expect((await late.next("alva-queue")).questions).toEqual([asked[0], asked[2]]);
    alice.send({ type: "stop", id: answer.id });
  });

  it("a restarted object answers the questions left waiting when its alarm beats", async () => {
    const room = alvaRoom();
    const waiting = await runInDurableObject(room.stub, (_instance: ChatRoom, state) => {
      const sql = state.storage.sql;
      sql.exec(
        "INSERT INTO meta (key, value) VALUES ('room_id', ?), ('workspace_id', 'workspace-under-test')",
        room.id,
      );
      const insert = (clientId: string, text: string) =>
        sql
          .exec<{ id: number }>(
            `INSERT INTO messages (client_id, user_id, username, author, text, created_at)
             VALUES (?, 'u1', 'ann', 'Ann', ?, ?) RETURNING id`,
            clientId,
            text,
            Date.now(),
          )
          .one().id;
      insert("q1", "@alva first");
      sql.exec(
        `INSERT INTO messages (client_id, user_id, username, author, text, created_at, answer_state, answer_model)
         VALUES ('answer-to-1', 'alva', 'alva', 'Alva', 'Half an ans', ?, 'streaming', 'fake-gpt')`,
        Date.now(),
      );
      const ids = [insert("q2", "@alva second"), insert("q3", "@alva third")];
      for (const id of ids) sql.exec("INSERT INTO alva_queue (question_id) VALUES (?)", id);
      return ids;
    });
    await runInDurableObject(room.stub, async (_instance: ChatRoom, state) => {
      const restarted = new ChatRoom(state, env);
      expect(restarted.alvaQueue()).toEqual(waiting);
      await restarted.alarm();
    });
    let answers: ChatMessage[] = [];
    for (let i = 0; i < 100; i++) {
      answers = (await runInDurableObject(room.stub, (instance: ChatRoom) => instance.latest().messages)).filter(
        (message) => message.answer,
      );
      if (answers.length === 3 && answers.every((message) => message.answer!.state !== "streaming")) break;
      await settle();
    }
    expect(answers.map((message) => [message.clientId, message.answer!.state])).toEqual([
      ["answer-to-1", "failed"],
      [`answer-to-${waiting[0]}`, "complete"],
      [`answer-to-${waiting[1]}`, "complete"],
    ]);
    expect(answers[2]!.text).toMatch(/Last: \[Ann\] @alva third$/);
    expect(await runInDurableObject(room.stub, (instance: ChatRoom) => instance.alvaQueue())).toEqual([]);
  });

  it("marks an answer cut short when the provider fails, keeping what was written", async () => {
    const room = alvaRoom();
    await scriptFake(room.callKey, ["server-error", "truncated"]);
    const alice = await room.join(newUser("Alice"));
    alice.send({ type: "send", clientId: "q1", text: "@alva hello?" });
    const failed = await alice.next("updated", settled);
    expect(failed.message.answer).toMatchObject({
      state: "failed",
      note: "Cut short: The AI provider had a problem (HTTP 500). Ask again in a moment.",
    });
    alice.send({ type: "send", clientId: "q2", text: "@alva again?" });
    const broken = await alice.next("updated", (frame) => settled(frame) && frame.message.id !== failed.message.id);
    expect(broken.message.answer?.state).toBe("failed");
    expect(broken.message.answer?.note).toMatch(/^Cut short: /);
    expect(broken.message.text!.length).toBeGreaterThan(0);
  });

  it("an object that restarts mid-answer marks the lost answer cut short", async () => {
    const room = alvaRoom();
    await runInDurableObject(room.stub, async (_instance: ChatRoom, state) => {
      state.storage.sql.exec(
        `INSERT INTO messages (client_id, user_id, username, author, text, created_at, answer_state, answer_model)
         VALUES ('answer-to-1', 'alva', 'alva', 'Alva', 'Half an ans', ?, 'streaming', 'fake-gpt')`,
        Date.now(),
      );
      const restarted = new ChatRoom(state, env);
      expect(restarted.latest().messages[0]).toMatchObject({
        text: "Half an ans",
        answer: { state: "failed", note: "Cut short: the chat server restarted while Alva was writing. Ask again." },
      });
    });
  });

  it("says so in the room when no AI provider is configured, and calls nothing", async () => {
    const room = alvaRoom();
    const outcome = await runInDurableObject(room.stub, (_instance: ChatRoom, state) => {
      const production = new ChatRoom(state, { ...env, ENVIRONMENT: "production", OPENAI_MODEL: "alva-demo" } as Env);
      return production.post(
        { userId: "u1", username: "ann", name: "Ann", moderator: false, verified: true },
        "c1",
        "@alva hi",
        {
          id: room.id,
          workspaceId: "workspace-under-test",
          kind: "general",
          archived: false,
        },
      );
    });
    expect(outcome).toMatchObject({
      ok: true,
      alva: { refused: expect.stringContaining("not allowed in production") },
    });
    const [, answer] = await runInDurableObject(room.stub, (instance: ChatRoom) => instance.latest().messages);
    expect(answer?.answer?.state).toBe("failed");
    expect((await fakeCalls(room.callKey)).calls).toBe(0);
  });
});
