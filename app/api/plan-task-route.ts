// PUT /api/v1/plans/:id/tasks/:taskId: the endpoint is defined (and documented) in app/api/plan-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { tickPlanTask } from "./plan-endpoints.server.ts";

const route = apiRoute([tickPlanTask]);
export const loader = route.loader;
export const action = route.action;
