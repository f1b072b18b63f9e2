// DELETE /api/v1/auth/sessions/:id: the endpoint is defined (and documented) in app/api/auth-endpoints.server.ts.
import { deleteSession } from "./auth-endpoints.server.ts";
import { apiRoute } from "./http.server.ts";

const route = apiRoute([deleteSession]);
export const loader = route.loader;
export const action = route.action;
