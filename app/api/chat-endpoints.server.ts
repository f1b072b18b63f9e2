// Chat over the API beyond reading and posting (resource-endpoints.server.ts): creating, renaming and
// archiving rooms, editing and deleting messages. Each goes through the functions the room page's
// no-JavaScript forms use (app/chat/room-actions.server.ts) and, for messages, the room object's own
// rules, the ones its socket frames follow: any member of a workspace may add, rename and archive its
// topic rooms; authors edit their own messages; authors delete their own, moderators anyone's.
import { z } from "zod";
import { archiveRoom, deleteMessage, editMessage, roomName, roomTopic } from "../chat/room-actions.server.ts";
import { createRoom, renameRoom, requireRoom } from "../chat/rooms.server.ts";
import { requireMember } from "../workspaces/workspaces.server.ts";
import { apiJson, apiProblem, endpoint, noContent } from "./http.server.ts";
import { messageSchema, messageView, roomParams, roomSchema, workspaceParams } from "./resource-endpoints.server.ts";

export const roomRequest = z
  .object({
    name: roomName.describe("1 to 60 characters"),
    topic: roomTopic.describe("Up to 200 characters; empty or absent for none"),
  })
  .meta({ id: "RoomRequest" });

export const createWorkspaceRoom = endpoint({
  method: "POST",
  path: "/api/v1/workspaces/{id}/rooms",
  operationId: "createRoom",
  summary: "Add a topic room to a workspace (any member, as on the chat page)",
  tag: "chat",
  auth: true,
  params: workspaceParams,
  body: roomRequest,
  responses: {
    201: { description: "The new room", schema: roomSchema, headers: { Location: "The room's address" } },
  },
  errors: [404],
  async handle({ context, db, auth, params, body }) {
    await requireMember(context, db, params.id, auth.user.id);
    const id = await createRoom(db, {
      workspaceId: params.id,
      userId: auth.user.id,
      name: body.name,
      topic: body.topic,
    });
    const { room } = await requireRoom(context, db, id, auth.user.id);
    return apiJson(room, { status: 201, headers: { Location: `/api/v1/rooms/${id}` } });
  },
});

export const getRoom = endpoint({
  method: "GET",
  path: "/api/v1/rooms/{id}",
  operationId: "getRoom",
  summary: "A room (members of its workspace only; someone else's Ask Alva room is a 404)",
  tag: "chat",
  auth: true,
  params: roomParams,
  responses: { 200: { description: "The room", schema: roomSchema } },
  errors: [404],
  async handle({ context, db, auth, params }) {
    const { room } = await requireRoom(context, db, params.id, auth.user.id);
    return apiJson(room);
  },
});

export const renameWorkspaceRoom = endpoint({
  method: "PUT",
  path: "/api/v1/rooms/{id}",
  operationId: "renameRoom",
  summary: "Rename a topic room and set its topic (as the room's settings on the page)",
  description: "The general room and Ask Alva rooms keep their names (409).",
  tag: "chat",
  auth: true,
  params: roomParams,
  body: roomRequest,
  responses: { 200: { description: "The room as renamed", schema: roomSchema } },
  errors: [404, 409],
  async handle({ context, db, auth, params, body, requestId }) {
    const { room } = await requireRoom(context, db, params.id, auth.user.id);
    if (!(await renameRoom(db, room.id, body.name, body.topic))) {
      throw apiProblem(requestId, 409, "The general room and Ask Alva rooms keep their names.");
    }
    return apiJson({ ...room, name: body.name, topic: body.topic });
  },
});

function archiving(archived: boolean) {
  const verb = archived ? "archive" : "restore";
  return endpoint({
    method: "POST",
    path: `/api/v1/rooms/{id}/${verb}`,
    operationId: archived ? "archiveRoom" : "restoreRoom",
    summary: archived
      ? "Archive a topic room: it stays readable, posting stops (also on open sockets)"
      : "Restore an archived topic room",
    description: "The general room and Ask Alva rooms cannot be archived (409).",
    tag: "chat",
    auth: true,
    params: roomParams,
    responses: { 200: { description: `The room, ${archived ? "archived" : "restored"}`, schema: roomSchema } },
    errors: [404, 409],
    async handle({ context, db, env, auth, params, requestId }) {
      const { room } = await requireRoom(context, db, params.id, auth.user.id);
      if (!(await archiveRoom(env, db, room, archived))) {
        throw apiProblem(requestId, 409, "The general room and Ask Alva rooms cannot be archived.");
      }
      return apiJson({ ...room, archived });
    },
  });
}

export const archiveWorkspaceRoom = archiving(true);
export const restoreWorkspaceRoom = archiving(false);

const messageParams = z.object({ id: z.string().regex(/^[0-9a-f-]{36}$/), messageId: z.coerce.number().int().min(1) });

export const editMessageRequest = z
  .object({ text: z.string().min(1).max(20_000).describe("The new text (Markdown)") })
  .meta({ id: "MessageEdit" });

/** What the room answers when it refuses a change to a message, as a problem status. */
function changeRefused(code: string): 403 | 404 | 422 {
  if (code === "forbidden") return 403;
  if (code === "not_found") return 404;
  return 422;
}

export const editRoomMessage = endpoint({
  method: "PUT",
  path: "/api/v1/rooms/{id}/messages/{messageId}",
  operationId: "editMessage",
  summary: "Edit your own message (as the room's socket does); everyone in the room sees the change",
  tag: "chat",
  auth: true,
  params: messageParams,
  body: editMessageRequest,
  responses: { 200: { description: "The message as edited", schema: messageSchema } },
  errors: [403, 404],
  async handle({ context, db, env, auth, params, body, request, requestId }) {
    const access = await requireRoom(context, db, params.id, auth.user.id);
    const outcome = await editMessage(env, access, auth.user, params.messageId, body.text, request);
    if (!outcome.ok) throw apiProblem(requestId, changeRefused(outcome.code), outcome.message);
    return apiJson(messageView(outcome.message));
  },
});

export const deleteRoomMessage = endpoint({
  method: "DELETE",
  path: "/api/v1/rooms/{id}/messages/{messageId}",
  operationId: "deleteMessage",
  summary: "Delete a message: your own, or anyone's if you moderate the room (its workspace's owners)",
  description: "The text is gone for good; the message stays in the list as deleted.",
  tag: "chat",
  auth: true,
  params: messageParams,
  responses: { 204: { description: "Deleted" } },
  errors: [403, 404],
  async handle({ context, db, env, auth, params, request, requestId }) {
    const access = await requireRoom(context, db, params.id, auth.user.id);
    const outcome = await deleteMessage(env, access, auth.user, params.messageId, request);
    if (!outcome.ok) throw apiProblem(requestId, changeRefused(outcome.code), outcome.message);
    return noContent();
  },
});
