// GET /api/v1/workspaces/:id/members: the endpoint is defined (and documented) in app/api/resource-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { listWorkspaceMembers } from "./resource-endpoints.server.ts";

const route = apiRoute([listWorkspaceMembers]);
export const loader = route.loader;
export const action = route.action;
