// POST /api/v1/workspaces/:id/transfer: the endpoint is defined (and documented) in app/api/workspace-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { transferWorkspace } from "./workspace-endpoints.server.ts";

const route = apiRoute([transferWorkspace]);
export const loader = route.loader;
export const action = route.action;
