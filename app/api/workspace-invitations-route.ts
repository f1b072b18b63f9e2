// GET, POST /api/v1/workspaces/:id/invitations: the endpoints are defined (and documented) in app/api/workspace-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { createInvitation, listInvitations } from "./workspace-endpoints.server.ts";

const route = apiRoute([listInvitations, createInvitation]);
export const loader = route.loader;
export const action = route.action;
