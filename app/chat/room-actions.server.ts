import { data, redirect } from "react-router";
import { z } from "zod";
import type { User } from "../accounts/session.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { parseForm } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { redirectWithToast } from "../platform/toast.server.ts";
import type { Route } from "./+types/room-page";
import { createRoom, type RoomAccess, renameRoom, requireRoom, setArchived } from "./rooms.server.ts";

const roomName = z.string().trim().min(1, "Give the room a name.").max(60);
const topic = z
  .string()
  .trim()
  .max(200)
  .optional()
  .transform((value) => value || null);

const roomForm = z.discriminatedUnion("intent", [
  // Length is checked by the room, which answers "too long" the same way for sockets and forms.
  z.object({ intent: z.literal("send"), text: z.string().max(20_000), clientId: z.uuid() }),
  z.object({ intent: z.literal("create-room"), name: roomName, topic }),
  z.object({ intent: z.literal("rename"), name: roomName, topic }),
  z.object({ intent: z.enum(["archive", "restore"]) }),
  z.object({ intent: z.literal("stop"), id: z.coerce.number().int().positive() }),
]);

/**
 * Posts `text` as `user` to the room they were checked into (requireRoom): the one way a message enters a
 * room from outside its sockets (the no-JavaScript form and the JSON API).
 */
export function postMessage(env: Env, access: RoomAccess, user: User, clientId: string, text: string) {
  const { room, role } = access;
  return env.CHAT_ROOM.getByName(room.id).post(
    {
      userId: user.id,
      username: user.username,
      name: user.displayName ?? user.username,
      moderator: role === "owner" || user.role !== "user",
      verified: user.emailVerifiedAt !== null,
    },
    clientId,
    text,
    { id: room.id, workspaceId: room.workspaceId, kind: room.kind, archived: room.archived },
  );
}

export async function roomAction(args: Route.ActionArgs, user: User) {
  const { request, params, context } = args;
  const { env } = context.get(requestInfo);
  const submission = await parseForm(args, roomForm);
  if (submission.status !== "success") {
    const first = Object.values(submission.error ?? {}).flat()[0];
    return data({ error: first ?? "That form could not be read." }, { status: 400 });
  }
  const input = submission.value;
  return withDatabase(context, async (db) => {
    const access = await requireRoom(db, params.room, user.id);
    const { room } = access;
    const here = `/chat/${room.id}`;
    switch (input.intent) {
      case "send": {
        if (room.archived) return data({ error: "This room is archived." }, { status: 409 });
        const outcome = await postMessage(env, access, user, input.clientId, input.text);
        if (!outcome.ok)
          return data({ error: outcome.message }, { status: outcome.code === "rate_limited" ? 429 : 400 });
        const target = `${here}#message-${outcome.message.id}`;
        if (outcome.alva && outcome.alva !== "answering") {
          return redirectWithToast(request, target, { kind: "error", message: outcome.alva.refused });
        }
        return redirect(target);
      }
      case "stop": {
        const stopped = await env.CHAT_ROOM.getByName(room.id).stopAnswer(input.id, user.displayName ?? user.username);
        return stopped
          ? redirect(`${here}#message-${input.id}`)
          : redirectWithToast(request, here, { kind: "info", message: "Alva had already finished that answer." });
      }
      case "create-room": {
        const id = await createRoom(db, {
          workspaceId: room.workspaceId,
          userId: user.id,
          name: input.name,
          topic: input.topic,
        });
        return redirect(`/chat/${id}`);
      }
      case "rename":
        if (!(await renameRoom(db, room.id, input.name, input.topic)))
          return data({ error: "The general room and Ask Alva rooms keep their names." }, { status: 400 });
        return redirect(here);
      case "archive":
      case "restore":
        if (!(await setArchived(db, room.id, input.intent === "archive")))
          return data({ error: "The general room and Ask Alva rooms cannot be archived." }, { status: 400 });
        // The room's object refuses new messages from sockets that are already open, too.
        await env.CHAT_ROOM.getByName(room.id).setArchived(input.intent === "archive");
        return redirectWithToast(request, here, {
          kind: "success",
          message: input.intent === "archive" ? "Room archived." : "Room restored.",
        });
    }
  });
}
