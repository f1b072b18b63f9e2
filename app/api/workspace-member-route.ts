// DELETE /api/v1/workspaces/:id/members/:userId: the endpoint is defined (and documented) in app/api/workspace-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { removeWorkspaceMember } from "./workspace-endpoints.server.ts";

const route = apiRoute([removeWorkspaceMember]);
export const loader = route.loader;
export const action = route.action;
