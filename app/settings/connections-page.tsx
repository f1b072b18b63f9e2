// /settings/connections: the providers linked to this account, and the enabled ones to connect.
// "Connect" starts the usual flow in link mode (POST /auth/<provider> with mode=link); "Disconnect"
// refuses to remove the last way to sign in (oauth-accounts.server.ts explains the rule).
import { data, Form, redirect, useNavigation } from "react-router";
import { z } from "zod";
import { requireUser } from "../accounts/auth.server.ts";
import { recordSecurityEvent } from "../accounts/security-log.server.ts";
import { enabledProviders } from "../oauth/config.server.ts";
import { listConnections, unlinkProvider } from "../oauth/oauth-accounts.server.ts";
import { providerLabels, providerOrder } from "../oauth/providers.ts";
import { withDatabase } from "../platform/database.server.ts";
import { parseForm } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { toastCookie } from "../platform/toast.server.ts";
import type { Route } from "./+types/connections-page";

export const meta: Route.MetaFunction = () => [{ title: "Connections — Settings — Alva" }];

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const { env } = args.context.get(requestInfo);
  const connections = await withDatabase(args.context, (db) => listConnections(db, user.id));
  const enabled = enabledProviders(env);
  return {
    connections: connections.map((row) => ({ provider: row.provider, email: row.email })),
    connectable: enabled.filter((provider) => !connections.some((row) => row.provider === provider)),
    anyEnabled: enabled.length > 0,
    hasPassword: user.passwordHash !== null,
  };
}

const actionSchema = z.object({
  intent: z.literal("disconnect"),
  provider: z.enum(providerOrder as ["github", "google", "apple"]),
});

export async function action(args: Route.ActionArgs) {
  const { request, context } = args;
  const { user } = requireUser(args);
  const submission = await parseForm(args, actionSchema);
  if (submission.status !== "success")
    return data({ error: "That request wasn't understood. Reload the page and try again." }, { status: 400 });
  const { provider } = submission.value;
  const label = providerLabels[provider];
  return withDatabase(context, async (db) => {
    const result = await unlinkProvider(db, user, provider);
    if (result.outcome === "not-linked") return data({ error: `${label} isn't connected.` }, { status: 404 });
    if (result.outcome === "last-method") {
      return data(
        {
          error: `${label} is the only way you sign in. Set a password or connect another provider before disconnecting it.`,
        },
        { status: 400 },
      );
    }
    await recordSecurityEvent(db, { userId: user.id, type: "provider-unlinked", request, detail: label });
    return redirect("/settings/connections", {
      headers: { "Set-Cookie": toastCookie(request, { kind: "success", message: `${label} is disconnected.` }) },
    });
  });
}

const buttonClass =
  "rounded-md border border-zinc-300 px-3 py-1.5 text-sm hover:bg-zinc-50 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-900";

export default function ConnectionsPage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const { connections, connectable, hasPassword } = loaderData;
  return (
    <section className="space-y-6" aria-labelledby="connections-title">
      <h2 id="connections-title" className="text-xl font-semibold tracking-tight">
        Connections
      </h2>
      <p className="text-zinc-600 dark:text-zinc-400">
        Sign in with GitHub, Google or Apple instead of a password.
        {hasPassword ? null : " You have no password, so at least one connection must stay."}
      </p>
      {actionData?.error ? (
        <p
          role="alert"
          className="rounded-md border border-red-300 bg-red-50 px-4 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
        >
          {actionData.error}
        </p>
      ) : null}

      {connections.length > 0 ? (
        <ul
          className="divide-y divide-zinc-200 rounded-xl border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800"
          aria-label="Connected accounts"
        >
          {connections.map((row) => (
            <li
              key={row.provider}
              data-testid="connection"
              className="flex flex-wrap items-center justify-between gap-3 p-4"
            >
              <div>
                <p className="font-medium">{providerLabels[row.provider]}</p>
                {row.email ? <p className="text-sm text-zinc-600 dark:text-zinc-400">{row.email}</p> : null}
              </div>
              <Form method="post">
                <input type="hidden" name="intent" value="disconnect" />
                <input type="hidden" name="provider" value={row.provider} />
                <button type="submit" disabled={busy} className={buttonClass}>
                  Disconnect {providerLabels[row.provider]}
                </button>
              </Form>
            </li>
          ))}
        </ul>
      ) : loaderData.anyEnabled ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">No accounts are connected.</p>
      ) : (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="no-providers">
          This Alva instance doesn't offer sign-in with GitHub, Google or Apple: its administrator has not set any of
          them up, so there is nothing to connect. You sign in with your password or an e-mailed link.
        </p>
      )}

      {connectable.length > 0 ? (
        <div className="flex flex-wrap gap-2">
          {connectable.map((provider) => (
            <Form key={provider} method="post" action={`/auth/${provider}`} reloadDocument>
              <input type="hidden" name="mode" value="link" />
              <button type="submit" className={buttonClass}>
                Connect {providerLabels[provider]}
              </button>
            </Form>
          ))}
        </div>
      ) : null}
    </section>
  );
}
