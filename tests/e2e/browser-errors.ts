// Every e2e spec imports `test` and `expect` from here instead of @playwright/test: the same API, plus a
// guard that fails a test when any browser context it opened logged a console error or threw an
// uncaught exception. That catches React's own errors (a render loop is "Minified React error #185",
// a hydration mismatch #418), errors caught by an error boundary (React Router logs them), and
// Content-Security-Policy violations, which a page can survive while still being broken.
//
// Chromium also logs every 4xx response as a console error ("Failed to load resource: the server
// responded with a status of 400"); the specs provoke those on purpose (refused forms, 404 pages,
// rate limits), so they are left out. A 5xx still counts.
import { type BrowserContext, test as base, type ConsoleMessage, type WebError } from "@playwright/test";

export { expect } from "@playwright/test";

const EXPECTED_HTTP_ERROR = /^Failed to load resource: the server responded with a status of 4\d\d\b/;

function describeConsole(message: ConsoleMessage): string | null {
  if (message.type() !== "error" || EXPECTED_HTTP_ERROR.test(message.text())) return null;
  return `console.error on ${message.page()?.url() ?? message.location().url}: ${message.text()}`;
}

function describeWebError(error: WebError): string {
  return `uncaught on ${error.page()?.url() ?? "?"}: ${error.error().stack ?? error.error().message}`;
}

export const test = base.extend<{ browserErrors: string[] }>({
  /** What the browser reported so far in this test; checked (must be empty) when the test ends. */
  browserErrors: [
    async ({ browser }, use) => {
      const errors: string[] = [];
      const watch = (context: BrowserContext) => {
        context.on("console", (message) => {
          const problem = describeConsole(message);
          if (problem) errors.push(problem);
        });
        context.on("weberror", (error) => errors.push(describeWebError(error)));
      };
      // Covers the `page`/`context` fixtures and every browser.newContext() a spec or helper opens.
      browser.on("context", watch);
      await use(errors);
      browser.off("context", watch);
      base.expect(errors, "errors logged in the browser during this test").toEqual([]);
    },
    { auto: true },
  ],
});
