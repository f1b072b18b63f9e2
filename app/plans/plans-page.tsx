// GET/POST /plans — the workspace's plans and the jobs that wrote them (status, when, model), and the
// Generate button. POST asks the job service for a plan (the onboarding summary's "Generate my
// marketing plan" button posts here too) and goes to the job's page; a refusal is shown on this page.
import { Link } from "react-router";
import { requireUser } from "../accounts/auth.server.ts";
import { aiProvider, DEMO_MODEL } from "../ai/provider.server.ts";
import { requireWorkspace } from "../onboarding/onboarding.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { formatTime } from "../settings/format.ts";
import type { Route } from "./+types/plans-page";
import { planJobView } from "./job-view.server.ts";
import { listJobs, requestPlan } from "./jobs.server.ts";
import { jobPath } from "./paths.ts";
import { RequestProblemMessage } from "./plan-notices.tsx";
import { GenerateForm, JobStatus } from "./plan-ui.tsx";
import { listPlans } from "./plans.server.ts";
import { planPageHeaders, requestOutcome, unverifiedRefusal } from "./request-outcome.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Marketing plans — Alva" }];
export const headers: Route.HeadersFunction = planPageHeaders;

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const { env } = args.context.get(requestInfo);
  const { plans, jobs } = await withDatabase(args.context, async (db) => {
    const workspaceId = await requireWorkspace(db, user.id);
    const [plans, jobs] = await Promise.all([listPlans(db, workspaceId), listJobs(db, { workspaceId, limit: 20 })]);
    return { plans, jobs };
  });
  return {
    plans: plans.map((plan) => ({
      id: plan.id,
      createdAt: plan.createdAt.getTime(),
      updatedAt: plan.updatedAt.getTime(),
      version: plan.currentVersion,
      model: plan.model,
      isDemo: plan.model === DEMO_MODEL,
    })),
    jobs: jobs.map(planJobView),
    providerConfigured: aiProvider(env).kind !== "none",
    isAdmin: user.role === "admin",
  };
}

export async function action(args: Route.ActionArgs) {
  const { user } = requireUser(args);
  const { env } = args.context.get(requestInfo);
  const refused = unverifiedRefusal(user);
  if (refused) return refused;
  return withDatabase(args.context, async (db) =>
    requestOutcome(await requestPlan(db, env, { workspaceId: await requireWorkspace(db, user.id), userId: user.id })),
  );
}

export default function PlansPage({ loaderData, actionData }: Route.ComponentProps) {
  const { plans, jobs, providerConfigured, isAdmin } = loaderData;
  return (
    <section className="max-w-4xl space-y-8" aria-labelledby="plans-title">
      <header className="space-y-4">
        <h1 id="plans-title" className="text-2xl font-semibold tracking-tight">
          Marketing plans
        </h1>
        <p className="text-zinc-600 dark:text-zinc-400">
          Alva writes a plan from your{" "}
          <Link to="/onboarding/summary" className="underline">
            business profile
          </Link>
          . It takes a minute or two; you can watch it being written.
        </p>
        {actionData?.problem ? <RequestProblemMessage problem={actionData.problem} isAdmin={isAdmin} /> : null}
        <GenerateForm providerConfigured={providerConfigured} isAdmin={isAdmin} />
      </header>

      <section aria-labelledby="plans-list" className="space-y-3">
        <h2 id="plans-list" className="text-lg font-semibold">
          Your plans
        </h2>
        {plans.length === 0 ? (
          <p className="text-zinc-600 dark:text-zinc-400">No plan yet.</p>
        ) : (
          <ul className="divide-y divide-zinc-200 rounded-xl border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
            {plans.map((plan) => (
              <li key={plan.id} className="flex flex-wrap items-baseline justify-between gap-2 p-4">
                <Link to={`/plans/${plan.id}`} className="font-medium underline" data-testid="plan-link">
                  Marketing plan of {formatTime(plan.createdAt)}
                </Link>
                <span className="text-sm text-zinc-600 dark:text-zinc-400">
                  version {plan.version} · {plan.isDemo ? "offline demo model (not an AI)" : plan.model}
                  {plan.version > 1 ? ` · changed ${formatTime(plan.updatedAt)}` : ""}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>

      {jobs.length > 0 ? (
        <section aria-labelledby="jobs-list" className="space-y-3">
          <h2 id="jobs-list" className="text-lg font-semibold">
            Requests
          </h2>
          <div className="overflow-x-auto">
            <table className="min-w-full text-sm">
              <thead>
                <tr className="text-left">
                  <th scope="col" className="border-b border-zinc-300 px-2 py-2 font-medium dark:border-zinc-700">
                    What
                  </th>
                  <th scope="col" className="border-b border-zinc-300 px-2 py-2 font-medium dark:border-zinc-700">
                    Status
                  </th>
                  <th scope="col" className="border-b border-zinc-300 px-2 py-2 font-medium dark:border-zinc-700">
                    Asked
                  </th>
                  <th scope="col" className="border-b border-zinc-300 px-2 py-2 font-medium dark:border-zinc-700">
                    Model
                  </th>
                </tr>
              </thead>
              <tbody>
                {jobs.map((job) => (
                  <tr key={job.id} data-testid="job-row">
                    <td className="border-b border-zinc-200 px-2 py-2 dark:border-zinc-800">
                      <Link to={jobPath(job.id)} className="underline">
                        {job.label}
                      </Link>
                      {job.status === "failed" && job.lastError ? (
                        <p className="text-xs text-red-700 dark:text-red-400">{job.lastError}</p>
                      ) : null}
                    </td>
                    <td className="border-b border-zinc-200 px-2 py-2 dark:border-zinc-800">
                      <JobStatus status={job.status} />
                    </td>
                    <td className="border-b border-zinc-200 px-2 py-2 whitespace-nowrap dark:border-zinc-800">
                      {formatTime(job.createdAt)}
                    </td>
                    <td className="border-b border-zinc-200 px-2 py-2 dark:border-zinc-800">{job.model ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </section>
  );
}
