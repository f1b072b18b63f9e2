// Managing workspaces over the API: creating one, invitations, removing members, leaving and handing
// over ownership. The rules are the pages' (/workspaces and /workspaces/:id/members), through the same
// server functions: anyone creates a workspace; only owners invite, see and revoke invitations, remove
// members and transfer ownership (403 for a member); any member can leave; not a member is a 404.
import { z } from "zod";
import {
  invitationEmail,
  invite,
  listOpenInvitations,
  resendInvitation,
  revokeInvitation,
} from "../workspaces/invitations.server.ts";
import {
  createWorkspace,
  newWorkspaceSchema,
  removeMembership,
  requireMember,
  requireOwner,
  transferOwnership,
} from "../workspaces/workspaces.server.ts";
import { type ApiRequest, apiJson, apiProblem, endpoint, noContent } from "./http.server.ts";
import { iso, role, timestamp, uuid, workspaceParams } from "./resource-endpoints.server.ts";

export const workspaceSchema = z
  .object({ id: z.string(), name: z.string(), role, current: z.boolean().describe("The one the API acts on") })
  .meta({ id: "Workspace" });

export const createWorkspaceEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/workspaces",
  operationId: "createWorkspace",
  summary: "Create a workspace you own; it becomes the current one (its onboarding starts empty)",
  tag: "workspaces",
  auth: true,
  body: newWorkspaceSchema.meta({ id: "NewWorkspace" }),
  responses: { 201: { description: "The new workspace", schema: workspaceSchema } },
  async handle({ db, auth, body }) {
    const id = await createWorkspace(db, auth.user.id, body.name);
    return apiJson({ id, name: body.name, role: "owner", current: true }, { status: 201 });
  },
});

// ── Invitations ─────────────────────────────────────────────────────────────────────────────────

export const invitationSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    sentAt: timestamp,
    expiresAt: timestamp.describe("The link works once, until then, for an account with this address"),
  })
  .meta({ id: "Invitation" });
export const invitationsResponse = z.object({ invitations: z.array(invitationSchema) }).meta({ id: "Invitations" });

const invitationView = (row: Awaited<ReturnType<typeof listOpenInvitations>>[number]) => ({
  id: row.id,
  email: row.email,
  sentAt: iso(row.sentAt)!,
  expiresAt: iso(row.expiresAt)!,
});

export const listInvitations = endpoint({
  method: "GET",
  path: "/api/v1/workspaces/{id}/invitations",
  operationId: "listInvitations",
  summary: "A workspace's open invitations (owners only)",
  tag: "workspaces",
  auth: true,
  params: workspaceParams,
  responses: { 200: { description: "Open invitations, by address", schema: invitationsResponse } },
  errors: [403, 404],
  async handle({ context, db, auth, params }) {
    const workspace = await requireOwner(context, db, params.id, auth.user.id);
    const rows = await listOpenInvitations(db, workspace.workspaceId);
    return apiJson({ invitations: rows.map(invitationView) });
  },
});

/** An invitation sent (or resent): its open row, as the list shows it. */
async function sentInvitation(
  input: Pick<ApiRequest<unknown, unknown, unknown>, "db" | "requestId">,
  workspaceId: string,
  outcome: Awaited<ReturnType<typeof invite>>,
  status: 200 | 201,
) {
  if (!outcome.ok) {
    throw apiProblem(input.requestId, outcome.status === 429 ? 429 : 409, outcome.message, {
      headers: outcome.retryAfterSeconds ? { "Retry-After": String(Math.ceil(outcome.retryAfterSeconds)) } : {},
    });
  }
  const rows = await listOpenInvitations(input.db, workspaceId);
  const row = rows.find((candidate) => candidate.email === outcome.email)!;
  return apiJson(invitationView(row), { status });
}

export const createInvitation = endpoint({
  method: "POST",
  path: "/api/v1/workspaces/{id}/invitations",
  operationId: "inviteMember",
  summary: "Invite someone by e-mail (owners only); inviting an address again resends with a new link",
  description:
    "The e-mail carries a link that works once, for 7 days, for an account with this address. An address that is already a member is a 409; 10 invitations at once per workspace, then one every 6 minutes (429).",
  tag: "workspaces",
  auth: true,
  params: workspaceParams,
  body: z.object({ email: invitationEmail }).meta({ id: "NewInvitation" }),
  responses: { 201: { description: "Sent", schema: invitationSchema } },
  errors: [403, 404, 409],
  async handle({ context, db, env, auth, params, body, requestId }) {
    const workspace = await requireOwner(context, db, params.id, auth.user.id);
    const outcome = await invite(env, db, {
      workspaceId: workspace.workspaceId,
      workspaceName: workspace.name,
      email: body.email,
      inviter: { id: auth.user.id, username: auth.user.username },
    });
    return sentInvitation({ db, requestId }, workspace.workspaceId, outcome, 201);
  },
});

const invitationParams = z.object({ id: uuid, invitationId: uuid });

export const resendWorkspaceInvitation = endpoint({
  method: "POST",
  path: "/api/v1/workspaces/{id}/invitations/{invitationId}/resend",
  operationId: "resendInvitation",
  summary: "Resend an open invitation with a new link (the old one stops working; owners only)",
  tag: "workspaces",
  auth: true,
  params: invitationParams,
  responses: { 200: { description: "Sent again", schema: invitationSchema } },
  errors: [403, 404],
  async handle({ context, db, env, auth, params, requestId }) {
    const workspace = await requireOwner(context, db, params.id, auth.user.id);
    const outcome = await resendInvitation(env, db, {
      workspaceId: workspace.workspaceId,
      workspaceName: workspace.name,
      invitationId: params.invitationId,
      inviter: { id: auth.user.id, username: auth.user.username },
    });
    if (!outcome.ok && outcome.status === 400) throw apiProblem(requestId, 404, outcome.message);
    return sentInvitation({ db, requestId }, workspace.workspaceId, outcome, 200);
  },
});

export const revokeWorkspaceInvitation = endpoint({
  method: "DELETE",
  path: "/api/v1/workspaces/{id}/invitations/{invitationId}",
  operationId: "revokeInvitation",
  summary: "Revoke an open invitation: its link stops working (owners only)",
  tag: "workspaces",
  auth: true,
  params: invitationParams,
  responses: { 204: { description: "Revoked" } },
  errors: [403, 404],
  async handle({ context, db, auth, params, requestId }) {
    const workspace = await requireOwner(context, db, params.id, auth.user.id);
    if (!(await revokeInvitation(db, workspace.workspaceId, params.invitationId))) {
      throw apiProblem(requestId, 404, "That invitation is no longer open.");
    }
    return noContent();
  },
});

// ── Members ─────────────────────────────────────────────────────────────────────────────────────

export const removeWorkspaceMember = endpoint({
  method: "DELETE",
  path: "/api/v1/workspaces/{id}/members/{userId}",
  operationId: "removeMember",
  summary: "Remove a member (owners only), or leave the workspace (your own user id, any member)",
  description: "A workspace keeps at least one owner: its last owner cannot leave (409); transfer ownership first.",
  tag: "workspaces",
  auth: true,
  params: z.object({ id: uuid, userId: uuid }),
  responses: { 204: { description: "Removed (or left)" } },
  errors: [403, 404, 409],
  async handle({ context, db, auth, params, requestId }) {
    const leaving = params.userId === auth.user.id;
    const workspace = leaving
      ? await requireMember(context, db, params.id, auth.user.id)
      : await requireOwner(context, db, params.id, auth.user.id);
    const removed = await removeMembership(db, workspace.workspaceId, params.userId);
    if (!removed.ok) throw apiProblem(requestId, removed.reason === "not-member" ? 404 : 409, removed.message);
    return noContent();
  },
});

export const transferWorkspace = endpoint({
  method: "POST",
  path: "/api/v1/workspaces/{id}/transfer",
  operationId: "transferOwnership",
  summary: "Make another member the owner; you stay as a member (owners only)",
  tag: "workspaces",
  auth: true,
  params: workspaceParams,
  body: z.object({ userId: z.uuid().describe("A member of the workspace") }).meta({ id: "OwnershipTransfer" }),
  responses: { 204: { description: "Transferred" } },
  errors: [403, 404, 409],
  async handle({ context, db, auth, params, body, requestId }) {
    const workspace = await requireOwner(context, db, params.id, auth.user.id);
    const moved = await transferOwnership(db, {
      workspaceId: workspace.workspaceId,
      fromUserId: auth.user.id,
      toUserId: body.userId,
    });
    if (!moved.ok) throw apiProblem(requestId, moved.reason === "not-member" ? 404 : 409, moved.message);
    return noContent();
  },
});
