import { requireUser } from "../accounts/auth.server.ts";
import type { Route } from "./+types/dashboard";

export function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  return { name: user.displayName ?? user.username };
}

export const meta: Route.MetaFunction = () => [{ title: "Dashboard — Alva" }];

export default function Dashboard({ loaderData }: Route.ComponentProps) {
  return (
    <section className="space-y-3">
      <h1 className="text-2xl font-semibold tracking-tight">Welcome, {loaderData.name}.</h1>
      <p className="text-zinc-600 dark:text-zinc-400">
        This is your workspace. Next: tell Alva about your business (onboarding), then get your marketing plan.
      </p>
    </section>
  );
}
