// DELETE /api/v1/workspaces/:id/invitations/:invitationId: the endpoint is defined (and documented) in app/api/workspace-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { revokeWorkspaceInvitation } from "./workspace-endpoints.server.ts";

const route = apiRoute([revokeWorkspaceInvitation]);
export const loader = route.loader;
export const action = route.action;
