// GET /api/v1/account/exports/:id: the endpoint is defined (and documented) in app/api/account-endpoints.server.ts.

import { downloadDataExport } from "./account-endpoints.server.ts";
import { apiRoute } from "./http.server.ts";

const route = apiRoute([downloadDataExport]);
export const loader = route.loader;
export const action = route.action;
