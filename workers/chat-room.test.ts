// The ChatRoom object on its own, reached through its stub with the headers the Worker sets (the
// Worker's checks are tested in app/chat/chat.test.ts).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { ChatMessage, ServerFrame } from "../app/chat/protocol.ts";
import { ChatRoom, MAX_MESSAGE_BYTES, messageLimit, verifiedHeaders } from "./chat-room.ts";

vi.setConfig({ testTimeout: 60_000 });

interface Who {
  userId: string;
  name: string;
  moderator?: boolean;
}

const newUser = (name: string): Who => ({ userId: crypto.randomUUID(), name });

async function connect(stub: DurableObjectStub, who: Who, after?: number) {
  const response = await stub.fetch(`http://room/socket${after ? `?after=${after}` : ""}`, {
    headers: {
      Upgrade: "websocket",
      [verifiedHeaders.userId]: who.userId,
      [verifiedHeaders.username]: who.name.toLowerCase(),
      [verifiedHeaders.name]: encodeURIComponent(who.name),
      [verifiedHeaders.sessionId]: `session-${who.userId}`,
      [verifiedHeaders.workspaceId]: "workspace-under-test",
      ...(who.moderator ? { [verifiedHeaders.moderator]: "1" } : {}),
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

  it("pages history backwards 50 at a time", async () => {
    const stub = room();
    await runInDurableObject(stub, async (_instance: ChatRoom, state) => {
      const author = { userId: "u", username: "u", name: "U", moderator: false };
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
