// Who is asking. The root middleware resolves the session cookie once per request into `authContext`;
// loaders and actions then call requireUser / requireAnonymous / requireRole, which never query again.
import { createContext, type MiddlewareFunction, type RouterContextProvider, redirect } from "react-router";
import { isDatabaseUnavailable } from "../../db/client.ts";
import type { Role } from "../../db/schema.ts";
import { isSecureRequest } from "../platform/cookies.server.ts";
import { databaseUnavailable, getDatabase } from "../platform/database.server.ts";
import { httpError } from "../platform/http-error.ts";
import { documentPath } from "../platform/safe-redirect.ts";
import { toastCookie } from "../platform/toast.server.ts";
import {
  clearedSessionCookie,
  readSessionToken,
  type Session,
  sessionCookie,
  sessionCookieName,
  type User,
  validateSessionToken,
} from "./session.server.ts";

export type Auth =
  | { status: "signed-in"; user: User; session: Session }
  | { status: "anonymous" }
  /** The database could not be asked: pages that need a user answer 503, public pages still render. */
  | { status: "unavailable" };

// The default matters only for a route outside the root middleware (none today): it reads "anonymous".
export const authContext = createContext<Auth>({ status: "anonymous" });

export const sessionMiddleware: MiddlewareFunction<Response> = async ({ request, context }, next) => {
  const token = readSessionToken(request);
  let auth: Auth = { status: "anonymous" };
  let cookie: string | null = null;
  let refusal: string | null = null;
  if (token) {
    try {
      const valid = await validateSessionToken(getDatabase(context), token);
      if (valid && "refusal" in valid) {
        // Signed out because the account was disabled or deleted: the next page says so.
        cookie = clearedSessionCookie(request);
        refusal = toastCookie(request, { kind: "error", message: valid.refusal.message });
      } else if (valid) {
        auth = { status: "signed-in", user: valid.user, session: valid.session };
        if (valid.refreshed && valid.session.persistent) cookie = sessionCookie(request, token, valid.session);
      } else {
        cookie = clearedSessionCookie(request); // unknown, tampered or expired: forget it
      }
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      auth = { status: "unavailable" };
    }
  }
  context.set(authContext, auth);
  const response = await next();
  const name = sessionCookieName(isSecureRequest(request));
  const handlerSetsSession = response.headers.getSetCookie().some((value) => value.startsWith(`${name}=`));
  if (cookie && !handlerSetsSession) response.headers.append("Set-Cookie", cookie);
  if (refusal) response.headers.append("Set-Cookie", refusal);
  return response;
};

export function getAuth(context: Readonly<RouterContextProvider>): Auth {
  return context.get(authContext);
}

/** The signed-in user, or a redirect to /login that comes back here afterwards. */
export function requireUser({ request, context }: { request: Request; context: Readonly<RouterContextProvider> }) {
  const auth = context.get(authContext);
  if (auth.status === "unavailable") databaseUnavailable(context);
  if (auth.status === "anonymous") {
    throw redirect(`/login?redirectTo=${encodeURIComponent(documentPath(request))}`);
  }
  return { user: auth.user, session: auth.session };
}

/** For sign-in and sign-up pages: someone already signed in goes to the dashboard. */
export function requireAnonymous({ context }: { context: Readonly<RouterContextProvider> }): void {
  const auth = context.get(authContext);
  if (auth.status === "unavailable") databaseUnavailable(context);
  if (auth.status === "signed-in") throw redirect("/dashboard");
}

const rank: Record<Role, number> = { user: 0, moderator: 1, admin: 2 };

/** The signed-in user if their role is at least `role`; 403 otherwise. */
export function requireRole(args: { request: Request; context: Readonly<RouterContextProvider> }, role: Role) {
  const signedIn = requireUser(args);
  if (rank[signedIn.user.role] < rank[role]) {
    httpError(args.context, 403, "Ask an administrator of this Alva instance if you need it.");
  }
  return signedIn;
}
