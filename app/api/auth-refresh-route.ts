// POST /api/v1/auth/refresh: the endpoint is defined (and documented) in app/api/auth-endpoints.server.ts.
import { refreshToken } from "./auth-endpoints.server.ts";
import { apiRoute } from "./http.server.ts";

const route = apiRoute([refreshToken]);
export const loader = route.loader;
export const action = route.action;
