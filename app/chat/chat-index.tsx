// GET /chat — the current workspace's general room (created with the user's Ask Alva room on first visit).
import { redirect } from "react-router";
import { requireUser } from "../accounts/auth.server.ts";
import { requireWorkspace } from "../onboarding/onboarding.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import type { Route } from "./+types/chat-index";
import { ensureRooms, listRooms } from "./rooms.server.ts";

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const general = await withDatabase(args.context, async (db) => {
    const workspaceId = await requireWorkspace(args.context, db, user.id);
    await ensureRooms(db, workspaceId, user.id);
    const rooms = await listRooms(db, workspaceId, user.id);
    return rooms.find((room) => room.kind === "general")!;
  });
  return redirect(`/chat/${general.id}`);
}
