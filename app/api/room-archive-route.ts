// POST /api/v1/rooms/:id/archive: the endpoint is defined (and documented) in app/api/chat-endpoints.server.ts.

import { archiveWorkspaceRoom } from "./chat-endpoints.server.ts";
import { apiRoute } from "./http.server.ts";

const route = apiRoute([archiveWorkspaceRoom]);
export const loader = route.loader;
export const action = route.action;
