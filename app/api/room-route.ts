// GET, PUT /api/v1/rooms/:id: the endpoints are defined (and documented) in app/api/chat-endpoints.server.ts.

import { getRoom, renameWorkspaceRoom } from "./chat-endpoints.server.ts";
import { apiRoute } from "./http.server.ts";

const route = apiRoute([getRoom, renameWorkspaceRoom]);
export const loader = route.loader;
export const action = route.action;
