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
import { useNonce } from "./platform/nonce.tsx";
import { requestInfo } from "./platform/request-info.ts";
import { toastContext, toastMiddleware } from "./platform/toast.server.ts";
import { Toast } from "./platform/toast.tsx";
import { setupGuardMiddleware } from "./setup/instance.server.ts";
import { UserMenu } from "./shell/user-menu.tsx";
import { readTheme } from "./theme/theme.server.ts";
import { ThemeSwitch, useTheme } from "./theme/theme-switch.tsx";

// Order matters: no page before setup, then who is asking, then one-time messages.
export const middleware: Route.MiddlewareFunction[] = [setupGuardMiddleware, sessionMiddleware, toastMiddleware];

export function loader({ request, context }: Route.LoaderArgs) {
  const auth = getAuth(context);
  const user =
    auth.status === "signed-in"
      ? {
          username: auth.user.username,
          displayName: auth.user.displayName,
          role: auth.user.role,
          emailVerified: auth.user.emailVerifiedAt !== null,
        }
      : null;
  return {
    theme: readTheme(request),
    requestId: context.get(requestInfo).requestId,
    user,
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
          <div className="mx-auto flex max-w-5xl items-center justify-between px-4 py-3">
            <Link to="/" className="text-lg font-semibold tracking-tight">
              <span className="text-brand-600 dark:text-brand-400">●</span> Alva
            </Link>
            <div className="flex items-center gap-3">
              <ThemeSwitch />
              {root?.user ? <UserMenu user={root.user} /> : null}
            </div>
          </div>
        </header>
        {root?.toast ? <Toast toast={root.toast} /> : null}
        <main id="main" className="mx-auto w-full max-w-5xl flex-1 px-4 py-10">
          {children}
        </main>
        <footer className="border-t border-zinc-200 py-6 text-center text-sm text-zinc-500 dark:border-zinc-800">
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
  const requestId: string | undefined = thrown?.data?.requestId ?? root?.requestId;
  const { title, detail } = describeError(status, thrown?.data);

  return (
    <section className="mx-auto max-w-xl py-16 text-center" aria-labelledby="error-title">
      <p className="text-sm font-semibold text-brand-600 dark:text-brand-400">Error {status}</p>
      <h1 id="error-title" className="mt-2 text-3xl font-semibold tracking-tight">
        {title}
      </h1>
      <p className="mt-4 text-zinc-600 dark:text-zinc-400">{detail}</p>
      <p className="mt-8">
        <Link to="/" className="rounded-md bg-brand-600 px-4 py-2 text-white hover:bg-brand-700">
          Back to the start
        </Link>
      </p>
      {requestId && (
        <p className="mt-8 text-xs text-zinc-500">
          Request id: <code data-testid="request-id">{requestId}</code>
        </p>
      )}
    </section>
  );
}

function describeError(status: number, data: unknown): { title: string; detail: string } {
  if (status === 403) {
    return {
      title: "You don't have access to this page",
      detail: "Ask an administrator of this Alva instance if you need it.",
    };
  }
  if (status === 404) {
    return { title: "We couldn't find that page", detail: "The address may be mistyped, or the page has moved." };
  }
  if (status === 503 && (data as { reason?: string } | undefined)?.reason === "database_unavailable") {
    return {
      title: "Alva can't reach its database right now",
      detail: "Nothing you did caused this. Please try again in a minute; what you submitted was not saved.",
    };
  }
  if (status >= 400 && status < 500) {
    return {
      title: "That request didn't work",
      detail: typeof data === "string" ? data : "Please check it and try again.",
    };
  }
  return {
    title: "Something went wrong on our side",
    detail: "We've logged it. Please try again; if it keeps happening, tell us the request id below.",
  };
}
