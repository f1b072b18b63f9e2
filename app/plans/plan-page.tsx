// GET/POST /plans/:id — a plan as readable sections, with "needs review" marks, the model that wrote it
// (and, for the offline demo model, a notice that no AI did), the roadmap as a checklist whose ticks are
// saved, and per section: regenerate with an instruction, or edit by hand. `?version=n` shows an older
// version, read-only. Downloads: Markdown and JSON. Printing gives the plan alone (plan-print.css).
//
// Ticks work without JavaScript (the roadmap is one form of checkboxes with a "Save ticks" button) and,
// with it, each checkbox saves itself through a fetcher.
import { useEffect, useState } from "react";
import type { RouterContextProvider } from "react-router";
import { data, Form, Link, redirect, useFetcher, useNavigation } from "react-router";
import { z } from "zod";
import { requireUser } from "../accounts/auth.server.ts";
import { aiProvider, DEMO_MODEL } from "../ai/provider.server.ts";
import { requireWorkspace } from "../onboarding/onboarding.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { readForm } from "../platform/forms.server.ts";
import { httpError } from "../platform/http-error.ts";
import { requestInfo } from "../platform/request-info.ts";
import { formatTime } from "../settings/format.ts";
import type { Route } from "./+types/plan-page";
import { listJobs, MAX_INSTRUCTION_LENGTH, requestSectionRewrite } from "./jobs.server.ts";
import { jobPath } from "./paths.ts";
import { DemoModelNotice, RequestProblemMessage } from "./plan-notices.tsx";
import { type PlanSectionKey, planSectionKeys, planSections, roadmapTaskId } from "./plan-schema.ts";
import { type RoadmapTaskView, SectionBody, TaskMeta } from "./plan-sections.tsx";
import { loadPlan, roadmapProgress, setTaskTicks } from "./plans.server.ts";
import { cardTitles, planPageHeaders, requestOutcome, unverifiedRefusal } from "./request-outcome.server.ts";
import "./plan-print.css";

export const meta: Route.MetaFunction = ({ loaderData }) => [
  { title: loaderData ? `${loaderData.title} — Alva` : "Marketing plan — Alva" },
];
export const headers: Route.HeadersFunction = planPageHeaders;

function notFound(context: Readonly<RouterContextProvider>): never {
  return httpError(context, 404, "There is no such plan.");
}

/** "?version=3": a positive whole number, or absent. Anything else is a page that does not exist. */
function requestedVersion(context: Readonly<RouterContextProvider>, request: Request): number | undefined {
  const raw = new URL(request.url).searchParams.get("version");
  if (raw === null) return undefined;
  const parsed = z.coerce.number().int().min(1).max(1_000_000).safeParse(raw);
  if (!parsed.success) notFound(context);
  return parsed.data;
}

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const { env } = args.context.get(requestInfo);
  const version = requestedVersion(args.context, args.request);
  const { loaded, rewriting } = await withDatabase(args.context, async (db) => {
    const workspaceId = await requireWorkspace(args.context, db, user.id);
    const loaded = await loadPlan(db, { workspaceId, planId: args.params.id, version });
    if (!loaded) notFound(args.context);
    const jobs = await listJobs(db, { workspaceId, limit: 50 });
    const rewriting = jobs.filter(
      (job) =>
        job.kind === "section" &&
        job.planId === loaded.plan.id &&
        (job.status === "queued" || job.status === "running"),
    );
    return { loaded, rewriting };
  });
  const { plan, document } = loaded;
  const isCurrent = loaded.version.number === plan.currentVersion;
  return {
    title: `Marketing plan of ${formatTime(plan.createdAt.getTime()).slice(0, 10)}`,
    planId: plan.id,
    isCurrent,
    version: { ...loaded.version, createdAt: loaded.version.createdAt.getTime() },
    currentVersion: plan.currentVersion,
    versions: loaded.versions.map((entry) => ({ ...entry, createdAt: entry.createdAt.getTime() })),
    model: document.model,
    isDemo: document.model === DEMO_MODEL,
    startDate: document.startDate,
    createdAt: plan.createdAt.getTime(),
    content: document.content,
    sections: planSectionKeys.map((key) => ({
      key,
      title: planSections[key].title,
      problems: document.needsReview.find((entry) => entry.section === key)?.problems ?? null,
      rewriteJobId: rewriting.find((job) => job.section === key)?.id ?? null,
    })),
    taskIds: document.content.roadmap.weeks.map((week) =>
      week.tasks.map((_, index) => roadmapTaskId(week.week, index)),
    ),
    ticked: [...loaded.ticked],
    progress: roadmapProgress(document.content, loaded.ticked),
    cardTitles,
    maxInstructionLength: MAX_INSTRUCTION_LENGTH,
    providerConfigured: aiProvider(env).kind !== "none",
    isAdmin: user.role === "admin",
  };
}

const taskId = z.string().regex(/^w\d{1,2}-t\d{1,3}$/);
/** One checkbox changed (the hydrated page, through a fetcher: it wants data back, not a redirect). */
const tickInput = z.object({ taskId, done: z.enum(["0", "1"]) });
/** The whole checklist, as a browser without JavaScript submits it: the ticked boxes' task ids. */
const ticksInput = z.array(taskId).max(1000);

const regenerateInput = z.object({
  section: z.enum(planSectionKeys),
  instruction: z
    .string()
    .trim()
    .min(1, "Say how this section should change, e.g. “focus on Instagram”.")
    .max(MAX_INSTRUCTION_LENGTH, `Keep the instruction under ${MAX_INSTRUCTION_LENGTH} characters.`),
});

export async function action(args: Route.ActionArgs) {
  const { user } = requireUser(args);
  const { env } = args.context.get(requestInfo);
  const planId = args.params.id;
  const form = await readForm(args);
  const intent = form.get("intent");
  return withDatabase(args.context, async (db) => {
    const workspaceId = await requireWorkspace(args.context, db, user.id);
    if (intent === "tick" || intent === "ticks") {
      const single = intent === "tick" ? tickInput.safeParse(Object.fromEntries(form)) : null;
      const all = intent === "ticks" ? ticksInput.safeParse(form.getAll("done")) : null;
      if (single?.success === false || all?.success === false)
        httpError(args.context, 400, "That task could not be read.");
      const saved = await setTaskTicks(db, {
        workspaceId,
        userId: user.id,
        planId,
        ...(single?.data
          ? { taskId: single.data.taskId, done: single.data.done === "1" }
          : { doneTaskIds: all!.data! }),
      });
      if (!saved) notFound(args.context);
      return single ? { ticked: single.data!.taskId } : redirect(`/plans/${planId}#roadmap`, 303);
    }
    if (intent === "regenerate") {
      const parsed = regenerateInput.safeParse(Object.fromEntries(form));
      if (!parsed.success) {
        const section = planSectionKeys.find((key) => key === form.get("section"));
        if (!section) httpError(args.context, 400, "There is no such section.");
        return data(
          {
            regenerate: {
              section,
              instruction: String(form.get("instruction") ?? ""),
              error: parsed.error.issues[0]?.message ?? "",
            },
          },
          { status: 422 },
        );
      }
      const refused = unverifiedRefusal(user);
      if (refused) return refused;
      return requestOutcome(
        await requestSectionRewrite(args.context, db, env, {
          workspaceId,
          userId: user.id,
          planId,
          section: parsed.data.section,
          instruction: parsed.data.instruction,
        }),
      );
    }
    httpError(args.context, 400, "Unknown action.");
  });
}

// ── The page ────────────────────────────────────────────────────────────────────────────────────

/** True once React runs in the browser (then a checkbox saves itself and the Save button goes). */
function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}

/**
 * A roadmap task as a real checkbox. Without JavaScript it is part of the checklist form (saved with
 * its "Save ticks" button); with JavaScript each change is saved at once by a fetcher.
 */
function TaskCheckbox({ planId, task, done }: { planId: string; task: RoadmapTaskView; done: boolean }) {
  const fetcher = useFetcher();
  // Set in the change handler itself, so the box never flips back while the fetcher starts; the
  // loader's value takes over again once the save has been revalidated.
  const [checked, setChecked] = useState(done);
  useEffect(() => setChecked(done), [done]);
  const id = `task-${task.id}`;
  return (
    <div className="flex items-start gap-2" id={task.id}>
      <input
        type="checkbox"
        id={id}
        name="done"
        value={task.id}
        checked={checked}
        onChange={(event) => {
          setChecked(event.currentTarget.checked);
          void fetcher.submit(
            { intent: "tick", taskId: task.id, done: event.currentTarget.checked ? "1" : "0" },
            { method: "post", action: `/plans/${planId}` },
          );
        }}
        className="mt-1 h-4 w-4 shrink-0 accent-brand-600"
        data-testid="roadmap-task"
      />
      <label htmlFor={id}>
        <span className={checked ? "text-zinc-600 dark:text-zinc-400 line-through" : ""}>{task.title}</span>
        <TaskMeta task={task} />
      </label>
    </div>
  );
}

/** The roadmap's checklist form: what a browser without JavaScript submits with "Save ticks". */
function ChecklistForm({ planId, children }: { planId: string; children: React.ReactNode }) {
  const hydrated = useHydrated();
  return (
    <Form method="post" action={`/plans/${planId}`} className="space-y-4">
      <input type="hidden" name="intent" value="ticks" />
      {children}
      {hydrated ? null : (
        <button
          type="submit"
          className="rounded-md border border-zinc-300 px-4 py-2 text-sm hover:bg-zinc-50 print:hidden dark:border-zinc-700 dark:hover:bg-zinc-900"
        >
          Save ticks
        </button>
      )}
    </Form>
  );
}

type LoaderData = Route.ComponentProps["loaderData"];
type ActionData = Route.ComponentProps["actionData"];

function SectionTools({
  loaderData,
  sectionKey,
  title,
  actionData,
}: {
  loaderData: LoaderData;
  sectionKey: PlanSectionKey;
  title: string;
  actionData: ActionData;
}) {
  const navigation = useNavigation();
  const sending = navigation.state !== "idle" && navigation.formData?.get("section") === sectionKey;
  const failed = actionData && "regenerate" in actionData && actionData.regenerate.section === sectionKey;
  const error = failed ? actionData.regenerate.error : null;
  const fieldId = `instruction-${sectionKey}`;
  return (
    <details className="rounded-md border border-zinc-200 text-sm print:hidden dark:border-zinc-800" open={failed}>
      <summary className="cursor-pointer px-3 py-2 text-zinc-700 dark:text-zinc-300">
        Change this section<span className="sr-only">: {title}</span>
      </summary>
      <div className="space-y-3 border-t border-zinc-200 p-3 dark:border-zinc-800">
        <Form method="post" action={`/plans/${loaderData.planId}`} className="space-y-2">
          <input type="hidden" name="intent" value="regenerate" />
          <input type="hidden" name="section" value={sectionKey} />
          <label htmlFor={fieldId} className="block font-medium">
            Regenerate with an instruction
          </label>
          <textarea
            id={fieldId}
            name="instruction"
            rows={2}
            maxLength={loaderData.maxInstructionLength}
            defaultValue={failed ? actionData.regenerate.instruction : ""}
            placeholder="e.g. focus on Instagram"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${fieldId}-error` : undefined}
            className="w-full rounded-md border border-zinc-300 bg-white px-3 py-2 aria-invalid:border-red-600 dark:border-zinc-700 dark:bg-zinc-900"
          />
          {error ? (
            <p id={`${fieldId}-error`} className="text-red-700 dark:text-red-400">
              {error}
            </p>
          ) : null}
          <button
            type="submit"
            disabled={sending || !loaderData.providerConfigured}
            className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60"
          >
            {sending ? "Asking…" : `Regenerate “${title}”`}
          </button>
          {loaderData.providerConfigured ? null : (
            <p className="text-zinc-600 dark:text-zinc-400">No AI provider configured.</p>
          )}
        </Form>
        <p>
          Or{" "}
          <Link to={`/plans/${loaderData.planId}/sections/${sectionKey}/edit`} className="underline">
            edit “{title}” by hand
          </Link>
          .
        </p>
      </div>
    </details>
  );
}

export default function PlanPage({ loaderData, actionData }: Route.ComponentProps) {
  const { planId, content, sections, isCurrent, progress, cardTitles } = loaderData;
  const ticked = new Set(loaderData.ticked);
  const versionQuery = isCurrent ? "" : `?version=${loaderData.version.number}`;
  const problem = actionData && "problem" in actionData ? actionData.problem : null;
  const checklist = isCurrent
    ? {
        taskIds: loaderData.taskIds,
        renderTask: (task: RoadmapTaskView) => <TaskCheckbox planId={planId} task={task} done={ticked.has(task.id)} />,
      }
    : undefined;

  return (
    <article className="plan max-w-4xl space-y-10" aria-labelledby="plan-title">
      <header className="space-y-4">
        <p className="text-sm print:hidden">
          <Link to="/plans" className="underline">
            All plans
          </Link>
        </p>
        <h1 id="plan-title" className="text-2xl font-semibold tracking-tight">
          {loaderData.title}
        </h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="plan-meta">
          Version {loaderData.version.number} of {loaderData.currentVersion} · starts {loaderData.startDate} · written
          by <span data-testid="plan-model">{loaderData.model}</span>
        </p>
        {loaderData.isDemo ? <DemoModelNotice isAdmin={loaderData.isAdmin} /> : null}
        {isCurrent ? null : (
          <p
            role="note"
            className="rounded-md border border-zinc-300 bg-zinc-50 px-4 py-3 text-sm dark:border-zinc-700 dark:bg-zinc-900"
          >
            You are looking at an older version ({loaderData.version.change}, {formatTime(loaderData.version.createdAt)}
            ).{" "}
            <Link to={`/plans/${planId}`} className="underline">
              Go to the current version
            </Link>
          </p>
        )}
        {problem ? <RequestProblemMessage problem={problem} isAdmin={loaderData.isAdmin} /> : null}
        <div className="flex flex-wrap gap-3 text-sm print:hidden">
          <a
            href={`/plans/${planId}/download/markdown${versionQuery}`}
            download
            className="rounded-md border border-zinc-300 px-3 py-1.5 hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
          >
            Download Markdown
          </a>
          <a
            href={`/plans/${planId}/download/json${versionQuery}`}
            download
            className="rounded-md border border-zinc-300 px-3 py-1.5 hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
          >
            Download JSON
          </a>
          <span className="self-center text-zinc-600 dark:text-zinc-400">To save as PDF, print this page.</span>
        </div>
        <nav aria-label="Sections of the plan" className="print:hidden">
          <ol className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
            {sections.map((section) => (
              <li key={section.key}>
                <a href={`#${section.key}`} className="underline">
                  {section.title}
                </a>
                {section.problems ? <span className="text-amber-700 dark:text-amber-300"> (needs review)</span> : null}
              </li>
            ))}
          </ol>
        </nav>
      </header>

      {sections.map((section) => (
        <section
          key={section.key}
          id={section.key}
          aria-labelledby={`${section.key}-title`}
          className="plan-section space-y-4"
          data-testid={`section-${section.key}`}
        >
          <div className="flex flex-wrap items-baseline justify-between gap-2">
            <h2 id={`${section.key}-title`} className="text-xl font-semibold">
              {section.title}
            </h2>
            {section.key === "roadmap" ? (
              <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="roadmap-progress">
                {progress.done} of {progress.total} tasks done
              </p>
            ) : null}
          </div>
          {section.problems ? (
            <div
              role="note"
              className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
              data-testid="needs-review"
            >
              <p className="font-semibold">Needs review</p>
              <p>The server's checks still found problems after the model's correction:</p>
              <ul className="list-disc pl-5">
                {section.problems.map((problem) => (
                  <li key={problem}>{problem}</li>
                ))}
              </ul>
            </div>
          ) : null}
          {section.rewriteJobId ? (
            <p className="text-sm print:hidden">
              Being rewritten —{" "}
              <Link to={jobPath(section.rewriteJobId)} className="underline">
                follow it
              </Link>
            </p>
          ) : null}
          {section.key === "roadmap" && checklist ? (
            <ChecklistForm planId={planId}>
              <SectionBody sectionKey="roadmap" content={content.roadmap} context={{ cardTitles, checklist }} />
            </ChecklistForm>
          ) : (
            <SectionBody sectionKey={section.key} content={content[section.key]} context={{ cardTitles }} />
          )}
          {isCurrent ? (
            <SectionTools
              loaderData={loaderData}
              sectionKey={section.key}
              title={section.title}
              actionData={actionData}
            />
          ) : null}
        </section>
      ))}

      <section aria-labelledby="versions-title" className="space-y-2 print:hidden">
        <h2 id="versions-title" className="text-lg font-semibold">
          Versions
        </h2>
        <ol className="space-y-1 text-sm">
          {loaderData.versions.map((entry) => (
            <li key={entry.number}>
              {entry.number === loaderData.version.number ? (
                <strong>Version {entry.number}</strong>
              ) : (
                <Link
                  to={
                    entry.number === loaderData.currentVersion
                      ? `/plans/${planId}`
                      : `/plans/${planId}?version=${entry.number}`
                  }
                  className="underline"
                >
                  Version {entry.number}
                </Link>
              )}{" "}
              — {entry.change}, {formatTime(entry.createdAt)}
            </li>
          ))}
        </ol>
      </section>
    </article>
  );
}
