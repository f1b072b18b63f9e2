// GET/POST /onboarding/:card — one onboarding card per page (inside the signed-in shell).
// A plain form post without JavaScript (post → save → redirect to the next card); with JavaScript the
// same <Form> moves between cards without a full reload and the progress bar moves as soon as the
// answer is sent. The server validates (zod through conform) and is the only authority: a bad answer
// comes back with its field error and everything typed kept.
import { getFormProps, type SubmissionResult, useForm } from "@conform-to/react";
import { useEffect, useRef, useState } from "react";
import { data, Form, Link, redirect, useNavigation } from "react-router";
import { requireUser } from "../accounts/auth.server.ts";
import { imageUrl } from "../images/images.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { logRefusedForm, readFormBody } from "../platform/forms.server.ts";
import { httpError } from "../platform/http-error.ts";
import { FormError } from "../ui/form-field.tsx";
import type { Route } from "./+types/card-page";
import { FieldInput } from "./card-fields.tsx";
import { answeredCurrency, cardCount, cards, findCard, isRecord, moneyCardIds, publicCard } from "./cards.ts";
import { currencyFromLocale } from "./currencies.ts";
import { loadUserWorkspaceAndAnswers } from "./onboarding.server.ts";
import { cardFormBytes, saveCard } from "./save-card.server.ts";
import { sections } from "./sections.ts";

export const meta: Route.MetaFunction = ({ loaderData }) => [
  { title: loaderData ? `${loaderData.card.title} — Onboarding — Alva` : "Onboarding — Alva" },
];

export const headers: Route.HeadersFunction = () => ({ "Cache-Control": "no-store" });

function cardOr404(context: Route.LoaderArgs["context"], id: string | undefined) {
  const found = id ? findCard(id) : undefined;
  if (!found) httpError(context, 404, "There is no such onboarding card.");
  return found;
}

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const { card, index } = cardOr404(args.context, args.params.card);
  const { answers } = await withDatabase(args.context, (db) => loadUserWorkspaceAndAnswers(args.context, db, user.id));
  const answer = answers.get(card.id);
  const value = answer && !answer.skipped && isRecord(answer.value) ? answer.value : null;
  const returnTo = new URL(args.request.url).searchParams.get("return") === "summary" ? "summary" : null;
  return {
    card: publicCard(card),
    position: index + 1,
    total: cardCount,
    previous: cards[index - 1]?.id ?? null,
    answeredCount: answers.size,
    answered: answer !== undefined,
    skipped: answer?.skipped ?? false,
    defaults: value
      ? (card.formDefaults?.(value) ?? value)
      : moneyCardIds.includes(card.id)
        ? { currency: answeredCurrency(answers) ?? currencyFromLocale(args.request.headers.get("Accept-Language")) }
        : undefined,
    images: (value ? (card.storedImageIds?.(value) ?? []) : []).map((id) => ({ id, url: imageUrl(id, "thumb") })),
    returnTo,
  };
}

export async function action(args: Route.ActionArgs) {
  const { user } = requireUser(args);
  const { card, index } = cardOr404(args.context, args.params.card);
  const read = await readFormBody(args.request, { maxBytes: cardFormBytes(card) });
  if (!read.ok) logRefusedForm(args.context, read);
  const outcome = await withDatabase(args.context, (db) => saveCard(args.context, db, { read, user, card }));
  if (!outcome.ok) {
    return data(
      { result: outcome.result as SubmissionResult<string[]>, formError: outcome.formError ?? null },
      { status: outcome.status },
    );
  }
  const next = cards[index + 1]?.id;
  const destination = outcome.returnTo === "summary" || !next ? "/onboarding/summary" : `/onboarding/${next}`;
  return redirect(destination);
}

// ── The page (the inputs of each field kind are in card-fields.tsx) ──────────────────────────

export default function CardPage({ loaderData, actionData }: Route.ComponentProps) {
  const { card, position, total } = loaderData;
  const navigation = useNavigation();
  const path = `/onboarding/${card.id}`;
  const sending = navigation.state === "submitting" && navigation.formAction?.split("?")[0] === path;
  // Optimistic progress: the answer being sent already counts (unless this card was answered before).
  const intent = sending ? navigation.formData?.get("intent") : null;
  const answeredCount = loaderData.answeredCount + (sending && !loaderData.answered && intent !== null ? 1 : 0);
  const sectionIndex = sections.indexOf(card.section);

  return (
    <section className="max-w-2xl space-y-6" aria-labelledby="card-title">
      <header className="space-y-3">
        <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm text-zinc-600 dark:text-zinc-400">
          <p>
            <span data-testid="card-position">
              Card {position} of {total}
            </span>
            {" · "}
            <span data-testid="card-section">{card.section}</span>
            <span className="sr-only">
              {" "}
              (section {sectionIndex + 1} of {sections.length})
            </span>
          </p>
          <Link to="/onboarding/summary" className="underline">
            Summary
          </Link>
        </div>
        {/* A native <progress>: no inline style (the CSP allows none), and it needs no JavaScript. */}
        <progress
          aria-label="Questionnaire progress"
          aria-valuetext={`${answeredCount} of ${total} cards done`}
          max={total}
          value={answeredCount}
          data-testid="progress"
          className="block h-2 w-full appearance-none overflow-hidden rounded-full bg-zinc-200 accent-brand-600 dark:bg-zinc-800 [&::-moz-progress-bar]:bg-brand-600 [&::-webkit-progress-bar]:bg-zinc-200 dark:[&::-webkit-progress-bar]:bg-zinc-800 [&::-webkit-progress-value]:bg-brand-600"
        />
        <p className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="progress-text">
          {answeredCount} of {total} cards done
        </p>
      </header>

      <CardForm key={card.id} loaderData={loaderData} actionData={actionData} sending={sending} />
    </section>
  );
}

interface ActionData {
  result: SubmissionResult<string[]>;
  formError: string | null;
}

function CardForm({
  loaderData,
  actionData,
  sending,
}: {
  loaderData: Route.ComponentProps["loaderData"];
  actionData: ActionData | undefined;
  sending: boolean;
}) {
  const { card, previous } = loaderData;
  const [form] = useForm({
    id: `card-${card.id}`,
    lastResult: actionData?.result,
    defaultValue: loaderData.defaults,
  });
  const initial = (form.initialValue ?? {}) as Record<string, unknown>;
  const errors = form.allErrors;
  const hasFile = card.fields.some((field) => field.kind === "logo" || field.kind === "brand-images");
  const formError = actionData?.formError ?? errors[""]?.[0] ?? null;
  // After the server refuses an answer, put the keyboard on the first field it complained about.
  const formRef = useRef<HTMLFormElement>(null);
  // Set once React has taken over the form (tests wait for it before expecting client-side moves).
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  useEffect(() => {
    if (!actionData) return;
    const invalid = formRef.current?.querySelector<HTMLElement>(
      '[aria-invalid="true"] input, input[aria-invalid="true"], textarea[aria-invalid="true"]',
    );
    invalid?.focus();
  }, [actionData]);

  return (
    <Form
      method="post"
      action={`/onboarding/${card.id}`}
      encType={hasFile ? "multipart/form-data" : undefined}
      {...getFormProps(form)}
      ref={formRef}
      data-hydrated={hydrated ? "" : undefined}
      className="space-y-6"
    >
      <div className="space-y-2">
        <h1 id="card-title" className="text-2xl font-semibold tracking-tight">
          {card.title}{" "}
          <span
            className="align-middle text-sm font-normal text-zinc-600 dark:text-zinc-400"
            data-testid="card-required"
          >
            {card.required ? "(required)" : "(optional)"}
          </span>
        </h1>
        <p className="text-zinc-600 dark:text-zinc-400">{card.help}</p>
        {loaderData.skipped ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">You skipped this card. You can answer it now.</p>
        ) : null}
      </div>

      <FormError errors={formError} />

      <div className="space-y-5">
        {card.fields.map((field, i) => (
          <FieldInput
            key={field.name}
            card={card}
            field={field}
            initial={initial}
            errors={errors}
            images={loaderData.images}
            autoFocus={i === 0}
          />
        ))}
      </div>

      {loaderData.returnTo ? <input type="hidden" name="return" value="summary" /> : null}

      {/* "Next" comes first in the markup so Enter in a field submits it, not "Skip". */}
      <div className="flex flex-row-reverse flex-wrap items-center justify-between gap-3">
        <div className="flex flex-row-reverse gap-3">
          <button
            type="submit"
            name="intent"
            value="save"
            disabled={sending}
            className="rounded-md bg-brand-600 px-5 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60"
          >
            {sending ? "Saving…" : loaderData.position === loaderData.total || loaderData.returnTo ? "Save" : "Next"}
          </button>
          {card.required ? null : (
            <button
              type="submit"
              name="intent"
              value="skip"
              formNoValidate
              disabled={sending}
              className="rounded-md border border-zinc-300 px-4 py-2 hover:bg-zinc-50 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-900"
            >
              Skip
            </button>
          )}
        </div>
        {previous ? (
          <Link to={`/onboarding/${previous}`} className="rounded-md px-2 py-2 underline" rel="prev">
            Back
          </Link>
        ) : (
          <span />
        )}
      </div>
    </Form>
  );
}
