// Every URL of Alva. Route modules live next to their feature's server code and tests.
import { type RouteConfig, index, route } from "@react-router/dev/routes";

export default [
  index("landing/landing-page.tsx"),
  route("theme", "theme/theme-action.ts"),
  route("healthz", "health/healthz.ts"),
  route("readyz", "health/readyz.ts"),
  // Last: any other URL is a 404 rendered in the app's layout, with the request id.
  route("*", "platform/not-found.tsx"),
] satisfies RouteConfig;
