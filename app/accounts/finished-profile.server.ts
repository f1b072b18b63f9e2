// Accounts made by a magic link or a provider start with a generated username (`mustChooseUsername`).
// Until the owner picks one at /welcome, pages of the signed-in shell send them there: its layout's
// middleware applies this (and requires a signed-in user) before any of its loaders or actions.
import { type MiddlewareFunction, type RouterContextProvider, redirect } from "react-router";
import { requireUser } from "./auth.server.ts";

export const WELCOME_PATH = "/welcome";

/** requireUser, plus: a user who still has to choose a username goes to /welcome. */
export function requireFinishedProfile(args: { request: Request; context: Readonly<RouterContextProvider> }) {
  const signedIn = requireUser(args);
  if (signedIn.user.mustChooseUsername) throw redirect(WELCOME_PATH);
  return signedIn;
}

/**
 * Route middleware for the shell layout: requireFinishedProfile before any of its loaders or actions
 * run, so a page inside the shell cannot forget to require a signed-in user.
 */
export const finishedProfileMiddleware: MiddlewareFunction<Response> = async (args, next) => {
  requireFinishedProfile(args);
  return next();
};
