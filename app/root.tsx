import type { ReactNode } from "react";
import {
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useRouteLoaderData,
} from "react-router";
import type { Route } from "./+types/root";
import "./app.css";
import { getAuth, sessionMiddleware } from "./accounts/auth.server.ts";
import { organizationBranding } from "./admin/instance-settings.server.ts";
import { isApiPath } from "./api/paths.ts";
import { imageUrl } from "./images/images.server.ts";
import { getDatabase } from "./platform/database.server.ts";
import { isHttpErrorData, NOT_FOUND_MESSAGE } from "./platform/http-error.ts";
import { useNonce } from "./platform/nonce.tsx";
import { requestInfo } from "./platform/request-info.ts";
import { toastContext, toastMiddleware } from "./platform/toast.server.ts";
import { Toast } from "./platform/toast.tsx";
import { setupGuardMiddleware } from "./setup/instance.server.ts";
import { UserMenu } from "./shell/user-menu.tsx";
import { readTheme } from "./theme/theme.server.ts";
import { ThemeSwitch, useTheme } from "./theme/theme-switch.tsx";

// Order matters: no page before setup, then who is asking, then one-time messages. None of them runs
// for the JSON API (app/api): it answers before setup (GET /api/v1/setup/status), reads no cookie at all
// (bearer tokens only) and sets none.
const pagesOnly =
  (middleware: Route.MiddlewareFunction): Route.MiddlewareFunction =>
  (args, next) =>
    isApiPath(new URL(args.request.url).pathname) ? next() : middleware(args, next);

// The request's log line (workers/app.ts) names the matched route pattern (no ids from the path) and,
// once the session middleware or the API's token check has run, the user's id. Runs for the API too.
const logFieldsMiddleware: Route.MiddlewareFunction = async ({ context, pattern }, next) => {
  const { log } = context.get(requestInfo);
  log.route = pattern.startsWith("/") ? pattern : `/${pattern}`; // React Router's patterns have no leading slash
  const response = await next();
  const auth = getAuth(context);
  if (auth.status === "signed-in") log.userId = auth.user.id;
  return response;
};

export const middleware: Route.MiddlewareFunction[] = [
  logFieldsMiddleware,
  ...[setupGuardMiddleware, sessionMiddleware, toastMiddleware].map(pagesOnly),
];

export async function loader({ request, context }: Route.LoaderArgs) {
  const auth = getAuth(context);
  const user =
    auth.status === "signed-in"
      ? {
          username: auth.user.username,
          displayName: auth.user.displayName,
          role: auth.user.role,
          emailVerified: auth.user.emailVerifiedAt !== null,
          avatarUrl: auth.user.avatarImageId ? imageUrl(auth.user.avatarImageId, "thumb") : null,
        }
      : null;
  const { env, requestId } = context.get(requestInfo);
  // The organization from /admin/settings, in the header of signed-in pages (anonymous pages ask nothing).
  const branding = user
    ? await organizationBranding(getDatabase(context), env.TURSO_DATABASE_URL).catch(() => null)
    : null;
  return {
    theme: readTheme(request),
    requestId,
    user,
    organization: branding?.name ?? null,
    organizationLogoUrl: branding?.logoImageId ? imageUrl(branding.logoImageId, "thumb") : null,
    toast: context.get(toastContext),
  };
}

export const meta: Route.MetaFunction = () => [
  { title: "Alva — AI marketing workspace for small businesses" },
  { name: "description", content: "Alva learns your business and drafts a marketing plan you can act on." },
];

export const links: Route.LinksFunction = () => [{ rel: "icon", href: "/favicon.svg", type: "image/svg+xml" }];

export function Layout({ children }: { children: ReactNode }) {
  const theme = useTheme();
  const nonce = useNonce();
  const root = useRouteLoaderData<typeof loader>("root");
  return (
    <html lang="en" data-theme={theme}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links nonce={nonce} />
      </head>
      <body className="flex min-h-screen flex-col font-sans">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:rounded focus:bg-white focus:px-3 focus:py-2 dark:focus:bg-zinc-900"
        >
          Skip to content
        </a>
        <header className="border-b border-zinc-200 dark:border-zinc-800">
          <div className="mx-auto flex max-w-5xl items-center justify-between gap-3 px-4 py-3">
            <Link to="/" className="flex min-w-0 items-center text-lg font-semibold tracking-tight">
              <span className="shrink-0">
                <span className="text-brand-600 dark:text-brand-400">●</span> Alva
              </span>
              {root?.organizationLogoUrl ? (
                // Decorative: the organization's name is right next to it.
                <img
                  src={root.organizationLogoUrl}
                  alt=""
                  data-testid="organization-logo"
                  className="ml-3 h-6 w-auto max-w-16 shrink-0 rounded-sm object-contain sm:max-w-24"
                />
              ) : null}
              {root?.organization ? (
                <span className="ml-2 text-sm leading-tight font-normal text-zinc-600 dark:text-zinc-400">
                  {root.organization}
                </span>
              ) : null}
            </Link>
            <div className="flex items-center gap-3">
              <ThemeSwitch />
              {root?.user ? (
                <UserMenu user={root.user} />
              ) : (
                <Link
                  to="/login"
                  className="rounded-md px-3 py-1.5 text-sm font-medium hover:bg-zinc-100 dark:hover:bg-zinc-800"
                >
                  Sign in
                </Link>
              )}
            </div>
          </div>
        </header>
        {root?.toast ? <Toast key={root.toast.message} toast={root.toast} /> : null}
        <main id="main" className="mx-auto w-full max-w-5xl flex-1 px-4 py-10">
          {children}
        </main>
        <footer className="border-t border-zinc-200 py-6 text-center text-sm text-zinc-600 dark:text-zinc-400 dark:border-zinc-800">
          Alva — self-hostable AI marketing workspace
        </footer>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  const root = useRouteLoaderData<typeof loader>("root");
  const thrown = isRouteErrorResponse(error) ? error : null;
  const status = thrown?.status ?? 500;
  // Thrown by httpError (app/platform/http-error.ts): { message, requestId }.
  const payload = isHttpErrorData(thrown?.data) ? thrown.data : null;
  const requestId = payload?.requestId ?? root?.requestId;
  const title = titleFor(status);
  const detail = payload?.message ?? defaultDetail(status);

  return (
    <section className="mx-auto max-w-xl py-16 text-center" aria-labelledby="error-title">
      <p className="text-sm font-semibold text-brand-600 dark:text-brand-400">Error {status}</p>
      <h1 id="error-title" className="mt-2 text-3xl font-semibold tracking-tight">
        {title}
      </h1>
      <p className="mt-4 text-zinc-600 dark:text-zinc-400" data-testid="error-message">
        {detail}
      </p>
      <p className="mt-8">
        <Link to="/" className="rounded-md bg-brand-600 px-4 py-2 text-white hover:bg-brand-700">
          Back to the start
        </Link>
      </p>
      {requestId && (
        <p className="mt-8 text-xs text-zinc-600 dark:text-zinc-400">
          Request id: <code data-testid="request-id">{requestId}</code>
        </p>
      )}
    </section>
  );
}

function titleFor(status: number): string {
  switch (status) {
    case 403:
      return "You don't have access to this page";
    case 404:
      return "We couldn't find that page";
    case 405:
      return "That page doesn't take this kind of request";
    case 413:
      return "That was more than this page accepts";
    case 503:
      return "Alva is unavailable for a moment";
  }
  return status >= 400 && status < 500 ? "That request didn't work" : "Something went wrong on our side";
}

/** For errors thrown without a message (React Router's own 404/405, an exception). */
function defaultDetail(status: number): string {
  if (status === 403) return "Ask an administrator of this Alva instance if you need it.";
  if (status === 404) return NOT_FOUND_MESSAGE;
  if (status >= 400 && status < 500) return "Please check it and try again.";
  return "We've logged it. Please try again; if it keeps happening, tell us the request id below.";
}
