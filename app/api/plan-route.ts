// GET /api/v1/plans/:id: the endpoint is defined (and documented) in app/api/resource-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { getPlan } from "./resource-endpoints.server.ts";

const route = apiRoute([getPlan]);
export const loader = route.loader;
export const action = route.action;
