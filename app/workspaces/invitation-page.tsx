// GET/POST /invitations/:token — the link in an invitation e-mail. Signed out: who invited you where,
// with "sign in" (coming back here) and "create an account" for the invited address. Signed in with
// that address: an Accept button (a plain form). Signed in as someone else: refused, the invitation is
// not theirs. Unknown, used, revoked and expired links all read the same.
import { Form, Link, type RouterContextProvider, redirect } from "react-router";
import { getAuth } from "../accounts/auth.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { httpError } from "../platform/http-error.ts";
import { toastCookie } from "../platform/toast.server.ts";
import type { Route } from "./+types/invitation-page";
import { acceptInvitation, findInvitation } from "./invitations.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Invitation — Alva" }];
// The token is in the address: keep the page out of caches and the link out of Referer headers.
export const headers: Route.HeadersFunction = () => ({ "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" });

function invalid(context: Readonly<RouterContextProvider>): never {
  httpError(
    context,
    404,
    "This invitation link is not valid any more: it was used, revoked, replaced by a newer one or expired.",
  );
}

export async function loader(args: Route.LoaderArgs) {
  const auth = getAuth(args.context);
  const invitation = await withDatabase(args.context, (db) => findInvitation(db, args.params.token));
  if (!invitation) invalid(args.context);
  const signedInAs = auth.status === "signed-in" ? auth.user.email : null;
  return {
    workspaceName: invitation.workspaceName,
    email: invitation.email,
    signedInAs,
    mine: signedInAs === invitation.email,
    here: `/invitations/${args.params.token}`,
  };
}

export async function action(args: Route.ActionArgs) {
  const auth = getAuth(args.context);
  const here = `/invitations/${args.params.token}`;
  if (auth.status !== "signed-in") return redirect(`/login?redirectTo=${encodeURIComponent(here)}`);
  const outcome = await withDatabase(args.context, (db) => acceptInvitation(db, args.params.token, auth.user));
  if (!outcome.ok) {
    if (outcome.reason === "wrong-account")
      httpError(args.context, 403, "This invitation was sent to another e-mail address.");
    invalid(args.context);
  }
  return redirect("/chat", {
    headers: { "Set-Cookie": toastCookie(args.request, { kind: "success", message: "Welcome to the team!" }) },
  });
}

export default function InvitationPage({ loaderData }: Route.ComponentProps) {
  const { workspaceName, email, signedInAs, mine, here } = loaderData;
  return (
    <section className="mx-auto max-w-md space-y-4" aria-labelledby="invitation-title">
      <h1 id="invitation-title" className="text-2xl font-semibold tracking-tight">
        Join {workspaceName}
      </h1>
      <p>
        This invitation is for <strong>{email}</strong>.
      </p>
      {mine ? (
        <Form method="post">
          <button
            type="submit"
            className="w-full rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700"
          >
            Accept and join {workspaceName}
          </button>
        </Form>
      ) : signedInAs ? (
        <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          You are signed in as {signedInAs}. Sign out, then open this link again and sign in as {email}.
        </p>
      ) : (
        <div className="space-y-2">
          <p>
            <Link to={`/login?redirectTo=${encodeURIComponent(here)}`} className="underline">
              Sign in as {email}
            </Link>{" "}
            to accept.
          </p>
          <p>
            No account yet?{" "}
            <Link to="/signup" className="underline">
              Create one with {email}
            </Link>
            , then sign in and open this link again.
          </p>
        </div>
      )}
    </section>
  );
}
