// GET/POST /login/link/verify?token=…, the link in the mail. The GET only shows "Continue as <address>"
// — mail scanners and link previews fetch links, so it must use nothing up — and the POST uses the
// token once (one conditional UPDATE) and signs this browser in. The token works in any browser.
import { data, Form, Link, useNavigation } from "react-router";
import { AccountRefusedError } from "../accounts/account-status.ts";
import {
  loadInstanceSettings,
  methodEnabled,
  methodHidden,
  SignupRefusedError,
} from "../admin/instance-settings.server.ts";
import { pageHeaders } from "../email-flows/headers.ts";
import { Panel } from "../email-flows/panel.tsx";
import { withDatabase } from "../platform/database.server.ts";
import { readForm } from "../platform/forms.server.ts";
import { httpError } from "../platform/http-error.ts";
import { requestInfo } from "../platform/request-info.ts";
import { SubmitButton } from "../ui/form-field.tsx";
import type { Route } from "./+types/verify-page";
import { consumeToken, findUsableLink, signedInRedirect, signInWithLink } from "./magic-links.server.ts";

export const meta: Route.MetaFunction = () => [
  { title: "Sign in — Alva" },
  { name: "robots", content: "noindex" },
  // The URL holds the token: no Referer with it, not even to our own origin's logs elsewhere.
  { name: "referrer", content: "no-referrer" },
];
export const headers: Route.HeadersFunction = pageHeaders;

const invalid = () => data({ view: "invalid" as const }, { status: 410 });

export async function loader({ request, context }: Route.LoaderArgs) {
  const token = new URL(request.url).searchParams.get("token");
  const link = await withDatabase(context, (db) => findUsableLink(db, token));
  if (!link || !token) return invalid();
  return { view: "confirm" as const, token, email: link.email };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { env } = context.get(requestInfo);
  const form = await readForm({ request, context });
  if (!methodEnabled(await withDatabase(context, loadInstanceSettings), "magic-link")) {
    httpError(context, 403, methodHidden);
  }
  const token = form.get("token");
  const result = await withDatabase(context, async (db) => {
    const link = await consumeToken(db, token);
    if (!link) return null;
    return { link, signedIn: await signInWithLink(db, env, { link, request }) };
  }).catch((error: unknown) => {
    if (error instanceof AccountRefusedError) httpError(context, 403, error.message);
    // No account yet, and the sign-up policy does not admit this address (/admin/settings).
    if (error instanceof SignupRefusedError) httpError(context, 403, error.message);
    throw error;
  });
  if (!result) return invalid();

  return signedInRedirect(request, result.signedIn, result.link);
}

export default function MagicLinkVerifyPage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  if (actionData?.view === "invalid" || loaderData.view === "invalid") {
    return (
      <Panel title="This link has expired or was used">
        <p>Sign-in links work once, for 10 minutes.</p>
        <p>
          <Link to="/login/link" className="underline">
            Get a new link
          </Link>{" "}
          or{" "}
          <Link to="/login" className="underline">
            sign in with a password
          </Link>
          .
        </p>
      </Panel>
    );
  }
  return (
    <Panel title="Sign in to Alva">
      <p>
        Continue as <strong>{loaderData.email}</strong>?
      </p>
      {/* The token stays in the URL too, so the page can re-render it if the POST fails. */}
      <Form method="post" action={`/login/link/verify?token=${encodeURIComponent(loaderData.token)}`}>
        <input type="hidden" name="token" value={loaderData.token} />
        <SubmitButton pending={navigation.state === "submitting"} pendingLabel="Signing in…">
          {`Continue as ${loaderData.email}`}
        </SubmitButton>
      </Form>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        If you didn't ask for this link, close this page: nothing happens.
      </p>
    </Panel>
  );
}
