// GET /settings: who you are here, and the way to each part of your account's settings.
import { Link } from "react-router";
import { requireUser } from "../accounts/auth.server.ts";
import type { Route } from "./+types/settings-page";
import { roleNames } from "./format.ts";

export function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  return {
    username: user.username,
    displayName: user.displayName,
    email: user.email,
    emailVerified: user.emailVerifiedAt !== null,
    role: user.role,
  };
}

export const meta: Route.MetaFunction = () => [{ title: "Settings — Alva" }];

const sections = [
  { to: "/settings/sessions", title: "Sessions", text: "Where you're signed in. End any session you don't recognise." },
  {
    to: "/settings/security",
    title: "Security activity",
    text: "Sign-ins, failed attempts and changes to your account.",
  },
  { to: "/settings/password", title: "Password", text: "Change your password." },
  { to: "/settings/email", title: "E-mail", text: "Change the address Alva writes to." },
];

export default function SettingsPage({ loaderData }: Route.ComponentProps) {
  const account = loaderData;
  return (
    <section className="space-y-6" aria-labelledby="overview-title">
      <h2 id="overview-title" className="text-xl font-semibold tracking-tight">
        Your account
      </h2>

      <dl className="grid gap-x-6 gap-y-3 rounded-xl border border-zinc-200 p-5 sm:grid-cols-[10rem_1fr] dark:border-zinc-800">
        <dt className="text-sm text-zinc-600 dark:text-zinc-400">Username</dt>
        <dd data-testid="account-username">{`@${account.username}`}</dd>
        <dt className="text-sm text-zinc-600 dark:text-zinc-400">Display name</dt>
        <dd>{account.displayName ?? <span className="text-zinc-600 dark:text-zinc-400">Not set</span>}</dd>
        <dt className="text-sm text-zinc-600 dark:text-zinc-400">E-mail</dt>
        <dd className="flex flex-wrap items-center gap-2">
          <span data-testid="account-email">{account.email}</span>
          {account.emailVerified ? (
            <span className="rounded bg-emerald-100 px-1.5 text-xs text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">
              Verified
            </span>
          ) : (
            <span className="rounded bg-amber-100 px-1.5 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-100">
              Not verified
            </span>
          )}
        </dd>
        <dt className="text-sm text-zinc-600 dark:text-zinc-400">Role</dt>
        <dd data-testid="account-role">{roleNames[account.role]}</dd>
      </dl>

      <ul className="grid gap-3 sm:grid-cols-2">
        {sections.map((section) => (
          <li key={section.to}>
            <Link
              to={section.to}
              className="block h-full rounded-xl border border-zinc-200 p-4 hover:border-brand-600 dark:border-zinc-800 dark:hover:border-brand-400"
            >
              <span className="font-medium">{section.title}</span>
              <span className="mt-1 block text-sm text-zinc-600 dark:text-zinc-400">{section.text}</span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
