import { Link } from "react-router";
import { requireUser } from "../accounts/auth.server.ts";
import { DEMO_MODEL } from "../ai/provider.server.ts";
import { currentWorkspace } from "../onboarding/onboarding.server.ts";
import { currentPlanWeek, loadNewestPlan, roadmapProgress, roadmapTasks } from "../plans/plans.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import type { Route } from "./+types/dashboard";

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const newest = await withDatabase(args.context, async (db) => {
    const workspaceId = await currentWorkspace(db, user.id);
    return workspaceId ? loadNewestPlan(db, workspaceId) : null;
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
  return { name: user.displayName ?? user.username, plan };
}

export const meta: Route.MetaFunction = () => [{ title: "Dashboard — Alva" }];

export default function Dashboard({ loaderData }: Route.ComponentProps) {
  const { plan } = loaderData;
  return (
    <section className="space-y-6">
      <div className="space-y-3">
        <h1 className="text-2xl font-semibold tracking-tight">Welcome, {loaderData.name}.</h1>
        {plan ? null : (
          <p className="text-zinc-600 dark:text-zinc-400">
            This is your workspace. Next: tell Alva about your business (
            <Link to="/onboarding" className="underline">
              onboarding
            </Link>
            ), then get your{" "}
            <Link to="/plans" className="underline">
              marketing plan
            </Link>
            .
          </p>
        )}
      </div>
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
