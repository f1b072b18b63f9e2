// PUT /api/v1/plans/:id/sections/:section: the endpoint is defined (and documented) in app/api/plan-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { editPlanSection } from "./plan-endpoints.server.ts";

const route = apiRoute([editPlanSection]);
export const loader = route.loader;
export const action = route.action;
