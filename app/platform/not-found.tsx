// Any URL no other route matches. Throwing here (rather than letting the router 404 on its own)
// lets the root loader run, so the 404 page has the layout, the theme and the request id.
import type { Route } from "./+types/not-found";
import { httpError, NOT_FOUND_MESSAGE } from "./http-error.ts";

function notFound(context: Route.LoaderArgs["context"]): never {
  return httpError(context, 404, NOT_FOUND_MESSAGE);
}

export function loader({ context }: Route.LoaderArgs) {
  notFound(context);
}

export function action({ context }: Route.ActionArgs) {
  notFound(context);
}

// A component makes this a page route (rendered in the layout), not a resource route. It never
// renders: the loader always throws, and the root ErrorBoundary shows the 404.
export default function NotFound() {
  return null;
}
