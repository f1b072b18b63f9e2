import { redirect } from "react-router";
import { z } from "zod";
import { requireUser } from "../accounts/auth.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { parseForm } from "../platform/forms.server.ts";
import { httpError } from "../platform/http-error.ts";
import { safeRedirectPath } from "../platform/safe-redirect.ts";
import type { Route } from "./+types/switch-action";
import { selectWorkspace } from "./workspaces.server.ts";

const switchSchema = z.object({ workspaceId: z.uuid("Choose a workspace."), redirectTo: z.string().optional() });

export async function action(args: Route.ActionArgs) {
  const { user } = requireUser(args);
  const submission = await parseForm(args, switchSchema);
  if (submission.status !== "success") httpError(args.context, 400, "Choose a workspace.");
  await withDatabase(args.context, (db) => selectWorkspace(args.context, db, user.id, submission.value.workspaceId));
  return redirect(safeRedirectPath(submission.value.redirectTo, "/dashboard"));
}

export function loader() {
  return redirect("/workspaces");
}
