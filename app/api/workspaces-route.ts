// GET /api/v1/workspaces: the endpoint is defined (and documented) in app/api/resource-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { listWorkspaces } from "./resource-endpoints.server.ts";

const route = apiRoute([listWorkspaces]);
export const loader = route.loader;
export const action = route.action;
