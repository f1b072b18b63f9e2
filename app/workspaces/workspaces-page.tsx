// GET/POST /workspaces — the workspaces the user belongs to (switch, manage members) and a form that
// creates a new one. A new workspace becomes the current one and starts its own onboarding.
import { getFormProps, type SubmissionResult, useForm } from "@conform-to/react";
import { data, Form, Link, redirect } from "react-router";
import { requireUser } from "../accounts/auth.server.ts";
import { currentWorkspace } from "../onboarding/onboarding.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { parseForm } from "../platform/forms.server.ts";
import { toastCookie } from "../platform/toast.server.ts";
import { Field } from "../ui/form-field.tsx";
import type { Route } from "./+types/workspaces-page";
import { createWorkspace, listMemberships, newWorkspaceSchema } from "./workspaces.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Workspaces — Alva" }];
export const headers: Route.HeadersFunction = () => ({ "Cache-Control": "no-store" });

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  return withDatabase(args.context, async (db) => {
    const [memberships, current] = await Promise.all([listMemberships(db, user.id), currentWorkspace(db, user.id)]);
    return { memberships, current };
  });
}

export async function action(args: Route.ActionArgs) {
  const { user } = requireUser(args);
  const submission = await parseForm(args, newWorkspaceSchema);
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  const { name } = submission.value;
  await withDatabase(args.context, (db) => createWorkspace(db, user.id, name));
  return redirect("/onboarding", {
    headers: {
      "Set-Cookie": toastCookie(args.request, { kind: "success", message: `${name} created: tell Alva about it.` }),
    },
  });
}

export default function WorkspacesPage({ loaderData, actionData }: Route.ComponentProps) {
  const [form, fields] = useForm<{ name: string }>({
    id: "new-workspace",
    lastResult: (actionData as { result?: SubmissionResult<string[]> } | undefined)?.result,
  });
  return (
    <section className="max-w-3xl space-y-8" aria-labelledby="workspaces-title">
      <h1 id="workspaces-title" className="text-2xl font-semibold tracking-tight">
        Workspaces
      </h1>
      <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" data-testid="workspaces">
        {loaderData.memberships.map((workspace) => (
          <li key={workspace.workspaceId} className="flex flex-wrap items-center justify-between gap-2 py-2">
            <span>
              <strong>{workspace.name}</strong>{" "}
              <span className="text-sm text-zinc-600 dark:text-zinc-400">{workspace.role}</span>
              {workspace.workspaceId === loaderData.current ? (
                <span className="ml-2 rounded bg-zinc-100 px-1.5 text-xs dark:bg-zinc-800">current</span>
              ) : null}
            </span>
            <span className="flex gap-2">
              <Link to={`/workspaces/${workspace.workspaceId}/members`} className="underline">
                Members
              </Link>
              {workspace.workspaceId === loaderData.current ? null : (
                <Form method="post" action="/workspaces/switch">
                  <input type="hidden" name="workspaceId" value={workspace.workspaceId} />
                  <input type="hidden" name="redirectTo" value="/dashboard" />
                  <button type="submit" className="underline">
                    Switch to it
                  </button>
                </Form>
              )}
            </span>
          </li>
        ))}
      </ul>
      <section aria-labelledby="new-workspace-title" className="space-y-3">
        <h2 id="new-workspace-title" className="text-lg font-semibold">
          New workspace
        </h2>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          One per business you work for: each has its own profile, plans, members and chat.
        </p>
        <Form method="post" {...getFormProps(form)} className="flex flex-wrap items-end gap-3">
          <div className="min-w-64 flex-1">
            <Field meta={fields.name} label="Name" />
          </div>
          <button type="submit" className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
            Create workspace
          </button>
        </Form>
      </section>
    </section>
  );
}
