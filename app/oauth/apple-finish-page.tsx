// GET /auth/apple/finish: the second half of Apple's callback (see apple-form-post.ts).
import type { Route } from "./+types/apple-finish-page";
import { handleCallback } from "./callback.server.ts";
import { CallbackView } from "./callback-view.tsx";

export const meta: Route.MetaFunction = () => [{ title: "Sign-in — Alva" }];

export function loader({ request, context }: Route.LoaderArgs) {
  return handleCallback({ request, context, providerParam: "apple", params: new URL(request.url).searchParams });
}

export default function AppleFinish({ loaderData }: Route.ComponentProps) {
  return <CallbackView result={loaderData} />;
}
