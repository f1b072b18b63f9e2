// Small pieces several pages show: a plan job's status badge and the Generate button.
import { Form, useNavigation } from "react-router";
import type { PlanJobView } from "./job-view.server.ts";
import { ProviderHint } from "./plan-notices.tsx";

const statusClass: Record<PlanJobView["status"], string> = {
  queued: "bg-zinc-100 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200",
  running: "bg-brand-100 text-brand-700 dark:bg-brand-700 dark:text-white",
  succeeded: "bg-green-100 text-green-800 dark:bg-green-900 dark:text-green-100",
  failed: "bg-red-100 text-red-800 dark:bg-red-900 dark:text-red-100",
  cancelled: "bg-zinc-100 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300",
};

export function JobStatus({ status }: { status: PlanJobView["status"] }) {
  return (
    <span className={`rounded px-2 py-0.5 text-xs font-medium ${statusClass[status]}`} data-testid="job-status">
      {status}
    </span>
  );
}

/**
 * The Generate button (the plans page and the onboarding summary). It posts to /plans; with no AI
 * provider configured it is disabled and says so, with how to set one up for administrators.
 */
export function GenerateForm({
  providerConfigured,
  isAdmin,
  label = "Generate a marketing plan",
}: {
  providerConfigured: boolean;
  isAdmin: boolean;
  label?: string;
}) {
  const navigation = useNavigation();
  const sending = navigation.state !== "idle" && navigation.formAction === "/plans";
  return (
    <Form method="post" action="/plans" className="space-y-2 print:hidden">
      <button
        type="submit"
        disabled={!providerConfigured || sending}
        aria-describedby={providerConfigured ? undefined : "no-provider"}
        className="rounded-md bg-brand-600 px-5 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60"
      >
        {sending ? "Asking…" : label}
      </button>
      {providerConfigured ? null : (
        <div id="no-provider" className="space-y-1 text-sm text-zinc-600 dark:text-zinc-400">
          <p className="font-medium">No AI provider configured.</p>
          <ProviderHint isAdmin={isAdmin} />
        </div>
      )}
    </Form>
  );
}
