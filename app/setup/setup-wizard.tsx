// /setup: the first-run wizard (welcome → admin account → organization → finish). One route; the
// posted `step` says where the visitor is and `intent` whether they go on or back. Every step is a
// plain form post, so it works with JavaScript off; with it on, the same posts run without reloads.
import { getFormProps, type SubmissionResult, useForm } from "@conform-to/react";
import { type RefObject, useEffect, useRef } from "react";
import { data, Form, redirect, useNavigation } from "react-router";
import { checkClientLimit, retryPhrase } from "../accounts/limits.server.ts";
import { hashPassword } from "../accounts/password.server.ts";
import { replaceOrganizationLogo } from "../admin/instance-settings.server.ts";
import { checkImageFile, MAX_UPLOAD_FORM_BYTES } from "../images/images.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { readForm } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { toastCookie } from "../platform/toast.server.ts";
import { DropZone } from "../ui/drop-zone.tsx";
import { ErrorList, Field, FormError } from "../ui/form-field.tsx";
import type { Route } from "./+types/setup-wizard";
import { isSetupComplete } from "./instance.server.ts";
import {
  checkAccountStep,
  checkEverything,
  completeSetup,
  emptyAnswers,
  organizationForm,
  parseStep,
  previousStep,
  readAnswers,
  setupNotFound,
} from "./wizard.server.ts";
import {
  clearedWizardCookie,
  openPasswordHash,
  readWizardCookie,
  sealPasswordHash,
  sessionSecretProblem,
  wizardCookie,
} from "./wizard-cookie.server.ts";
import { type Answers, type Step, steps, type WizardErrors } from "./wizard-steps.ts";

export const meta: Route.MetaFunction = () => [{ title: "Set up Alva" }];

interface WizardView {
  step: Step;
  answers: Answers;
  /**
   * The answers and errors as conform's `lastResult`, built here once per answer like every other
   * form's `submission.reply()`: conform re-applies a `lastResult` whenever its identity changes, so one
   * built while rendering would be re-applied on every render, each time causing another (React #185).
   */
  result: SubmissionResult<string[]>;
  /** A password is already sealed in the cookie: the account step may be passed with both fields empty. */
  passwordKept: boolean;
  /** New on every answer, so the form remounts: fields show the server's values and passwords clear. */
  renderId: string;
}

function view(step: Step, answers: Answers, errors: WizardErrors, passwordKept: boolean): WizardView {
  const error = Object.fromEntries(
    Object.entries(errors).map(([name, message]) => [name === "form" ? "" : name, message ? [message] : null]),
  );
  const result: SubmissionResult<string[]> = { status: "error", initialValue: answers, error };
  return { step, answers, result, passwordKept, renderId: crypto.randomUUID() };
}

async function refuseOnceSetUp(context: Route.LoaderArgs["context"]): Promise<void> {
  const { env } = context.get(requestInfo);
  const complete = await withDatabase(context, (db) => isSetupComplete(db, env.TURSO_DATABASE_URL));
  if (complete) setupNotFound(context);
}

export async function loader({ context }: Route.LoaderArgs) {
  await refuseOnceSetUp(context);
  const { env } = context.get(requestInfo);
  // An operator who forgot the secret learns it here, before typing anything.
  const problem = sessionSecretProblem(env.SESSION_SECRET);
  return view("welcome", emptyAnswers, problem ? { form: problem } : {}, false);
}

export async function action({ request, context }: Route.ActionArgs) {
  await refuseOnceSetUp(context);
  const { env } = context.get(requestInfo);
  // The last step may carry the organization's logo (multipart). Twice the upload limit, so a file a
  // little too large is read and refused with the answers kept, rather than the whole form.
  const form = await readForm({ request, context }, { maxBytes: 2 * MAX_UPLOAD_FORM_BYTES });
  const step = parseStep(form.get("step"));
  const answers = readAnswers(form);

  const problem = sessionSecretProblem(env.SESSION_SECRET);
  if (problem) return data(view(step, answers, { form: problem }, false), { status: 503 });
  const keptHash = await openPasswordHash(env.SESSION_SECRET, readWizardCookie(request));
  const kept = keptHash !== null;

  // Back never validates: what was typed on this step comes back when the visitor returns to it.
  if (form.get("intent") === "back") return view(previousStep(step), answers, {}, kept);

  switch (step) {
    case "welcome":
      return view("account", answers, {}, kept);

    case "account": {
      const checked = checkAccountStep(answers, form, keptHash);
      if (!checked.ok) return data(view("account", answers, checked.errors, kept), { status: 400 });
      if (checked.newPassword === null) return view("organization", checked.answers, {}, true);
      // Hashing costs ~200 ms of CPU: an open /setup must not be a way to burn the instance's CPU.
      const limit = await checkClientLimit(env, "setupIp", request);
      if (!limit.allowed) {
        return data(
          view("account", answers, { password: `Too many attempts; ${retryPhrase(limit.retryAfterSeconds)}.` }, kept),
          { status: 429 },
        );
      }
      const sealed = await sealPasswordHash(env.SESSION_SECRET, await hashPassword(checked.newPassword));
      return data(view("organization", checked.answers, {}, true), {
        headers: { "Set-Cookie": wizardCookie(request, sealed) },
      });
    }

    case "organization": {
      const checked = organizationForm.safeParse(answers);
      if (!checked.success) {
        return data(view("organization", answers, { organization: checked.error.issues[0]?.message }, kept), {
          status: 400,
        });
      }
      return view("finish", { ...answers, organization: checked.data.organization }, {}, kept);
    }

    case "finish": {
      const checked = checkEverything(answers, keptHash);
      if (!checked.ok) return data(view(checked.step, answers, checked.errors, kept), { status: 400 });
      // An optional logo is checked before anything is created, so a bad file changes nothing.
      const logo = form.get("logo");
      const chosenLogo = logo instanceof File && logo.size > 0 ? logo : null;
      if (chosenLogo) {
        const image = await checkImageFile(chosenLogo);
        if (!image.ok) return data(view("finish", answers, { logo: image.message }, kept), { status: image.status });
      }
      const { requestId } = context.get(requestInfo);
      const result = await withDatabase(context, async (db) => {
        const done = await completeSetup(db, env, checked.input, request, requestId);
        if (done.outcome !== "done" || !chosenLogo) return done;
        const { user } = done;
        await replaceOrganizationLogo(env, db, {
          organizationId: done.organizationId,
          file: chosenLogo,
          audit: { actor: { id: user.id, username: user.username }, request },
        });
        return done;
      });
      if (result.outcome === "already-set-up") setupNotFound(context);
      if (result.outcome === "account-taken") {
        return data(
          view(
            "account",
            checked.answers,
            { username: "An account with this username or e-mail already exists; choose another." },
            kept,
          ),
          { status: 400 },
        );
      }
      const headers = new Headers();
      headers.append("Set-Cookie", result.cookie);
      headers.append("Set-Cookie", clearedWizardCookie(request));
      const message = result.verificationSent
        ? `Alva is set up, and you are signed in as its administrator. We sent a code to ${result.user.email} to verify the address.`
        : "Alva is set up, and you are signed in as its administrator. The verification e-mail could not be sent; check the mail settings, then ask for a new code.";
      headers.append(
        "Set-Cookie",
        toastCookie(request, { kind: result.verificationSent ? "success" : "info", message }),
      );
      return redirect("/dashboard", { headers });
    }
  }
}

const stepLabels: Record<Step, string> = {
  welcome: "Welcome",
  account: "Admin account",
  organization: "Organization",
  finish: "Finish",
};

const headings: Record<Step, string> = {
  welcome: "Welcome to Alva",
  account: "Create the administrator account",
  organization: "Name your organization",
  finish: "Check and finish",
};

const primaryButton = "rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60";
const secondaryButton =
  "rounded-md border border-zinc-300 px-4 py-2 font-medium hover:bg-zinc-50 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-900";

export default function SetupWizard({ loaderData, actionData }: Route.ComponentProps) {
  const state: WizardView = actionData ?? loaderData;
  const headingRef = useRef<HTMLHeadingElement>(null);
  return (
    <section className="mx-auto max-w-xl space-y-6">
      <Progress step={state.step} />
      <h1 ref={headingRef} tabIndex={-1} className="text-2xl font-semibold tracking-tight focus:outline-none">
        {headings[state.step]}
      </h1>
      {/* A new renderId is a new form: conform starts from that answer's result (values and errors).
          Giving one mounted useForm a new id instead would reset it and drop the errors. */}
      <WizardForm key={state.renderId} state={state} answered={actionData !== undefined} headingRef={headingRef} />
    </section>
  );
}

function WizardForm({
  state,
  answered,
  headingRef,
}: {
  state: WizardView;
  /** The view is the server's answer to a post (JavaScript on), not the first page load. */
  answered: boolean;
  headingRef: RefObject<HTMLHeadingElement | null>;
}) {
  const { step, answers } = state;
  const [form, fields] = useForm<Answers & { password: string; confirmPassword: string; logo: File }>({
    id: `setup-${state.renderId}`,
    defaultValue: answers,
    lastResult: state.result,
  });
  const navigation = useNavigation();
  const pendingIntent = navigation.state === "submitting" ? String(navigation.formData?.get("intent") ?? "next") : null;
  const formRef = useRef<HTMLFormElement>(null);

  // After each answer (JavaScript on): focus the first field in error, or the new step's heading, so
  // keyboard and screen-reader users land where the page changed.
  useEffect(() => {
    if (!answered) return;
    const invalid = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    (invalid ?? headingRef.current)?.focus();
  }, [answered, headingRef]);

  const shownHere: Record<Step, readonly (keyof Answers)[]> = {
    welcome: [],
    account: ["email", "username", "displayName"],
    organization: ["organization"],
    finish: [],
  };
  const carried = (Object.keys(answers) as (keyof Answers)[]).filter((name) => !shownHere[step].includes(name));
  const forwardLabel = step === "finish" ? "Finish setup" : "Next";
  const forwardPending = step === "finish" ? "Finishing…" : "Checking…";

  return (
    <>
      <FormError errors={form.errors} />
      <Form
        ref={formRef}
        method="post"
        encType={step === "finish" ? "multipart/form-data" : undefined}
        {...getFormProps(form)}
        className="space-y-5"
      >
        <input type="hidden" name="step" value={step} />
        {carried.map((name) => (
          <input key={name} type="hidden" name={name} value={answers[name]} />
        ))}

        {step === "welcome" ? <Welcome /> : null}

        {step === "account" ? (
          <>
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              This is your own account. As the administrator you can later invite people and manage this instance.
            </p>
            <Field meta={fields.email} label="E-mail" type="email" autoComplete="email" required />
            <Field
              meta={fields.username}
              label="Username"
              autoComplete="username"
              hint="3–32 lowercase letters, digits or _."
              required
            />
            <Field meta={fields.displayName} label="Display name (optional)" autoComplete="name" />
            <Field
              meta={fields.password}
              label="Password"
              type="password"
              autoComplete="new-password"
              hint={
                state.passwordKept
                  ? "You already chose a password: leave both password fields empty to keep it."
                  : "At least 8 characters. A phrase of a few words works well."
              }
              required={!state.passwordKept}
            />
            <Field
              meta={fields.confirmPassword}
              label="Password, again"
              type="password"
              autoComplete="new-password"
              required={!state.passwordKept}
            />
          </>
        ) : null}

        {step === "organization" ? (
          <>
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              The name of the business or team this Alva instance belongs to. It appears in the header and in e-mails
              and invitations; you can add its logo on the last step.
            </p>
            <Field meta={fields.organization} label="Organization name" autoComplete="organization" required />
          </>
        ) : null}

        {step === "finish" ? (
          <>
            <Review answers={answers} />
            <div className="space-y-1">
              <p className="text-sm font-medium">Logo (optional)</p>
              <DropZone
                id="field-logo"
                name="logo"
                prompt="Drop your organization's logo here, or choose a file"
                hint="PNG, JPEG, WebP or GIF, up to 5 MB. Shown next to the name in the header and at the top of e-mails; you can change it later in Admin → Settings."
                accept="image/png,image/jpeg,image/webp,image/gif"
                aria-invalid={fields.logo.errors ? true : undefined}
                aria-describedby={fields.logo.errors ? "field-logo-error" : undefined}
              />
              <ErrorList id="field-logo-error" errors={fields.logo.errors} />
            </div>
          </>
        ) : null}

        {/* The forward button comes first in the markup so Enter in a field goes forward, not back;
            flex-row-reverse still shows Back on the left. */}
        <div className="flex flex-row-reverse items-center justify-between gap-3 pt-2">
          <button type="submit" name="intent" value="next" disabled={pendingIntent !== null} className={primaryButton}>
            {pendingIntent === "next" ? forwardPending : forwardLabel}
          </button>
          {step !== "welcome" ? (
            <button
              type="submit"
              name="intent"
              value="back"
              disabled={pendingIntent !== null}
              className={secondaryButton}
            >
              {pendingIntent === "back" ? "Going back…" : "Back"}
            </button>
          ) : null}
        </div>
      </Form>
    </>
  );
}

function Progress({ step }: { step: Step }) {
  const current = steps.indexOf(step);
  return (
    <nav aria-label="Setup progress" className="space-y-2">
      <p className="text-sm font-medium text-brand-600 dark:text-brand-400" data-testid="setup-step">
        {`Step ${current + 1} of ${steps.length}`}
      </p>
      <ol className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
        {steps.map((name, index) => (
          <li
            key={name}
            aria-current={index === current ? "step" : undefined}
            className={
              index === current
                ? "font-semibold"
                : index < current
                  ? "text-zinc-600 dark:text-zinc-400"
                  : "text-zinc-600 dark:text-zinc-400"
            }
          >
            <span aria-hidden="true">{index < current ? "✓ " : `${index + 1}. `}</span>
            {stepLabels[name]}
            {index < current ? <span className="sr-only"> (done)</span> : null}
          </li>
        ))}
      </ol>
    </nav>
  );
}

function Welcome() {
  return (
    <div className="space-y-3 text-zinc-700 dark:text-zinc-300">
      <p>
        Alva is an AI marketing workspace for small businesses. It asks about your business once, drafts a marketing
        plan you can carry out, and stays on hand as an assistant while you and your team decide the next step. This
        copy runs on your own Cloudflare account and keeps its data in your own database.
      </p>
      <p>
        Nobody can use it yet: it has no administrator. The next steps create that account — yours — and name your
        organization. It takes a minute, and nothing is saved until you press “Finish setup” on the last step.
      </p>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Until setup is finished, anyone who can open this address could do the same, so finish it before you share the
        address.
      </p>
    </div>
  );
}

function Review({ answers }: { answers: Answers }) {
  const rows: [string, string][] = [
    ["E-mail", answers.email],
    ["Username", answers.username],
    ["Display name", answers.displayName || "—"],
    ["Password", "chosen (not shown)"],
    ["Organization", answers.organization],
  ];
  return (
    <div className="space-y-4">
      <dl className="divide-y divide-zinc-200 rounded-md border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
        {rows.map(([term, value]) => (
          <div key={term} className="grid grid-cols-[9rem_1fr] gap-3 px-4 py-2 text-sm">
            <dt className="text-zinc-600 dark:text-zinc-400">{term}</dt>
            <dd className="break-words">{value}</dd>
          </div>
        ))}
      </dl>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Finishing creates the organization and your administrator account with its own workspace, and signs you in. Use
        Back to change anything.
      </p>
    </div>
  );
}
