import { and, eq } from "drizzle-orm";
import { data, redirect } from "react-router";
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import { users, workspaceMembers } from "../../db/schema.ts";
import type { Author } from "../../workers/chat-room.ts";
import { clientIp } from "../accounts/client-ip.server.ts";
import type { User } from "../accounts/session.server.ts";
import { recordAudit } from "../admin/audit.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { parseForm } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { redirectWithToast } from "../platform/toast.server.ts";
import type { Route } from "./+types/room-page";
import { muteDurations, muteLabels } from "./moderation.ts";
import { createRoom, type Room, type RoomAccess, renameRoom, requireRoom, setArchived } from "./rooms.server.ts";

export const roomName = z.string().trim().min(1, "Give the room a name.").max(60);
export const roomTopic = z
  .string()
  .trim()
  .max(200)
  .optional()
  .transform((value) => value || null);

const roomForm = z.discriminatedUnion("intent", [
  // Length is checked by the room, which answers "too long" the same way for sockets and forms.
  z.object({ intent: z.literal("send"), text: z.string().max(20_000), clientId: z.uuid() }),
  z.object({ intent: z.literal("create-room"), name: roomName, topic: roomTopic }),
  z.object({ intent: z.literal("rename"), name: roomName, topic: roomTopic }),
  z.object({ intent: z.enum(["archive", "restore"]) }),
  z.object({ intent: z.literal("stop"), id: z.coerce.number().int().positive() }),
  // Moderation (decision 0101): delete a message, mute someone here for a while, lift a mute.
  z.object({ intent: z.literal("delete"), id: z.coerce.number().int().positive() }),
  z.object({
    intent: z.literal("mute"),
    userId: z.string().trim().min(1).max(64),
    minutes: z.enum(muteDurations, { error: "Choose how long." }),
  }),
  z.object({ intent: z.literal("unmute"), userId: z.string().trim().min(1).max(64) }),
]);

/** Who the room treats as `user`: the verified author every message, deletion and mute acts as. */
function authorOf(access: RoomAccess, user: User, request: Request): Author {
  return {
    userId: user.id,
    username: user.username,
    name: user.displayName ?? user.username,
    moderator: canModerate(access, user),
    verified: user.emailVerifiedAt !== null,
    siteModerator: user.role !== "user",
    ip: clientIp(request),
  };
}

/** Workspace owners, and site moderators and admins who can reach the room, moderate it. */
export function canModerate(access: RoomAccess, user: Pick<User, "role">): boolean {
  return access.role === "owner" || user.role !== "user";
}

/**
 * Posts `text` as `user` to the room they were checked into (requireRoom): the one way a message enters a
 * room from outside its sockets (the no-JavaScript form and the JSON API).
 */
export function postMessage(
  env: Env,
  access: RoomAccess,
  user: User,
  clientId: string,
  text: string,
  request: Request,
) {
  const { room } = access;
  return env.CHAT_ROOM.getByName(room.id).post(authorOf(access, user, request), clientId, text, {
    id: room.id,
    workspaceId: room.workspaceId,
    kind: room.kind,
    archived: room.archived,
  });
}

/** Deletes message `id` as `user` (their own; moderators any), with the room's rules and audit. */
export function deleteMessage(env: Env, access: RoomAccess, user: User, id: number, request: Request) {
  return env.CHAT_ROOM.getByName(access.room.id).remove(authorOf(access, user, request), id);
}

/** Edits message `id` as `user` (their own only), as the socket's edit frame does. */
export function editMessage(env: Env, access: RoomAccess, user: User, id: number, text: string, request: Request) {
  return env.CHAT_ROOM.getByName(access.room.id).edit(authorOf(access, user, request), id, text);
}

/**
 * Archives or restores a topic room: the row, then the room's object, which refuses new messages from
 * sockets that are already open too. False for the general and Ask Alva rooms.
 */
export async function archiveRoom(env: Env, db: Database, room: Room, archived: boolean): Promise<boolean> {
  if (!(await setArchived(db, room.id, archived))) return false;
  await env.CHAT_ROOM.getByName(room.id).setArchived(archived);
  return true;
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
    const access = await requireRoom(context, db, params.room, user.id);
    const { room } = access;
    const here = `/chat/${room.id}`;
    switch (input.intent) {
      case "send": {
        if (room.archived) return data({ error: "This room is archived." }, { status: 409 });
        const outcome = await postMessage(env, access, user, input.clientId, input.text, request);
        if (!outcome.ok) {
          const status = outcome.code === "rate_limited" ? 429 : outcome.code === "muted" ? 403 : 400;
          return data({ error: outcome.message }, { status });
        }
        const target = `${here}#message-${outcome.message.id}`;
        if (outcome.alva === "queued") {
          return redirectWithToast(request, target, {
            kind: "info",
            message: "Alva is answering another question: yours is queued and she answers it next in turn.",
          });
        }
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
      case "delete": {
        const outcome = await deleteMessage(env, access, user, input.id, request);
        if (!outcome.ok) return data({ error: outcome.message }, { status: outcome.code === "forbidden" ? 403 : 404 });
        return redirect(`${here}#message-${input.id}`);
      }
      case "mute":
      case "unmute": {
        if (!canModerate(access, user)) {
          return data({ error: "Only moderators and the workspace's owner can mute people." }, { status: 403 });
        }
        if (input.userId === user.id) return data({ error: "You can't mute yourself." }, { status: 400 });
        const [target] = await db
          .select({ id: users.id, username: users.username })
          .from(workspaceMembers)
          .innerJoin(users, eq(users.id, workspaceMembers.userId))
          .where(and(eq(workspaceMembers.workspaceId, room.workspaceId), eq(workspaceMembers.userId, input.userId)))
          .limit(1);
        if (!target) return data({ error: "That person isn't a member of this workspace." }, { status: 404 });
        const stub = env.CHAT_ROOM.getByName(room.id);
        const audited = user.role !== "user";
        if (input.intent === "unmute") {
          const lifted = await stub.unmute(target.id);
          if (lifted && audited) {
            await recordAudit(db, {
              actor: { id: user.id, username: user.username },
              action: "chat.unmute",
              target: { userId: target.id, label: target.username },
              detail: { roomId: room.id, room: room.name },
              request,
            });
          }
          return redirectWithToast(request, here, {
            kind: "success",
            message: `@${target.username} can write here again.`,
          });
        }
        const until = Date.now() + Number(input.minutes) * 60_000;
        await stub.mute({ userId: target.id, username: target.username }, until, user.username);
        if (audited) {
          await recordAudit(db, {
            actor: { id: user.id, username: user.username },
            action: "chat.mute",
            target: { userId: target.id, label: target.username },
            detail: { roomId: room.id, room: room.name, minutes: Number(input.minutes) },
            request,
          });
        }
        return redirectWithToast(request, here, {
          kind: "success",
          message: `@${target.username} is muted in #${room.name} for ${muteLabels[input.minutes]}.`,
        });
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
        if (!(await archiveRoom(env, db, room, input.intent === "archive")))
          return data({ error: "The general room and Ask Alva rooms cannot be archived." }, { status: 400 });
        return redirectWithToast(request, here, {
          kind: "success",
          message: input.intent === "archive" ? "Room archived." : "Room restored.",
        });
    }
  });
}
