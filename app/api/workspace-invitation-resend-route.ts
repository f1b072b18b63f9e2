// POST /api/v1/workspaces/:id/invitations/:invitationId/resend: the endpoint is defined (and documented) in app/api/workspace-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { resendWorkspaceInvitation } from "./workspace-endpoints.server.ts";

const route = apiRoute([resendWorkspaceInvitation]);
export const loader = route.loader;
export const action = route.action;
