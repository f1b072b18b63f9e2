// GET /api/v1/auth/sessions: the endpoint is defined (and documented) in app/api/auth-endpoints.server.ts.
import { listSessions } from "./auth-endpoints.server.ts";
import { apiRoute } from "./http.server.ts";

const route = apiRoute([listSessions]);
export const loader = route.loader;
export const action = route.action;
