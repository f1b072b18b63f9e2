import { Form, Link } from "react-router";

export interface MenuUser {
  username: string;
  displayName: string | null;
  /** The avatar picture's URL, when the user has uploaded one (else their initials are shown). */
  avatarUrl: string | null;
}

export function initials(user: MenuUser): string {
  const name = user.displayName?.trim() || user.username;
  const parts = name.split(/[\s_]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? "") + (parts.length > 1 ? (parts.at(-1)?.[0] ?? "") : "")).toUpperCase() || "?";
}

/** The signed-in user's menu: a native <details> disclosure, so it opens without JavaScript. */
export function UserMenu({ user }: { user: MenuUser }) {
  return (
    <details className="relative">
      {/* The initials are what one sees; the name is what a screen reader says (no aria-label, whose
          text would differ from the visible one). */}
      <summary className="flex size-9 cursor-pointer list-none items-center justify-center overflow-hidden rounded-full bg-brand-600 text-sm font-semibold text-white">
        {user.avatarUrl ? (
          <img src={user.avatarUrl} alt="" className="size-full object-cover" data-testid="header-avatar" />
        ) : (
          <span aria-hidden="true">{initials(user)}</span>
        )}
        <span className="sr-only">Account menu for {user.displayName ?? user.username}</span>
      </summary>
      <div className="absolute right-0 z-10 mt-2 w-56 rounded-md border border-zinc-200 bg-white p-1 shadow-lg dark:border-zinc-800 dark:bg-zinc-900">
        <p className="truncate px-3 py-2 text-sm text-zinc-600 dark:text-zinc-400">@{user.username}</p>
        <Link to="/dashboard" className="block rounded px-3 py-2 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800">
          Dashboard
        </Link>
        <Link to="/settings" className="block rounded px-3 py-2 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800">
          Settings
        </Link>
        <Form method="post" action="/logout">
          <button
            type="submit"
            className="block w-full rounded px-3 py-2 text-left text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800"
          >
            Sign out
          </button>
        </Form>
      </div>
    </details>
  );
}
