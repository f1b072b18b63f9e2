import { getFormProps, useForm } from "@conform-to/react";
import { data, Form, Link, redirect, useNavigation } from "react-router";
import type { z } from "zod";
import { getAuth } from "../accounts/auth.server.ts";
import { checkClientLimit, retryPhrase } from "../accounts/limits.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { parseForm } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { ErrorList } from "../ui/form-field.tsx";
import type { Route } from "./+types/landing-page";
import { joinWaitlist, waitlistForm } from "./waitlist.server.ts";

export function loader({ request, context }: Route.LoaderArgs) {
  return {
    joined: new URL(request.url).searchParams.get("waitlist") === "joined",
    signedIn: getAuth(context).status === "signed-in",
  };
}

export async function action(args: Route.ActionArgs) {
  const submission = await parseForm(args, waitlistForm);
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  const limit = await checkClientLimit(args.context.get(requestInfo).env, "waitlistIp", args.request);
  if (!limit.allowed) {
    const message = `Too many sign-ups from your network; ${retryPhrase(limit.retryAfterSeconds)}.`;
    return data({ result: submission.reply({ fieldErrors: { email: [message] } }) }, { status: 429 });
  }
  await withDatabase(args.context, (db) => joinWaitlist(db, submission.value.email));
  // Post/redirect/get: a refresh never re-submits, and the message survives without JavaScript. The
  // same answer whether or not the address was on the list already.
  return redirect("/?waitlist=joined#waitlist");
}

const primaryLink = "rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700";
const secondaryLink =
  "rounded-md border border-zinc-300 px-4 py-2 font-medium hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900";

export default function LandingPage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const submitting = navigation.state !== "idle" && navigation.formAction?.startsWith("/?index") === true;
  const [form, fields] = useForm<z.input<typeof waitlistForm>>({ id: "waitlist", lastResult: actionData?.result });
  const email = fields.email;
  const invalid = (email.errors?.length ?? 0) > 0;

  return (
    <div className="space-y-16">
      <section className="max-w-2xl">
        <h1 className="text-4xl font-semibold tracking-tight sm:text-5xl">Marketing help that knows your business.</h1>
        <p className="mt-6 text-lg text-zinc-600 dark:text-zinc-400">
          Alva asks you about your business once — what you sell, who buys it, what you can spend — and drafts a
          marketing plan you can actually carry out. Then it stays in the room: chat with Alva and your team about the
          next step. You can run it yourself, on your own Cloudflare account.
        </p>
        <p className="mt-8 flex flex-wrap gap-3">
          {loaderData.signedIn ? (
            <Link to="/dashboard" className={primaryLink}>
              Open Alva
            </Link>
          ) : (
            <>
              <Link to="/signup" className={primaryLink}>
                Create an account
              </Link>
              <Link to="/login" className={secondaryLink}>
                Sign in
              </Link>
            </>
          )}
        </p>
      </section>

      {/* Someone signed in has what the waitlist promises: "Open Alva" above replaces it. */}
      {loaderData.signedIn ? null : (
        <section
          id="waitlist"
          aria-labelledby="waitlist-title"
          className="max-w-xl rounded-2xl border border-zinc-200 p-6 dark:border-zinc-800"
        >
          <h2 id="waitlist-title" className="text-xl font-semibold">
            Join the waitlist
          </h2>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">One e-mail when it's your turn. Nothing else.</p>

          {loaderData.joined && !actionData ? (
            <p
              role="status"
              className="mt-4 rounded-md bg-brand-50 px-3 py-2 text-brand-700 dark:bg-brand-700/20 dark:text-brand-300"
            >
              You're on the list. If you were already on the list, nothing changed. We'll write once, when Alva opens
              for you.
            </p>
          ) : null}

          <Form
            method="post"
            preventScrollReset
            {...getFormProps(form)}
            className="mt-4 flex flex-col gap-2 sm:flex-row sm:items-start"
          >
            <div className="flex-1">
              <label htmlFor="waitlist-email" className="sr-only">
                E-mail address
              </label>
              <input
                key={email.key}
                id="waitlist-email"
                name={email.name}
                type="email"
                autoComplete="email"
                placeholder="you@yourbusiness.com"
                defaultValue={typeof email.initialValue === "string" ? email.initialValue : ""}
                aria-invalid={invalid ? true : undefined}
                aria-describedby={invalid ? "waitlist-email-error" : undefined}
                className="w-full rounded-md border border-zinc-300 bg-white px-3 py-2 aria-invalid:border-red-600 dark:border-zinc-700 dark:bg-zinc-900"
              />
              <ErrorList id="waitlist-email-error" errors={email.errors} />
            </div>
            <button
              type="submit"
              disabled={submitting}
              className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60"
            >
              {submitting ? "Joining…" : "Join the waitlist"}
            </button>
          </Form>
        </section>
      )}
    </div>
  );
}
