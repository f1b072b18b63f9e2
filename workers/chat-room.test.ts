import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_MESSAGE_BYTES } from "./chat-room.ts";

async function connect(stub: DurableObjectStub) {
  const response = await stub.fetch("http://room/socket", { headers: { Upgrade: "websocket" } });
  expect(response.status).toBe(101);
  const socket = response.webSocket!;
  socket.accept();
  const received: string[] = [];
  socket.addEventListener("message", (event) => {
    received.push(String(event.data));
  });
  const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener("close", resolve));
  return { socket, received, closed };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe("ChatRoom", () => {
  it("refuses plain HTTP with 426", async () => {
    const stub = env.CHAT_ROOM.getByName(crypto.randomUUID());
    expect((await stub.fetch("http://room/socket")).status).toBe(426);
  });

  it("relays a message to every other socket in the room, not back to the sender", async () => {
    const stub = env.CHAT_ROOM.getByName(crypto.randomUUID());
    const alice = await connect(stub);
    const bob = await connect(stub);
    const carol = await connect(stub);
    alice.socket.send("hello team");
    await settle();
    expect(bob.received).toEqual(["hello team"]);
    expect(carol.received).toEqual(["hello team"]);
    expect(alice.received).toEqual([]);
  });

  it("keeps rooms apart", async () => {
    const first = await connect(env.CHAT_ROOM.getByName(crypto.randomUUID()));
    const elsewhere = await connect(env.CHAT_ROOM.getByName(crypto.randomUUID()));
    first.socket.send("only for room one");
    await settle();
    expect(elsewhere.received).toEqual([]);
  });

  it("keeps relaying after a member leaves", async () => {
    const stub = env.CHAT_ROOM.getByName(crypto.randomUUID());
    const alice = await connect(stub);
    const bob = await connect(stub);
    const carol = await connect(stub);
    bob.socket.close(1000, "bye");
    await settle();
    alice.socket.send("still here?");
    await settle();
    expect(carol.received).toEqual(["still here?"]);
  });

  it("closes a socket that sends an oversized message, and relays nothing", async () => {
    const stub = env.CHAT_ROOM.getByName(crypto.randomUUID());
    const alice = await connect(stub);
    const bob = await connect(stub);
    alice.socket.send("x".repeat(MAX_MESSAGE_BYTES + 1));
    expect((await alice.closed).code).toBe(1009);
    expect(bob.received).toEqual([]);
  });
});
