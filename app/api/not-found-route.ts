// Any other address under /api/: a 404 problem document (JSON), never the HTML 404 page.
import { apiRoute } from "./http.server.ts";

const route = apiRoute([]);
export const loader = route.loader;
export const action = route.action;
