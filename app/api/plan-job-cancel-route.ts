// POST /api/v1/plans/jobs/:id/cancel: the endpoint is defined (and documented) in app/api/resource-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { cancelPlanJob } from "./resource-endpoints.server.ts";

const route = apiRoute([cancelPlanJob]);
export const loader = route.loader;
export const action = route.action;
