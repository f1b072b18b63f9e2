// GET/POST /plans/jobs/:jobId — a plan job being written: which sections are done and the ones written
// so far (plan_jobs.partial). Without JavaScript a <meta http-equiv="refresh"> (inside <noscript>, so it
// only exists when scripts do not run) reloads the page every few seconds while the job is live; with
// JavaScript the loader is revalidated on the same interval instead (docs/decisions/0060). When the job
// succeeds the loader sends the browser to the plan. Cancel while queued or running; a failed or
// cancelled job shows why and offers Retry.
import { useEffect } from "react";
import type { RouterContextProvider } from "react-router";
import { Form, Link, redirect, useNavigation, useRevalidator } from "react-router";
import { requireUser } from "../accounts/auth.server.ts";
import { requireWorkspace } from "../onboarding/onboarding.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { readForm } from "../platform/forms.server.ts";
import { httpError } from "../platform/http-error.ts";
import { requestInfo } from "../platform/request-info.ts";
import { formatTime } from "../settings/format.ts";
import type { Route } from "./+types/job-page";
import { finishedSections, planJobView } from "./job-view.server.ts";
import { cancelJob, getJob, retryJob } from "./jobs.server.ts";
import { jobPath } from "./paths.ts";
import { RequestProblemMessage } from "./plan-notices.tsx";
import type { PlanContent, PlanSectionKey } from "./plan-schema.ts";
import { planSectionKeys, planSections } from "./plan-schema.ts";
import { SectionBody } from "./plan-sections.tsx";
import { JobStatus } from "./plan-ui.tsx";
import { cardTitles, planPageHeaders, requestOutcome, unverifiedRefusal } from "./request-outcome.server.ts";

/** How often a live job's page looks again, with or without JavaScript. */
const REFRESH_SECONDS = 3;

export const meta: Route.MetaFunction = ({ loaderData }) => [
  { title: loaderData?.job.status === "running" ? "Writing your plan… — Alva" : "Plan request — Alva" },
];
export const headers: Route.HeadersFunction = planPageHeaders;

function notFound(context: Readonly<RouterContextProvider>): never {
  return httpError(context, 404, "There is no such plan request.");
}

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const job = await withDatabase(args.context, async (db) =>
    getJob(db, { workspaceId: await requireWorkspace(args.context, db, user.id), jobId: args.params.jobId }),
  );
  if (!job) notFound(args.context);
  if (job.status === "succeeded" && job.resultPlanId) {
    throw redirect(`/plans/${job.resultPlanId}${job.kind === "section" && job.section ? `#${job.section}` : ""}`);
  }
  const finished = finishedSections(job);
  const wanted: PlanSectionKey[] =
    job.kind === "plan" ? planSectionKeys : planSectionKeys.filter((key) => key === job.section);
  return {
    job: planJobView(job),
    sections: wanted.map((key) => ({ key, title: planSections[key].title, done: key in finished })),
    finished: wanted.flatMap((key) =>
      finished[key] ? [{ key, title: planSections[key].title, content: finished[key] as PlanContent[typeof key] }] : [],
    ),
    cardTitles,
    isAdmin: user.role === "admin",
  };
}

export async function action(args: Route.ActionArgs) {
  const { user } = requireUser(args);
  const { env } = args.context.get(requestInfo);
  const form = await readForm(args);
  const intent = form.get("intent");
  const jobId = args.params.jobId;
  return withDatabase(args.context, async (db) => {
    const workspaceId = await requireWorkspace(args.context, db, user.id);
    if (intent === "cancel") {
      // False when the job already ended (or is not ours): the page shows its state either way.
      if (!(await cancelJob(db, { workspaceId, jobId })) && !(await getJob(db, { workspaceId, jobId })))
        notFound(args.context);
      return redirect(jobPath(jobId), 303);
    }
    if (intent === "retry") {
      const refused = unverifiedRefusal(user);
      if (refused) return refused;
      return requestOutcome(await retryJob(args.context, db, env, { workspaceId, userId: user.id, jobId }));
    }
    httpError(args.context, 400, "Unknown action.");
  });
}

function useRefreshWhileLive(live: boolean) {
  const { revalidate, state } = useRevalidator();
  useEffect(() => {
    if (!live || state !== "idle") return;
    const timer = setTimeout(revalidate, REFRESH_SECONDS * 1000);
    return () => clearTimeout(timer);
  }, [live, state, revalidate]);
}

export default function JobPage({ loaderData, actionData }: Route.ComponentProps) {
  const { job, sections, finished, cardTitles, isAdmin } = loaderData;
  const live = job.status === "queued" || job.status === "running";
  useRefreshWhileLive(live);
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  const doneCount = sections.filter((section) => section.done).length;
  const backTo = job.planId ? `/plans/${job.planId}` : "/plans";

  return (
    <section className="max-w-4xl space-y-8" aria-labelledby="job-title">
      {live ? (
        <noscript>
          <meta httpEquiv="refresh" content={String(REFRESH_SECONDS)} />
        </noscript>
      ) : null}
      <header className="space-y-3">
        <p className="text-sm">
          <Link to={backTo} className="underline">
            {job.planId ? "Back to the plan" : "All plans"}
          </Link>
        </p>
        <h1 id="job-title" className="text-2xl font-semibold tracking-tight">
          {job.kind === "plan" ? "Your marketing plan" : `Rewriting “${job.sectionTitle}”`}
        </h1>
        <p className="flex flex-wrap items-center gap-2 text-sm text-zinc-600 dark:text-zinc-400">
          <JobStatus status={job.status} />
          <span>asked {formatTime(job.createdAt)}</span>
          {job.model ? <span>· model {job.model}</span> : null}
        </p>
        {job.instruction ? (
          <p className="text-sm">
            Instruction: <q>{job.instruction}</q>
          </p>
        ) : null}
        <div aria-live="polite" data-testid="job-progress">
          {job.status === "queued" ? (
            <p>Waiting for its turn{job.cancelRequested ? " (cancelling…)" : ""}…</p>
          ) : job.status === "running" ? (
            <p>
              Writing… {doneCount} of {sections.length} section{sections.length === 1 ? "" : "s"} done
              {job.cancelRequested ? " (stopping at the next section)" : ""}.
            </p>
          ) : job.status === "cancelled" ? (
            <p>Cancelled.</p>
          ) : job.status === "failed" ? (
            <div
              role="alert"
              className="rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
            >
              <p className="font-medium">This request failed.</p>
              <p data-testid="job-error">{job.lastError ?? "No reason was recorded."}</p>
            </div>
          ) : (
            <p>
              Finished. <Link to={backTo}>Open the plan</Link>
            </p>
          )}
        </div>
        {actionData?.problem ? <RequestProblemMessage problem={actionData.problem} isAdmin={isAdmin} /> : null}
        {live && !job.cancelRequested ? (
          <Form method="post" action={jobPath(job.id)}>
            <button
              type="submit"
              name="intent"
              value="cancel"
              disabled={busy}
              className="rounded-md border border-zinc-300 px-4 py-2 text-sm hover:bg-zinc-50 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-900"
            >
              Cancel
            </button>
          </Form>
        ) : null}
        {job.status === "failed" || job.status === "cancelled" ? (
          <Form method="post" action={jobPath(job.id)}>
            <button
              type="submit"
              name="intent"
              value="retry"
              disabled={busy}
              className="rounded-md bg-brand-600 px-5 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60"
            >
              Retry
            </button>
          </Form>
        ) : null}
      </header>

      {sections.length > 1 ? (
        <ol className="grid gap-1 text-sm sm:grid-cols-2" aria-label="Sections">
          {sections.map((section) => (
            <li key={section.key} data-testid={`progress-${section.key}`} data-done={section.done ? "" : undefined}>
              <span aria-hidden="true">{section.done ? "✓" : "○"}</span> {section.title}
              <span className="sr-only">{section.done ? " (done)" : " (not yet)"}</span>
            </li>
          ))}
        </ol>
      ) : null}

      {finished.map((section) => (
        <section
          key={section.key}
          id={section.key}
          aria-labelledby={`${section.key}-title`}
          className="space-y-3"
          data-testid="finished-section"
        >
          <h2 id={`${section.key}-title`} className="text-xl font-semibold">
            {section.title}
          </h2>
          <SectionBody sectionKey={section.key} content={section.content} context={{ cardTitles }} />
        </section>
      ))}
    </section>
  );
}
