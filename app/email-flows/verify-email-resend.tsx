// POST /verify-email/resend: a new code and link for the signed-in user's own address (the shell's
// "unverified" banner and /verify-email post here). Rate limited per user, because each call sends
// a mail. A GET only shows a button, so a link elsewhere can never trigger a mail.
import { data, Form, Link, redirect, useNavigation } from "react-router";
import { requireUser } from "../accounts/auth.server.ts";
import { checkLimit, retryPhrase } from "../accounts/limits.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { toastCookie } from "../platform/toast.server.ts";
import { SubmitButton } from "../ui/form-field.tsx";
import type { Route } from "./+types/verify-email-resend";
import { pageHeaders } from "./headers.ts";
import { Panel } from "./panel.tsx";
import { sendVerificationEmail } from "./verification.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Send a new code — Alva" }];
export const headers: Route.HeadersFunction = pageHeaders;

export function loader(args: Route.LoaderArgs) {
  // No redirect here: after a rate-limited POST this loader runs too, and the 429 page must stay.
  requireUser(args);
  return null;
}

export async function action(args: Route.ActionArgs) {
  const { request, context } = args;
  const { user } = requireUser(args);
  if (user.emailVerifiedAt !== null) {
    return redirect("/dashboard", {
      headers: { "Set-Cookie": toastCookie(request, { kind: "info", message: `${user.email} is already verified.` }) },
    });
  }
  const { env } = context.get(requestInfo);
  const limit = await checkLimit(env, "verificationEmail", user.id);
  if (!limit.allowed) {
    return data(
      {
        message: `We've sent you several codes in a short time; ${retryPhrase(limit.retryAfterSeconds)}. Meanwhile, the newest code we sent still works.`,
      },
      { status: 429, headers: { "Retry-After": String(limit.retryAfterSeconds) } },
    );
  }
  await withDatabase(context, (db) =>
    sendVerificationEmail(db, env, { user, email: user.email, purpose: "verify-email", request }),
  );
  return redirect("/verify-email", {
    headers: {
      "Set-Cookie": toastCookie(request, { kind: "success", message: `We sent a new code to ${user.email}.` }),
    },
  });
}

export default function ResendPage({ actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  if (actionData) {
    return (
      <Panel title="Please wait a little">
        <p role="alert">{actionData.message}</p>
        <p>
          <Link to="/verify-email" className="underline">
            Enter the code you already have
          </Link>
        </p>
      </Panel>
    );
  }
  return (
    <Panel title="Send a new code">
      <p>We'll send a new 8-digit code and link to your address. Earlier codes stop working.</p>
      <Form method="post">
        <SubmitButton pending={navigation.state === "submitting"} pendingLabel="Sending…">
          Send a new code
        </SubmitButton>
      </Form>
    </Panel>
  );
}
