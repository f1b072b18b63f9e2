// GET /api/v1/plans/jobs/:id: the endpoint is defined (and documented) in app/api/resource-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { getPlanJob } from "./resource-endpoints.server.ts";

const route = apiRoute([getPlanJob]);
export const loader = route.loader;
export const action = route.action;
