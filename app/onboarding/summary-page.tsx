// GET /onboarding/summary — the client profile grouped by section, an "edit" link per card, how
// complete it is (required cards answered), the JSON download, and the way to a marketing plan.
import { Link } from "react-router";
import { requireUser } from "../accounts/auth.server.ts";
import { aiProvider } from "../ai/provider.server.ts";
import { imageUrl } from "../images/images.server.ts";
import { GenerateForm } from "../plans/plan-ui.tsx";
import { withDatabase } from "../platform/database.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import type { Route } from "./+types/summary-page";
import { cards } from "./cards.ts";
import { describeAnswer } from "./describe-answer.ts";
import { loadUserWorkspaceAndAnswers } from "./onboarding.server.ts";
import { buildProfile } from "./profile.ts";
import { sections } from "./sections.ts";

export const meta: Route.MetaFunction = () => [{ title: "Your business profile — Onboarding — Alva" }];
export const headers: Route.HeadersFunction = () => ({ "Cache-Control": "no-store" });

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const { answers } = await withDatabase(args.context, (db) => loadUserWorkspaceAndAnswers(args.context, db, user.id));
  // Computed from the answers rather than read from client_profiles: the same function writes that
  // document, and this page must never show a stale count.
  const { completeness } = buildProfile(answers.values(), new Date());
  const items = cards.map((card, index) => {
    const answer = answers.get(card.id);
    const status = !answer ? "unanswered" : answer.skipped ? "skipped" : "answered";
    const described =
      status === "answered" ? describeAnswer(card, answer!.value) : { lines: [], imageIds: [], colours: [] };
    return {
      id: card.id,
      position: index + 1,
      section: card.section,
      title: card.title,
      required: card.required,
      status,
      lines: described.lines,
      images: described.imageIds.map((id) => imageUrl(id, "thumb")),
      colours: described.colours,
    } as const;
  });
  return {
    items,
    requiredAnswered: completeness.requiredAnswered,
    requiredTotal: completeness.requiredTotal,
    providerConfigured: aiProvider(args.context.get(requestInfo).env).kind !== "none",
    isAdmin: user.role === "admin",
  };
}

export default function SummaryPage({ loaderData }: Route.ComponentProps) {
  const { items, requiredAnswered, requiredTotal, providerConfigured, isAdmin } = loaderData;
  const complete = requiredAnswered === requiredTotal;
  const firstOpen = items.find((item) => item.status === "unanswered" || (item.required && item.status !== "answered"));
  return (
    <section className="max-w-3xl space-y-8" aria-labelledby="summary-title">
      <header className="space-y-4">
        <h1 id="summary-title" className="text-2xl font-semibold tracking-tight">
          Your business profile
        </h1>
        <div className="space-y-1">
          <label htmlFor="completeness" className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="completeness">
            {requiredAnswered} of {requiredTotal} required cards answered
          </label>
          <meter id="completeness" min={0} max={requiredTotal} value={requiredAnswered} className="block h-3 w-full">
            {Math.round((requiredAnswered / requiredTotal) * 100)}%
          </meter>
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <a
            href="/onboarding/profile.json"
            download
            className="rounded-md border border-zinc-300 px-4 py-2 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
          >
            Download JSON
          </a>
          {firstOpen ? (
            <Link
              to={`/onboarding/${firstOpen.id}`}
              className="rounded-md border border-zinc-300 px-4 py-2 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
            >
              Continue the questionnaire
            </Link>
          ) : null}
        </div>
        {complete ? (
          // Posts to /plans: the same action as the plans page's Generate button (refusals are shown there).
          <GenerateForm providerConfigured={providerConfigured} isAdmin={isAdmin} label="Generate my marketing plan" />
        ) : (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Answer every required card to generate your marketing plan.
          </p>
        )}
      </header>

      {sections.map((section) => (
        <section key={section} aria-labelledby={`section-${section}`} className="space-y-3">
          <h2 id={`section-${section}`} className="text-lg font-semibold">
            {section}
          </h2>
          <ul className="divide-y divide-zinc-200 rounded-xl border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
            {items
              .filter((item) => item.section === section)
              .map((item) => (
                <li key={item.id} className="flex gap-4 p-4" data-testid={`summary-${item.id}`}>
                  <div className="min-w-0 flex-1 space-y-1">
                    <p className="font-medium">
                      {item.title}{" "}
                      {item.required ? (
                        <span className="text-xs font-normal text-zinc-600 dark:text-zinc-400">(required)</span>
                      ) : null}
                    </p>
                    {item.status === "answered" ? (
                      <>
                        {item.lines.map((line, i) => (
                          <p
                            // biome-ignore lint/suspicious/noArrayIndexKey: lines of a saved answer, never reordered.
                            key={i}
                            className="text-sm break-words whitespace-pre-line text-zinc-700 dark:text-zinc-300"
                          >
                            {item.lines.length > 1 || line.label === "Competitor" ? (
                              <span className="text-zinc-600 dark:text-zinc-400">{line.label}: </span>
                            ) : null}
                            {line.text}
                          </p>
                        ))}
                        {item.images.length > 0 ? (
                          <div className="flex flex-wrap gap-2">
                            {item.images.map((src, i) => (
                              <img
                                key={src}
                                src={src}
                                alt={item.id === "logo" ? "Your logo" : `Brand visual ${i + 1}`}
                                className="h-16 w-16 rounded border border-zinc-200 object-cover dark:border-zinc-800"
                              />
                            ))}
                          </div>
                        ) : null}
                        {item.colours.length > 0 ? (
                          <ul className="flex gap-2" aria-label="Brand colours">
                            {item.colours.map((colour) => (
                              <li key={colour} className="flex items-center gap-1 text-xs">
                                {/* An SVG fill, not a style attribute: the CSP allows no inline styles. */}
                                <svg
                                  width="16"
                                  height="16"
                                  aria-hidden="true"
                                  className="rounded border border-zinc-300"
                                >
                                  <rect width="16" height="16" fill={colour} />
                                </svg>
                                {colour}
                              </li>
                            ))}
                          </ul>
                        ) : null}
                      </>
                    ) : (
                      <p className="text-sm text-zinc-600 dark:text-zinc-400">
                        {item.status === "skipped" ? "Skipped" : "Not answered yet"}
                      </p>
                    )}
                  </div>
                  <Link
                    to={`/onboarding/${item.id}?return=summary`}
                    className="self-start text-sm underline"
                    aria-label={`Edit: ${item.title}`}
                  >
                    Edit
                  </Link>
                </li>
              ))}
          </ul>
        </section>
      ))}
    </section>
  );
}
