// ChatRoom: one Durable Object per conversation. Sockets use the Hibernation API, so an idle room
// costs nothing and wakes up (constructor re-run) when a message arrives. At this stage a room relays
// each message to every other socket; the chat feature adds members, history and Alva's replies.
import { DurableObject } from "cloudflare:workers";

/** Larger messages are refused: a chat message is text, not a file transfer. */
export const MAX_MESSAGE_BYTES = 16 * 1024;

export class ChatRoom extends DurableObject<Env> {
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("This endpoint only speaks WebSocket.", { status: 426, headers: { Upgrade: "websocket" } });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  override webSocketMessage(sender: WebSocket, message: string | ArrayBuffer): void {
    const size = typeof message === "string" ? new TextEncoder().encode(message).byteLength : message.byteLength;
    if (size > MAX_MESSAGE_BYTES) {
      sender.close(1009, "Message too large");
      return;
    }
    for (const socket of this.ctx.getWebSockets()) {
      if (socket === sender || socket.readyState !== WebSocket.OPEN) continue;
      try {
        socket.send(message);
      } catch {
        // A socket closing mid-broadcast is not the sender's problem; its close handler cleans up.
      }
    }
  }

  override webSocketClose(socket: WebSocket, code: number, reason: string): void {
    // 1005/1006 are reserved and cannot be sent back; answer those with a normal close.
    closeQuietly(socket, code === 1005 || code === 1006 ? 1000 : code, reason);
  }

  override webSocketError(socket: WebSocket): void {
    closeQuietly(socket, 1011, "Socket error");
  }
}

function closeQuietly(socket: WebSocket, code: number, reason: string) {
  try {
    socket.close(code, reason);
  } catch {
    // Already closed.
  }
}
