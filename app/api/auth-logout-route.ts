// POST /api/v1/auth/logout: the endpoint is defined (and documented) in app/api/auth-endpoints.server.ts.
import { logout } from "./auth-endpoints.server.ts";
import { apiRoute } from "./http.server.ts";

const route = apiRoute([logout]);
export const loader = route.loader;
export const action = route.action;
