// Only for `npm run bench:chat`: the runtime's limit to compare the ChatRoom against. A Durable Object
// that accepts WebSockets (Hibernation API) and relays each frame to every other socket: no auth, no
// storage, no parsing.
import { DurableObject } from "cloudflare:workers";

export class BareRoom extends DurableObject {
  override async fetch(): Promise<Response> {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  override webSocketMessage(sender: WebSocket, message: string | ArrayBuffer): void {
    for (const socket of this.ctx.getWebSockets()) {
      if (socket !== sender) socket.send(message);
    }
  }

  override webSocketClose(socket: WebSocket, code: number): void {
    socket.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
  }

  override webSocketError(socket: WebSocket): void {
    socket.close(1011, "error");
  }
}

export default {
  fetch(request, env) {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("ok");
    return env.BARE_ROOM.getByName(new URL(request.url).pathname).fetch(request);
  },
} satisfies ExportedHandler<{ BARE_ROOM: DurableObjectNamespace<BareRoom> }>;
