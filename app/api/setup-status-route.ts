// GET /api/v1/setup/status: the endpoint is defined (and documented) in app/api/auth-endpoints.server.ts.
import { setupStatus } from "./auth-endpoints.server.ts";
import { apiRoute } from "./http.server.ts";

const route = apiRoute([setupStatus]);
export const loader = route.loader;
export const action = route.action;
