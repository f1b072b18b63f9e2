// GET /api/v1/onboarding/cards: the endpoint is defined (and documented) in app/api/resource-endpoints.server.ts.
import { apiRoute } from "./http.server.ts";
import { listCards } from "./resource-endpoints.server.ts";

const route = apiRoute([listCards]);
export const loader = route.loader;
export const action = route.action;
