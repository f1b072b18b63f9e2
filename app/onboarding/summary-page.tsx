// GET /onboarding/summary — the client profile grouped by section, an "edit" link per card, how
// complete it is (required cards answered), the JSON download, and the way to a marketing plan.
import { Link } from "react-router";
import { requireUser } from "../accounts/auth.server.ts";
import { aiProvider } from "../ai/provider.server.ts";
import { imageUrl } from "../images/images.server.ts";
import { GenerateForm } from "../plans/plan-ui.tsx";
import { withDatabase } from "../platform/database.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { Chips, ColourChips } from "../ui/chips.tsx";
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

const secondaryButton =
  "rounded-md border border-zinc-300 px-4 py-2 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900";
const primaryButton = "rounded-md bg-brand-600 px-5 py-2 font-medium text-white hover:bg-brand-700";

type Item = Route.ComponentProps["loaderData"]["items"][number];

export default function SummaryPage({ loaderData }: Route.ComponentProps) {
  const { items, requiredAnswered, requiredTotal, providerConfigured, isAdmin } = loaderData;
  const complete = requiredAnswered === requiredTotal;
  const firstOpen = items.find((item) => item.status === "unanswered" || (item.required && item.status !== "answered"));
  const nothingYet = items.every((item) => item.status === "unanswered");
  return (
    <section className="max-w-5xl space-y-8" aria-labelledby="summary-title">
      <header className="max-w-3xl space-y-4">
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
        {nothingYet ? (
          <div className="space-y-3 rounded-xl border border-dashed border-zinc-300 p-5 dark:border-zinc-700">
            <p>
              Nothing here yet. Alva learns your business from {items.length} short cards, one question each; the{" "}
              {requiredTotal} required ones are enough for a first marketing plan.
            </p>
            <Link to={`/onboarding/${items[0]!.id}`} className={`inline-block ${primaryButton}`}>
              Start with the first card
            </Link>
          </div>
        ) : complete ? (
          // Posts to /plans: the same action as the plans page's Generate button (refusals are shown there).
          <GenerateForm providerConfigured={providerConfigured} isAdmin={isAdmin} label="Generate my marketing plan" />
        ) : (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Answer every required card to generate your marketing plan.
          </p>
        )}
        {nothingYet ? null : (
          <div className="flex flex-wrap items-center gap-3">
            {firstOpen ? (
              <Link to={`/onboarding/${firstOpen.id}`} className={complete ? secondaryButton : primaryButton}>
                Continue the questionnaire
              </Link>
            ) : null}
            <a href="/onboarding/profile.json" download className={secondaryButton}>
              Download JSON
            </a>
          </div>
        )}
      </header>

      {nothingYet ? null : (
        <div className="grid items-start gap-6 lg:grid-cols-2">
          {sections.map((section) => (
            <SectionCard key={section} section={section} items={items.filter((item) => item.section === section)} />
          ))}
        </div>
      )}
    </section>
  );
}

/** One section as a card: answered cards first, with their answers; the open ones as a short list below. */
function SectionCard({ section, items }: { section: string; items: Item[] }) {
  const answered = items.filter((item) => item.status === "answered");
  const open = items.filter((item) => item.status !== "answered");
  return (
    <section
      aria-labelledby={`section-${section}`}
      className="space-y-4 rounded-xl border border-zinc-200 p-5 dark:border-zinc-800"
    >
      <h2 id={`section-${section}`} className="text-lg font-semibold">
        {section}
      </h2>
      {answered.length > 0 ? (
        <ul className="space-y-4">
          {answered.map((item) => (
            <li key={item.id} className="space-y-1.5" data-testid={`summary-${item.id}`}>
              <div className="flex items-baseline justify-between gap-3">
                <p className="text-sm text-zinc-600 dark:text-zinc-400">{item.title}</p>
                <EditLink item={item} />
              </div>
              <Answer item={item} />
            </li>
          ))}
        </ul>
      ) : null}
      {open.length > 0 ? (
        <ul className="space-y-1.5 border-t border-zinc-200 pt-3 text-sm dark:border-zinc-800">
          {open.map((item) => (
            <li key={item.id} className="flex items-baseline justify-between gap-3" data-testid={`summary-${item.id}`}>
              <span className="min-w-0">
                {item.title}{" "}
                <span className="text-zinc-600 dark:text-zinc-400">
                  — {item.status === "skipped" ? "Skipped" : "Not answered yet"}
                  {item.required ? " (required)" : ""}
                </span>
              </span>
              <EditLink item={item} label={item.status === "skipped" ? "Answer" : "Add"} />
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function EditLink({ item, label = "Edit" }: { item: Item; label?: string }) {
  return (
    <Link
      to={`/onboarding/${item.id}?return=summary`}
      className="shrink-0 text-sm underline"
      aria-label={`Edit: ${item.title}`}
    >
      {label}
    </Link>
  );
}

/** An answer as it reads best: chips for multiple choices, swatches for colours, thumbnails for images. */
function Answer({ item }: { item: Item }) {
  return (
    <div className="space-y-2">
      {item.lines.map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: lines of a saved answer, never reordered.
        <div key={i} className="text-sm break-words whitespace-pre-line">
          {line.chips ? (
            <Chips items={line.chips} label={line.label} />
          ) : (
            <p>
              {item.lines.length > 1 || line.label === "Competitor" ? (
                <span className="text-zinc-600 dark:text-zinc-400">{line.label}: </span>
              ) : null}
              {line.text}
            </p>
          )}
        </div>
      ))}
      {item.images.length > 0 ? (
        <div className="flex flex-wrap gap-2">
          {item.images.map((src, i) => (
            <img
              key={src}
              src={src}
              alt={item.id === "logo" ? "Your logo" : `Brand visual ${i + 1}`}
              className="size-16 rounded-md border border-zinc-200 object-cover dark:border-zinc-800"
            />
          ))}
        </div>
      ) : null}
      {item.colours.length > 0 ? <ColourChips colours={item.colours} /> : null}
    </div>
  );
}
