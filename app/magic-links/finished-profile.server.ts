// Accounts made by a magic link or a provider start with a generated username (`mustChooseUsername`).
// Until the owner picks one at /welcome, pages of the signed-in shell send them there. The shell
// layout uses either the middleware (covers its child loaders and actions) or the loader helper.
import { type MiddlewareFunction, type RouterContextProvider, redirect } from "react-router";
import { getAuth, requireUser } from "../accounts/auth.server.ts";

export const WELCOME_PATH = "/welcome";

/** requireUser, plus: a user who still has to choose a username goes to /welcome. */
export function requireFinishedProfile(args: { request: Request; context: Readonly<RouterContextProvider> }) {
  const signedIn = requireUser(args);
  if (signedIn.user.mustChooseUsername) throw redirect(WELCOME_PATH);
  return signedIn;
}

/** Route middleware for the shell layout: the same rule before any of its loaders or actions run. */
export const finishedProfileMiddleware: MiddlewareFunction<Response> = async ({ context }, next) => {
  const auth = getAuth(context);
  if (auth.status === "signed-in" && auth.user.mustChooseUsername) throw redirect(WELCOME_PATH);
  return next();
};
