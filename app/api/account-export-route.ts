// GET, POST /api/v1/account/export: the endpoints are defined (and documented) in app/api/account-endpoints.server.ts.

import { getDataExport, requestDataExport } from "./account-endpoints.server.ts";
import { apiRoute } from "./http.server.ts";

const route = apiRoute([getDataExport, requestDataExport]);
export const loader = route.loader;
export const action = route.action;
