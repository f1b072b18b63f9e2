import { useFetcher, useLocation, useRouteLoaderData } from "react-router";
import type { Theme } from "./theme.server.ts";

const choices: { value: Theme; label: string; icon: string }[] = [
  { value: "light", label: "Light", icon: "☀" },
  { value: "dark", label: "Dark", icon: "☾" },
  { value: "system", label: "System", icon: "◐" },
];

/** The theme to render: what is being submitted right now, else what the cookie says. */
export function useTheme(): Theme {
  const root = useRouteLoaderData<{ theme: Theme }>("root");
  const pending = useFetcher({ key: "theme" }).formData?.get("theme");
  return choices.some((choice) => choice.value === pending) ? (pending as Theme) : (root?.theme ?? "system");
}

export function ThemeSwitch() {
  const fetcher = useFetcher({ key: "theme" });
  const location = useLocation();
  const current = useTheme();
  return (
    <fetcher.Form method="post" action="/theme" preventScrollReset className="flex items-center gap-1">
      <input type="hidden" name="redirectTo" value={`${location.pathname}${location.search}`} />
      <fieldset className="flex rounded-full border border-zinc-200 p-0.5 dark:border-zinc-800">
        <legend className="sr-only">Colour theme</legend>
        {choices.map((choice) => (
          <button
            key={choice.value}
            type="submit"
            name="theme"
            value={choice.value}
            aria-pressed={current === choice.value}
            title={`${choice.label} theme`}
            className="rounded-full px-2.5 py-1 text-sm text-zinc-600 aria-pressed:bg-zinc-900 aria-pressed:text-white dark:text-zinc-400 dark:aria-pressed:bg-zinc-100 dark:aria-pressed:text-zinc-900"
          >
            <span aria-hidden="true">{choice.icon}</span>
            <span className="sr-only">{choice.label}</span>
          </button>
        ))}
      </fieldset>
    </fetcher.Form>
  );
}
