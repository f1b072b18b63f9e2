// POST /api/v1/auth/token: the endpoint is defined (and documented) in app/api/auth-endpoints.server.ts.
import { issueToken } from "./auth-endpoints.server.ts";
import { apiRoute } from "./http.server.ts";

const route = apiRoute([issueToken]);
export const loader = route.loader;
export const action = route.action;
