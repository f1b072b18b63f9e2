// GET /dev/outbox: the mail the development transport stored instead of sending, newest first, with
// its links clickable. Exists only in development and tests; anywhere else it is the ordinary 404
// (it shows every code and reset link, so it must never be reachable in production).
import { desc } from "drizzle-orm";
import { devOutbox } from "../../db/schema.ts";
import { isDevelopmentLike } from "../mail/mail.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { httpError, NOT_FOUND_MESSAGE } from "../platform/http-error.ts";
import { requestInfo } from "../platform/request-info.ts";
import type { Route } from "./+types/dev-outbox-page";
import { pageHeaders } from "./headers.ts";

export const meta: Route.MetaFunction = () => [
  { title: "Outbox (development) — Alva" },
  { name: "robots", content: "noindex" },
];
export const headers: Route.HeadersFunction = pageHeaders;

const SHOWN = 100;

export async function loader({ context }: Route.LoaderArgs) {
  const { env } = context.get(requestInfo);
  if (!isDevelopmentLike(env)) httpError(context, 404, NOT_FOUND_MESSAGE);
  const messages = await withDatabase(context, (db) =>
    db
      .select({
        id: devOutbox.id,
        to: devOutbox.to,
        subject: devOutbox.subject,
        text: devOutbox.text,
        createdAt: devOutbox.createdAt,
      })
      .from(devOutbox)
      .orderBy(desc(devOutbox.createdAt), desc(devOutbox.id))
      .limit(SHOWN),
  );
  return { messages: messages.map((message) => ({ ...message, createdAt: message.createdAt.toISOString() })) };
}

// Nothing is posted here; outside development the answer is the same 404 as for a GET.
export function action({ context }: Route.ActionArgs) {
  const { env } = context.get(requestInfo);
  if (!isDevelopmentLike(env)) httpError(context, 404, NOT_FOUND_MESSAGE);
  httpError(context, 405, "The outbox is only for reading.");
}

/** Text with every http(s) URL turned into a link; React escapes the rest. */
function Linkified({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/[^\s<>"]+)/g);
  return (
    <>
      {parts.map((part, index) =>
        index % 2 === 1 ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed text never move.
          <a key={index} href={part} className="break-all text-brand-600 underline dark:text-brand-400">
            {part}
          </a>
        ) : (
          part
        ),
      )}
    </>
  );
}

export default function DevOutboxPage({ loaderData }: Route.ComponentProps) {
  const { messages } = loaderData;
  return (
    <section className="space-y-6" aria-labelledby="outbox-title">
      <header>
        <h1 id="outbox-title" className="text-2xl font-semibold tracking-tight">
          Outbox <span className="text-base font-normal text-zinc-600 dark:text-zinc-400">(development)</span>
        </h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Mail is not sent while RESEND_API_KEY is empty; it lands here instead. Newest first
          {messages.length === SHOWN ? `, the last ${SHOWN}` : ""}.
        </p>
      </header>
      {messages.length === 0 ? (
        <p data-testid="outbox-empty">No mail yet.</p>
      ) : (
        <ol className="space-y-4">
          {messages.map((message) => (
            <li
              key={message.id}
              data-testid="outbox-message"
              className="rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
            >
              <dl className="grid grid-cols-[5rem_1fr] gap-x-3 gap-y-1 text-sm">
                <dt className="text-zinc-600 dark:text-zinc-400">To</dt>
                <dd className="break-all">{message.to}</dd>
                <dt className="text-zinc-600 dark:text-zinc-400">Subject</dt>
                <dd className="font-medium">{message.subject}</dd>
                <dt className="text-zinc-600 dark:text-zinc-400">Sent</dt>
                <dd>
                  <time dateTime={message.createdAt}>{message.createdAt.replace("T", " ").slice(0, 19)} UTC</time>
                </dd>
              </dl>
              <pre className="mt-3 whitespace-pre-wrap font-sans text-sm">
                <Linkified text={message.text} />
              </pre>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
