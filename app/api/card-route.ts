// GET, PUT /api/v1/onboarding/cards/:id: the endpoint is defined (and documented) in app/api/resource-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { getCard, putCard } from "./resource-endpoints.server.ts";

const route = apiRoute([getCard, putCard]);
export const loader = route.loader;
export const action = route.action;
