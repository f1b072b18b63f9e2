// PUT, DELETE /api/v1/rooms/:id/messages/:messageId: the endpoints are defined (and documented) in app/api/chat-endpoints.server.ts.

import { deleteRoomMessage, editRoomMessage } from "./chat-endpoints.server.ts";
import { apiRoute } from "./http.server.ts";

const route = apiRoute([editRoomMessage, deleteRoomMessage]);
export const loader = route.loader;
export const action = route.action;
