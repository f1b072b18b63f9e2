// GET, POST /api/v1/rooms/:id/messages: the endpoint is defined (and documented) in app/api/resource-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { listRoomMessages, postRoomMessage } from "./resource-endpoints.server.ts";

const route = apiRoute([listRoomMessages, postRoomMessage]);
export const loader = route.loader;
export const action = route.action;
