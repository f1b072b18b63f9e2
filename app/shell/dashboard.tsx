import { Fragment, type ReactNode } from "react";
import { Link } from "react-router";
import { requireUser } from "../accounts/auth.server.ts";
import { DEMO_MODEL } from "../ai/provider.server.ts";
import { ensureRooms, listRooms } from "../chat/rooms.server.ts";
import { imageUrl } from "../images/images.server.ts";
import { currentWorkspace, loadAnswersOfWorkspace } from "../onboarding/onboarding.server.ts";
import { buildProfile } from "../onboarding/profile.ts";
import { type ProfileGlance, profileGlance } from "../onboarding/profile-glance.ts";
import { currentPlanWeek, loadNewestPlan, roadmapProgress, roadmapTasks } from "../plans/plans.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { Chips, ColourChips } from "../ui/chips.tsx";
import { listOpenInvitations } from "../workspaces/invitations.server.ts";
import { listMembers } from "../workspaces/workspaces.server.ts";
import type { Route } from "./+types/dashboard";

/** One step of the getting-started checklist: done or not, and where it is done. */
interface Step {
  label: string;
  done: boolean;
  href: string;
  detail: string | null;
}

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const { env } = args.context.get(requestInfo);
  const { newest, steps, glance } = await withDatabase(args.context, async (db) => {
    const workspaceId = await currentWorkspace(db, user.id);
    if (!workspaceId) return { newest: null, steps: [], glance: null };
    await ensureRooms(db, workspaceId, user.id);
    const [newest, answers, members, invitations, rooms] = await Promise.all([
      loadNewestPlan(db, workspaceId),
      loadAnswersOfWorkspace(db, workspaceId),
      listMembers(db, workspaceId),
      listOpenInvitations(db, workspaceId),
      listRooms(db, workspaceId, user.id),
    ]);
    // "First chat": a message in any room of the workspace this user can see.
    const chatted = (await Promise.all(rooms.map((room) => env.CHAT_ROOM.getByName(room.id).messageCount()))).some(
      (count) => count > 0,
    );
    const { requiredAnswered, requiredTotal } = buildProfile(answers.values(), new Date()).completeness;
    const steps: Step[] = [
      {
        label: "Tell Alva about your business",
        done: requiredAnswered >= requiredTotal,
        href: "/onboarding",
        detail: `${requiredAnswered} of ${requiredTotal} required questions answered`,
      },
      { label: "Get your marketing plan", done: newest !== null, href: "/plans", detail: null },
      {
        label: "Invite a teammate",
        done: members.length > 1 || invitations.length > 0,
        href: `/workspaces/${workspaceId}/members`,
        detail: members.length > 1 ? `${members.length} members` : null,
      },
      { label: "Chat with your team or ask Alva", done: chatted, href: "/chat", detail: null },
    ];
    return { newest, steps, glance: profileGlance(answers) };
  });
  let plan = null;
  if (newest) {
    const { content, startDate } = newest.document;
    const week = currentPlanWeek(startDate, new Date(), content.roadmap.weeks.length);
    plan = {
      id: newest.plan.id,
      isDemo: newest.document.model === DEMO_MODEL,
      progress: roadmapProgress(content, newest.ticked),
      week,
      focus: content.roadmap.weeks.find((entry) => entry.week === week)?.focus ?? null,
      tasks: roadmapTasks(content)
        .filter((task) => task.week === week)
        .map((task) => ({ ...task, done: newest.ticked.has(task.id) })),
    };
  }
  const business = glance
    ? { ...glance, logoUrl: glance.logoImageId ? imageUrl(glance.logoImageId, "thumb") : null }
    : null;
  return { name: user.displayName ?? user.username, plan, steps, business };
}

export const meta: Route.MetaFunction = () => [{ title: "Dashboard — Alva" }];

export default function Dashboard({ loaderData }: Route.ComponentProps) {
  const { plan, steps, business } = loaderData;
  const next = steps.find((step) => !step.done);
  return (
    <section className="space-y-6">
      <div className="space-y-3">
        <h1 className="text-2xl font-semibold tracking-tight">Welcome, {loaderData.name}.</h1>
      </div>
      {next ? <GettingStarted steps={steps} next={next} /> : null}
      {business ? <BusinessAtAGlance business={business} /> : null}
      {plan ? (
        <section
          aria-labelledby="plan-card-title"
          className="max-w-2xl space-y-4 rounded-xl border border-zinc-200 p-5 dark:border-zinc-800"
          data-testid="dashboard-plan"
        >
          <div className="flex flex-wrap items-baseline justify-between gap-2">
            <h2 id="plan-card-title" className="text-lg font-semibold">
              Your marketing plan
            </h2>
            <Link to={`/plans/${plan.id}`} className="text-sm underline">
              Open the plan
            </Link>
          </div>
          {plan.isDemo ? (
            <p className="text-sm text-amber-800 dark:text-amber-200">
              Written by the offline demo model, not by an AI.
            </p>
          ) : null}
          <div className="space-y-1">
            <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="dashboard-progress">
              {plan.progress.done} of {plan.progress.total} roadmap tasks done
            </p>
            <progress
              aria-label="Roadmap progress"
              max={Math.max(plan.progress.total, 1)}
              value={plan.progress.done}
              className="block h-2 w-full appearance-none overflow-hidden rounded-full bg-zinc-200 accent-brand-600 dark:bg-zinc-800 [&::-moz-progress-bar]:bg-brand-600 [&::-webkit-progress-bar]:bg-zinc-200 dark:[&::-webkit-progress-bar]:bg-zinc-800 [&::-webkit-progress-value]:bg-brand-600"
            />
          </div>
          <div className="space-y-2">
            <h3 className="font-medium">
              This week (week {plan.week}){plan.focus ? `: ${plan.focus}` : ""}
            </h3>
            {plan.tasks.length === 0 ? (
              <p className="text-sm text-zinc-600 dark:text-zinc-400">No tasks planned this week.</p>
            ) : (
              <ul className="space-y-1 text-sm" data-testid="dashboard-tasks">
                {plan.tasks.map((task) => (
                  <li key={task.id} className="flex gap-2">
                    <span aria-hidden="true">{task.done ? "✓" : "○"}</span>
                    <Link
                      to={`/plans/${plan.id}#${task.id}`}
                      className={task.done ? "text-zinc-600 dark:text-zinc-400 line-through" : "underline"}
                    >
                      {task.title}
                    </Link>
                    <span className="sr-only">{task.done ? "(done)" : "(to do)"}</span>
                    <span className="text-zinc-600 dark:text-zinc-400">
                      · {task.channel} · {task.effortHours} h
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </section>
      ) : null}
    </section>
  );
}

/** The getting-started checklist, shown until every step is done; the next step is the one to do now. */
function GettingStarted({ steps, next }: { steps: Step[]; next: Step }) {
  const done = steps.filter((step) => step.done).length;
  return (
    <section
      aria-labelledby="getting-started-title"
      className="max-w-2xl space-y-3 rounded-xl border border-zinc-200 p-5 dark:border-zinc-800"
      data-testid="getting-started"
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="getting-started-title" className="text-lg font-semibold">
          Getting started
        </h2>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          {done} of {steps.length} done
        </p>
      </div>
      <ol className="space-y-2">
        {steps.map((step) => (
          <li key={step.label} className="flex items-baseline gap-3" data-done={step.done}>
            <span
              aria-hidden="true"
              className={`inline-flex size-5 shrink-0 items-center justify-center rounded-full text-xs ${step.done ? "bg-brand-600 text-white" : "border border-zinc-400 dark:border-zinc-600"}`}
            >
              {step.done ? "✓" : ""}
            </span>
            <span className="min-w-0">
              {step === next ? (
                <Link to={step.href} className="font-medium text-brand-700 underline dark:text-brand-300">
                  {step.label}
                </Link>
              ) : (
                <Link
                  to={step.href}
                  className={step.done ? "text-zinc-600 line-through dark:text-zinc-400" : "underline"}
                >
                  {step.label}
                </Link>
              )}
              <span className="sr-only">{step.done ? " (done)" : step === next ? " (next)" : " (to do)"}</span>
              {step.detail ? (
                <span className="block text-sm text-zinc-600 dark:text-zinc-400">{step.detail}</span>
              ) : null}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Who the business is, from its answers: what Alva's plans and answers start from. */
function BusinessAtAGlance({ business }: { business: ProfileGlance & { logoUrl: string | null } }) {
  const rows: { term: string; value: ReactNode }[] = [];
  if (business.colours.length > 0) rows.push({ term: "Colours", value: <ColourChips colours={business.colours} /> });
  if (business.voice.length > 0) rows.push({ term: "Voice", value: <Chips items={business.voice} /> });
  if (business.channels.length > 0) rows.push({ term: "Channels", value: <Chips items={business.channels} /> });
  if (business.budget) rows.push({ term: "Budget", value: business.budget });
  return (
    <section
      aria-labelledby="business-title"
      className="max-w-2xl space-y-4 rounded-xl border border-zinc-200 p-5 dark:border-zinc-800"
      data-testid="business-glance"
    >
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex min-w-0 items-center gap-3">
          {business.logoUrl ? (
            <img
              src={business.logoUrl}
              alt=""
              className="size-12 shrink-0 rounded-md border border-zinc-200 object-contain dark:border-zinc-800"
            />
          ) : null}
          <h2 id="business-title" className="min-w-0 text-lg font-semibold break-words">
            {business.name ?? "Your business"}
          </h2>
        </div>
        <Link to="/onboarding/summary" className="text-sm underline">
          See the whole profile
        </Link>
      </div>
      {rows.length > 0 ? (
        <dl className="grid items-center gap-x-6 gap-y-3 text-sm sm:grid-cols-[auto_1fr]">
          {rows.map((row) => (
            <Fragment key={row.term}>
              <dt className="text-zinc-600 dark:text-zinc-400">{row.term}</dt>
              <dd>{row.value}</dd>
            </Fragment>
          ))}
        </dl>
      ) : null}
    </section>
  );
}
