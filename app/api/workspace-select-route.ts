// POST /api/v1/workspaces/:id/select: the endpoint is defined (and documented) in app/api/resource-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { selectCurrentWorkspace } from "./resource-endpoints.server.ts";

const route = apiRoute([selectCurrentWorkspace]);
export const loader = route.loader;
export const action = route.action;
