// GET /auth/:provider/callback (Apple: POST, form_post). Checks the state against the signed state
// cookie and clears the cookie in every answer so it cannot be replayed; exchanges the code; then signs
// in, links, or creates the account (oauth-accounts.server.ts). Every refusal is a 400 page that says
// what happened and creates no session.
import { data, type RouterContextProvider, redirect } from "react-router";
import { accountRefusal } from "../accounts/account-status.ts";
import { getAuth } from "../accounts/auth.server.ts";
import { recordSecurityEvent } from "../accounts/security-log.server.ts";
import { startSession } from "../accounts/session.server.ts";
import { getDatabase, withDatabase } from "../platform/database.server.ts";
import { httpError, NOT_FOUND_MESSAGE } from "../platform/http-error.ts";
import { requestInfo } from "../platform/request-info.ts";
import { safeRedirectPath } from "../platform/safe-redirect.ts";
import { redirectWithToast } from "../platform/toast.server.ts";
import { copyAvatar } from "./avatar.server.ts";
import type { CallbackViewData as CallbackError } from "./callback-view.tsx";
import { providerConfig, redirectUri } from "./config.server.ts";
import { linkProvider, resolveSignIn } from "./oauth-accounts.server.ts";
import { fetchProfile, type ProviderProfile } from "./provider-api.server.ts";
import { isOAuthProvider, providerLabels } from "./providers.ts";
import { clearedStateCookie, readStateCookie } from "./state-cookie.server.ts";

export async function handleCallback(input: {
  request: Request;
  context: Readonly<RouterContextProvider>;
  providerParam: string | undefined;
  params: URLSearchParams;
}) {
  const { request, context, providerParam, params } = input;
  const { env, ctx, requestId } = context.get(requestInfo);
  if (!isOAuthProvider(providerParam)) httpError(context, 404, NOT_FOUND_MESSAGE);
  const provider = providerParam;
  const config = providerConfig(env, provider);
  if (!config) httpError(context, 404, NOT_FOUND_MESSAGE);
  const label = providerLabels[provider];

  const headers = new Headers();
  headers.append("Set-Cookie", clearedStateCookie(request, provider));
  const attempt = await readStateCookie(request, env.SESSION_SECRET, provider);
  const mode = attempt?.mode ?? "sign-in";
  const refuse = (error: string) => data<CallbackError>({ error, provider: label, mode }, { status: 400, headers });

  const state = params.get("state");
  if (!attempt) return refuse(`This ${label} sign-in has expired or was started in another browser. Start again.`);
  if (!state || state !== attempt.state)
    return refuse(`This ${label} sign-in doesn't match the one this browser started. Start again.`);
  if (provider === "google" && !attempt.codeVerifier)
    return refuse(`This ${label} sign-in is missing its verifier. Start again.`);
  const providerError = params.get("error");
  if (providerError) {
    return refuse(
      providerError === "access_denied" || providerError === "user_cancelled_authorize"
        ? `You cancelled signing in with ${label}.`
        : `${label} refused the sign-in. Try again.`,
    );
  }
  const code = params.get("code");
  if (!code) return refuse(`${label} sent no authorization code. Start again.`);

  let profile: ProviderProfile;
  try {
    profile = await fetchProfile(config, {
      redirectUri: redirectUri(env, provider),
      code,
      codeVerifier: attempt.codeVerifier,
      appleUser: params.get("user"),
    });
  } catch (error) {
    // The reason goes to the log (no codes or tokens in it); the page stays generic.
    console.warn(
      JSON.stringify({
        level: "warn",
        msg: "oauth callback refused",
        provider,
        reason: String((error as Error)?.message ?? error).slice(0, 200),
        requestId,
      }),
    );
    return refuse(`${label} sign-in could not be completed. Start again.`);
  }
  // The provider's picture for an account that has none yet: after the response, never failing it.
  const avatarUrl = profile.avatarUrl;
  const copyAvatarLater = (userId: string) => {
    if (avatarUrl) ctx.waitUntil(copyAvatar(env, getDatabase(context), { userId, url: avatarUrl }));
  };

  return withDatabase(context, async (db) => {
    if (attempt.mode === "link") {
      const auth = getAuth(context);
      // Apple's cross-site POST carries no session cookie; the signed state cookie names the user.
      // When a session is visible it must be the same user who started the connect.
      if (!attempt.userId || (auth.status === "signed-in" && auth.user.id !== attempt.userId)) {
        return refuse(`This ${label} connection was started by another account. Start again.`);
      }
      const result = await linkProvider(db, provider, profile, attempt.userId);
      if (result.outcome === "refused") return refuse(result.message);
      if (result.outcome === "linked") {
        await recordSecurityEvent(db, { userId: attempt.userId, type: "provider-linked", request, detail: label });
        copyAvatarLater(attempt.userId);
      }
      return redirectWithToast(
        request,
        "/settings/connections",
        { kind: "success", message: `${label} is connected.` },
        headers,
      );
    }

    const result = await resolveSignIn(db, provider, profile);
    if (result.outcome === "refused") return refuse(result.message);
    const { user } = result;
    const refusal = accountRefusal(user);
    if (refusal) return refuse(refusal.message);
    if (result.outcome === "linked")
      await recordSecurityEvent(db, { userId: user.id, type: "provider-linked", request, detail: label });
    if (result.outcome === "created")
      await recordSecurityEvent(db, { userId: user.id, type: "account-created", request, detail: label });
    if (result.outcome !== "existing") copyAvatarLater(user.id);
    headers.append(
      "Set-Cookie",
      await startSession(db, env, {
        userId: user.id,
        persistent: true,
        request,
        event: { type: "sign-in", detail: label },
      }),
    );
    const destination =
      result.outcome === "created" || user.mustChooseUsername
        ? "/welcome"
        : safeRedirectPath(attempt.redirectTo, "/dashboard");
    return redirect(destination, { headers });
  });
}
