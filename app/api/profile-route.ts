// GET /api/v1/profile: the endpoint is defined (and documented) in app/api/resource-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { profile } from "./resource-endpoints.server.ts";

const route = apiRoute([profile]);
export const loader = route.loader;
export const action = route.action;
