// POST /auth/:provider starts a sign-in (from /login) or a "connect" (from /settings/connections, link
// mode): the state (and Google's PKCE verifier) go into the signed, short-lived state cookie, then the
// browser goes to the provider. It is a POST so the global CSRF guard covers it: another site cannot
// start a flow in someone's browser. A disabled or unknown provider is a 404.
//
// Why a page and not a redirect: our CSP has `form-action 'self'`, and browsers apply form-action to
// every redirect that follows a form submission, so a 302 to github.com would be blocked. The answer
// is a small page whose <meta http-equiv="refresh"> (not governed by form-action) and link go on.
import { createElement } from "react";
import { data, redirect } from "react-router";
import { getAuth, requireUser } from "../accounts/auth.server.ts";
import { loadInstanceSettings, methodEnabled, methodHidden } from "../admin/instance-settings.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { readForm } from "../platform/forms.server.ts";
import { httpError, NOT_FOUND_MESSAGE } from "../platform/http-error.ts";
import { requestInfo } from "../platform/request-info.ts";
import { safeRedirectPath } from "../platform/safe-redirect.ts";
import type { Route } from "./+types/start-route";
import { providerConfig, redirectUri } from "./config.server.ts";
import { startAuthorization } from "./provider-api.server.ts";
import { isOAuthProvider, providerLabels } from "./providers.ts";
import { STATE_TTL_MS, stateCookie } from "./state-cookie.server.ts";

// A GET (someone typing the URL) has nothing to start: the page links back to sign-in. (A redirect
// here would also replace the action's answer, since loaders run again after a document POST.)
export function loader() {
  return null;
}

export async function action(args: Route.ActionArgs) {
  const { request, context, params } = args;
  const { env } = context.get(requestInfo);
  const provider = params.provider;
  if (!isOAuthProvider(provider)) httpError(context, 404, NOT_FOUND_MESSAGE);
  const config = providerConfig(env, provider);
  if (!config) httpError(context, 404, NOT_FOUND_MESSAGE);
  // Turned off at /admin/settings: not offered, and refused when posted anyway.
  if (!methodEnabled(await withDatabase(context, loadInstanceSettings), provider))
    httpError(context, 403, methodHidden);

  const form = await readForm(args);
  const mode = form.get("mode") === "link" ? "link" : "sign-in";
  let userId: string | undefined;
  if (mode === "link") {
    userId = requireUser(args).user.id;
  } else if (getAuth(context).status === "signed-in") {
    return redirect("/dashboard");
  }
  const redirectTo =
    mode === "sign-in" ? safeRedirectPath(form.get("redirectTo")?.toString(), "/dashboard") : undefined;

  const start = startAuthorization(config, redirectUri(env, provider));
  const cookie = await stateCookie(request, env.SESSION_SECRET, {
    provider,
    state: start.state,
    codeVerifier: start.codeVerifier,
    mode,
    userId,
    redirectTo,
    expiresAt: Date.now() + STATE_TTL_MS,
  });
  return data(
    { providerUrl: start.url.toString(), provider: providerLabels[provider] },
    { headers: { "Set-Cookie": cookie, "Cache-Control": "no-store" } },
  );
}

export const meta: Route.MetaFunction = () => [{ title: "Continuing… — Alva" }];

// Also makes this a page route, so a 404 renders in the app's layout. Plain createElement keeps this a .ts module.
export default function StartOAuth({ actionData }: Route.ComponentProps) {
  if (!actionData)
    return createElement("p", null, createElement("a", { href: "/login", className: "underline" }, "Back to sign in"));
  const { providerUrl, provider } = actionData;
  return createElement(
    "section",
    { className: "mx-auto max-w-md space-y-4" },
    // React hoists this into <head>; the browser goes on at once, with or without JavaScript.
    createElement("meta", { httpEquiv: "refresh", content: `0;url=${providerUrl}` }),
    createElement("h1", { className: "text-2xl font-semibold tracking-tight" }, `Continuing to ${provider}…`),
    createElement(
      "p",
      null,
      createElement(
        "a",
        { href: providerUrl, className: "underline", "data-testid": "provider-redirect" },
        `Continue to ${provider}`,
      ),
    ),
  );
}
