// GET /.well-known/jwks.json: the endpoint is defined (and documented) in app/api/auth-endpoints.server.ts.
import { jwks } from "./auth-endpoints.server.ts";
import { apiRoute } from "./http.server.ts";

const route = apiRoute([jwks]);
export const loader = route.loader;
export const action = route.action;
