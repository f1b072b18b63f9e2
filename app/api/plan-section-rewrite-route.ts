// POST /api/v1/plans/:id/sections/:section/rewrite: the endpoint is defined (and documented) in app/api/plan-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { rewritePlanSection } from "./plan-endpoints.server.ts";

const route = apiRoute([rewritePlanSection]);
export const loader = route.loader;
export const action = route.action;
