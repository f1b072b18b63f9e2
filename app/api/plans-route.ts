// GET, POST /api/v1/plans: the endpoint is defined (and documented) in app/api/resource-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { generatePlan, listPlansEndpoint } from "./resource-endpoints.server.ts";

const route = apiRoute([listPlansEndpoint, generatePlan]);
export const loader = route.loader;
export const action = route.action;
