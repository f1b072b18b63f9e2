// GET /api/v1/plans/:id/markdown: the endpoint is defined (and documented) in app/api/plan-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { planMarkdown } from "./plan-endpoints.server.ts";

const route = apiRoute([planMarkdown]);
export const loader = route.loader;
export const action = route.action;
