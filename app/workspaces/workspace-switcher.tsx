// The header's workspace switcher: a plain form (select + button) posting to /workspaces/switch, so it
// works without JavaScript; with JavaScript, choosing submits at once.
import { Form, Link, useLocation } from "react-router";
import type { Membership } from "./workspaces.server.ts";

export function WorkspaceSwitcher({ memberships, current }: { memberships: Membership[]; current: string | null }) {
  const location = useLocation();
  return (
    <Form method="post" action="/workspaces/switch" className="flex items-center gap-2 text-sm" data-testid="switcher">
      <label htmlFor="workspace-switcher" className="sr-only">
        Workspace
      </label>
      <select
        id="workspace-switcher"
        name="workspaceId"
        defaultValue={current ?? undefined}
        key={current}
        onChange={(event) => event.currentTarget.form?.requestSubmit()}
        className="max-w-48 rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
      >
        {memberships.map((workspace) => (
          <option key={workspace.workspaceId} value={workspace.workspaceId}>
            {workspace.name}
          </option>
        ))}
      </select>
      <input
        type="hidden"
        name="redirectTo"
        value={location.pathname.startsWith("/chat/") ? "/chat" : location.pathname}
      />
      <noscript>
        <button type="submit" className="underline">
          Switch
        </button>
      </noscript>
      <Link to="/workspaces" className="underline">
        Manage
      </Link>
    </Form>
  );
}
