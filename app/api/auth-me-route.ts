// GET /api/v1/auth/me: the endpoint is defined (and documented) in app/api/auth-endpoints.server.ts.
import { me } from "./auth-endpoints.server.ts";
import { apiRoute } from "./http.server.ts";

const route = apiRoute([me]);
export const loader = route.loader;
export const action = route.action;
