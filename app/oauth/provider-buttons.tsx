// "Continue with GitHub / Google / Apple" for /login (and anywhere sign-in is offered). Each button is
// its own POST form to /auth/<provider> (CSRF-protected; reloadDocument because the answer is a redirect
// to another site). Pass the providers from `enabledProviders(env)` (app/oauth/config.server.ts) in the
// page's loader; a disabled provider is simply not in the list.
import { Form } from "react-router";
import { type OAuthProvider, providerLabels } from "./providers.ts";

export { providerLabels };

export function ProviderButtons({
  providers,
  redirectTo,
}: {
  providers: readonly OAuthProvider[];
  redirectTo?: string | null;
}) {
  if (providers.length === 0) return null;
  return (
    <section className="space-y-2" aria-label="Sign in with another account">
      {providers.map((provider) => (
        <Form key={provider} method="post" action={`/auth/${provider}`} reloadDocument>
          {redirectTo ? <input type="hidden" name="redirectTo" value={redirectTo} /> : null}
          <button
            type="submit"
            className="w-full rounded-md border border-zinc-300 px-4 py-2 text-sm font-medium hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
          >
            Continue with {providerLabels[provider]}
          </button>
        </Form>
      ))}
    </section>
  );
}
