// GET /chat/:room/socket — the WebSocket upgrade, authenticated here in the Worker before the room's
// Durable Object sees anything:
//   no session → 401; an Origin other than APP_URL's → 403 (no cross-site WebSocket hijacking: the
//   browser sends the session cookie with any site's upgrade); not a member of the room's workspace,
//   or someone else's Ask Alva room → 404.
// The object then gets a request built here, carrying the verified user in headers; nothing the
// client sent (headers, query) reaches it except the last message id it saw.
import { verifiedHeaders } from "../../workers/chat-room.ts";
import { getAuth } from "../accounts/auth.server.ts";
import { clientIp } from "../accounts/client-ip.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { httpError } from "../platform/http-error.ts";
import { requestInfo } from "../platform/request-info.ts";
import type { Route } from "./+types/socket-route";
import { requireRoom } from "./rooms.server.ts";

export async function loader(args: Route.LoaderArgs) {
  const { request, context, params } = args;
  const { env } = context.get(requestInfo);
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
    return new Response("This endpoint only speaks WebSocket.", { status: 426, headers: { Upgrade: "websocket" } });
  }
  const auth = getAuth(context);
  if (auth.status === "unavailable") httpError(context, 503, "Try again shortly.");
  if (auth.status !== "signed-in") return new Response("Sign in first.", { status: 401 });
  if (request.headers.get("Origin") !== new URL(env.APP_URL).origin) {
    return new Response("Cross-site WebSocket refused.", { status: 403 });
  }
  const { user, session } = auth;
  const access = await withDatabase(context, (db) => requireRoom(context, db, params.room, user.id));

  const after = new URL(request.url).searchParams.get("after");
  const target = new URL("https://chat-room/socket");
  if (after && /^\d{1,15}$/.test(after)) target.searchParams.set("after", after);
  const headers = new Headers({ Upgrade: "websocket" });
  headers.set(verifiedHeaders.userId, user.id);
  headers.set(verifiedHeaders.username, user.username);
  // Header values are bytes: the display name travels percent-encoded.
  headers.set(verifiedHeaders.name, encodeURIComponent(user.displayName ?? user.username));
  headers.set(verifiedHeaders.sessionId, session.id);
  headers.set(verifiedHeaders.workspaceId, access.room.workspaceId);
  headers.set(verifiedHeaders.roomId, access.room.id);
  headers.set(verifiedHeaders.roomKind, access.room.kind);
  if (access.room.archived) headers.set(verifiedHeaders.roomArchived, "1");
  if (access.role === "owner" || user.role !== "user") headers.set(verifiedHeaders.moderator, "1");
  if (user.emailVerifiedAt) headers.set(verifiedHeaders.emailVerified, "1");
  if (user.role !== "user") headers.set(verifiedHeaders.siteModerator, "1");
  const ip = clientIp(request);
  if (ip) headers.set(verifiedHeaders.clientIp, ip);
  return env.CHAT_ROOM.getByName(access.room.id).fetch(target, { headers });
}
