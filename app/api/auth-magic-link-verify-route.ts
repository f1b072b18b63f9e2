// POST /api/v1/auth/magic-link/verify: the endpoint is defined (and documented) in app/api/auth-endpoints.server.ts.
import { verifyMagicLink } from "./auth-endpoints.server.ts";
import { apiRoute } from "./http.server.ts";

const route = apiRoute([verifyMagicLink]);
export const loader = route.loader;
export const action = route.action;
