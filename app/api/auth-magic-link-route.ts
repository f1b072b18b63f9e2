// POST /api/v1/auth/magic-link: the endpoint is defined (and documented) in app/api/auth-endpoints.server.ts.
import { requestMagicLink } from "./auth-endpoints.server.ts";
import { apiRoute } from "./http.server.ts";

const route = apiRoute([requestMagicLink]);
export const loader = route.loader;
export const action = route.action;
