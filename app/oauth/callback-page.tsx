// GET /auth/:provider/callback: where GitHub and Google send the browser back. A success redirects; a
// refusal renders here with status 400. (Apple posts to /auth/apple/callback instead: apple-form-post.ts.)
import { httpError, NOT_FOUND_MESSAGE } from "../platform/http-error.ts";
import type { Route } from "./+types/callback-page";
import { handleCallback } from "./callback.server.ts";
import { CallbackView } from "./callback-view.tsx";

export const meta: Route.MetaFunction = () => [{ title: "Sign-in — Alva" }];

export function loader({ request, context, params }: Route.LoaderArgs) {
  // Apple's answers arrive through /auth/apple/finish only, after the form_post bounce.
  const provider = params.provider === "apple" ? undefined : params.provider;
  return handleCallback({ request, context, providerParam: provider, params: new URL(request.url).searchParams });
}

// Nobody POSTs here (Apple's form_post goes to its own route): 404, like any unknown address.
export function action({ context }: Route.ActionArgs) {
  httpError(context, 404, NOT_FOUND_MESSAGE);
}

export default function OAuthCallback({ loaderData }: Route.ComponentProps) {
  return <CallbackView result={loaderData} />;
}
