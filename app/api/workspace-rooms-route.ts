// GET, POST /api/v1/workspaces/:id/rooms: the endpoints are defined (and documented) in app/api/resource-endpoints.server.ts, app/api/chat-endpoints.server.ts.

import { createWorkspaceRoom } from "./chat-endpoints.server.ts";
import { apiRoute } from "./http.server.ts";
import { listWorkspaceRooms } from "./resource-endpoints.server.ts";

const route = apiRoute([listWorkspaceRooms, createWorkspaceRoom]);
export const loader = route.loader;
export const action = route.action;
