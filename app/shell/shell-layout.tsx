// The signed-in shell: sidebar navigation around every page that needs an account.
import { Form, NavLink, Outlet } from "react-router";
import { finishedProfileMiddleware, requireFinishedProfile } from "../accounts/finished-profile.server.ts";
import { currentWorkspace } from "../onboarding/onboarding.server.ts";
import { privateNoStoreMiddleware } from "../platform/cache-control.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { WorkspaceSwitcher } from "../workspaces/workspace-switcher.tsx";
import { listMemberships } from "../workspaces/workspaces.server.ts";
import type { Route } from "./+types/shell-layout";

// Every page inside the shell, present and future, needs a signed-in user who has chosen a username
// (accounts made by a magic link or a provider pick one at /welcome first), and shows that user's data,
// which no cache may keep (the admin page lists every user's e-mail).
export const middleware: Route.MiddlewareFunction[] = [finishedProfileMiddleware, privateNoStoreMiddleware];

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireFinishedProfile(args);
  const [memberships, current] = await withDatabase(args.context, (db) =>
    Promise.all([listMemberships(db, user.id), currentWorkspace(db, user.id)]),
  );
  return {
    isAdmin: user.role === "admin",
    isModerator: user.role === "moderator",
    emailVerified: user.emailVerifiedAt !== null,
    email: user.email,
    memberships,
    current,
  };
}

const linkClass = ({ isActive }: { isActive: boolean }) =>
  `block rounded-md px-3 py-2 text-sm ${isActive ? "bg-zinc-100 font-medium dark:bg-zinc-800" : "hover:bg-zinc-50 dark:hover:bg-zinc-900"}`;

export default function ShellLayout({ loaderData }: Route.ComponentProps) {
  return (
    <div className="grid gap-8 md:grid-cols-[12rem_1fr]">
      {/* On a phone the links wrap into a compact row above the page instead of a list that pushes it down. */}
      <nav aria-label="Main" className="flex flex-wrap gap-1 md:block md:space-y-1">
        <NavLink to="/dashboard" className={linkClass}>
          Dashboard
        </NavLink>
        <NavLink to="/onboarding" className={linkClass}>
          Onboarding
        </NavLink>
        <NavLink to="/plans" className={linkClass}>
          Plans
        </NavLink>
        <NavLink to="/chat" className={linkClass}>
          Chat
        </NavLink>
        <NavLink to="/settings" className={linkClass}>
          Settings
        </NavLink>
        {loaderData.isAdmin ? (
          <NavLink to="/admin" className={linkClass}>
            Admin
          </NavLink>
        ) : null}
        {loaderData.isModerator ? (
          <NavLink to="/admin/users" className={linkClass}>
            Users
          </NavLink>
        ) : null}
      </nav>
      <div className="min-w-0 space-y-6">
        <WorkspaceSwitcher memberships={loaderData.memberships} current={loaderData.current} />
        {loaderData.emailVerified ? null : (
          <div
            role="note"
            data-testid="verify-banner"
            className="flex flex-wrap items-center justify-between gap-3 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
          >
            <span>
              Please verify <strong>{loaderData.email}</strong>: we sent a code. Until then, features that send e-mail
              or spend money (AI plans) wait.
            </span>
            <span className="flex gap-2">
              <a href="/verify-email" className="underline">
                Enter the code
              </a>
              <Form method="post" action="/verify-email/resend">
                <button type="submit" className="underline">
                  Send a new code
                </button>
              </Form>
            </span>
          </div>
        )}
        <Outlet />
      </div>
    </div>
  );
}
