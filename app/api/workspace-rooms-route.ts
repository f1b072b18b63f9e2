// GET /api/v1/workspaces/:id/rooms: the endpoint is defined (and documented) in app/api/resource-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { listWorkspaceRooms } from "./resource-endpoints.server.ts";

const route = apiRoute([listWorkspaceRooms]);
export const loader = route.loader;
export const action = route.action;
