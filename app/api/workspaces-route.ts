// GET, POST /api/v1/workspaces: the endpoints are defined (and documented) in app/api/resource-endpoints.server.ts, app/api/workspace-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { listWorkspaces } from "./resource-endpoints.server.ts";
import { createWorkspaceEndpoint } from "./workspace-endpoints.server.ts";

const route = apiRoute([listWorkspaces, createWorkspaceEndpoint]);
export const loader = route.loader;
export const action = route.action;
