// POST /api/v1/rooms/:id/restore: the endpoint is defined (and documented) in app/api/chat-endpoints.server.ts.

import { restoreWorkspaceRoom } from "./chat-endpoints.server.ts";
import { apiRoute } from "./http.server.ts";

const route = apiRoute([restoreWorkspaceRoom]);
export const loader = route.loader;
export const action = route.action;
