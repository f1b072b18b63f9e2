// GET /api/v1/openapi.json: made from the endpoints' own zod schemas (app/api/openapi.server.ts).
import { openApi } from "./endpoints.ts";
import { apiRoute } from "./http.server.ts";

const route = apiRoute([openApi]);
export const loader = route.loader;
export const action = route.action;
