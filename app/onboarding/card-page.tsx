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
import { ErrorList, FormError } from "../ui/form-field.tsx";
import type { Route } from "./+types/card-page";
import { cardCount, cards, findCard, type PublicCard, publicCard } from "./cards.ts";
import { loadWorkspaceAnswers } from "./onboarding.server.ts";
import { cardFormBytes, saveCard } from "./save-card.server.ts";
import { type FieldDef, sections } from "./sections.ts";

export const meta: Route.MetaFunction = ({ loaderData }) => [
  { title: loaderData ? `${loaderData.card.title} — Onboarding — Alva` : "Onboarding — Alva" },
];

export const headers: Route.HeadersFunction = () => ({ "Cache-Control": "no-store" });

function cardOr404(context: Route.LoaderArgs["context"], id: string | undefined) {
  const found = id ? findCard(id) : undefined;
  if (!found) httpError(context, 404, "There is no such onboarding card.");
  return found;
}

/** The form's starting values for a stored answer (most answers have the form's own shape). */
function formDefaults(cardId: string, value: unknown): Record<string, unknown> | undefined {
  if (!value || typeof value !== "object") return undefined;
  if (cardId === "brand-images") {
    const colours = (value as { colours?: unknown }).colours;
    return { colours: Array.isArray(colours) ? colours.map((colour) => ({ use: "on", colour })) : [] };
  }
  return value as Record<string, unknown>;
}

function storedImageIds(cardId: string, value: unknown): string[] {
  if (!value || typeof value !== "object") return [];
  if (cardId === "logo") {
    const id = (value as { imageId?: unknown }).imageId;
    return typeof id === "string" ? [id] : [];
  }
  if (cardId === "brand-images") {
    const ids = (value as { imageIds?: unknown }).imageIds;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
  }
  return [];
}

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const { card, index } = cardOr404(args.context, args.params.card);
  const { answers } = await withDatabase(args.context, (db) => loadWorkspaceAnswers(args.context, db, user.id));
  const answer = answers.get(card.id);
  const value = answer && !answer.skipped ? answer.value : null;
  const returnTo = new URL(args.request.url).searchParams.get("return") === "summary" ? "summary" : null;
  return {
    card: publicCard(card),
    position: index + 1,
    total: cardCount,
    previous: cards[index - 1]?.id ?? null,
    answeredCount: answers.size,
    answered: answer !== undefined,
    skipped: answer?.skipped ?? false,
    defaults: formDefaults(card.id, value),
    images: storedImageIds(card.id, value).map((id) => ({ id, url: imageUrl(id, "thumb") })),
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

// ── The page ────────────────────────────────────────────────────────────────────────────────────

const inputClass =
  "w-full rounded-md border border-zinc-300 bg-white px-3 py-2 aria-invalid:border-red-600 dark:border-zinc-700 dark:bg-zinc-900";

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
        <p className="text-xs text-zinc-500" data-testid="progress-text">
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
          <span className="align-middle text-sm font-normal text-zinc-500" data-testid="card-required">
            {card.required ? "(required)" : "(optional)"}
          </span>
        </h1>
        <p className="text-zinc-600 dark:text-zinc-400">{card.help}</p>
        {loaderData.skipped ? (
          <p className="text-sm text-zinc-500">You skipped this card. You can answer it now.</p>
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

function errorOf(errors: Record<string, string[]>, name: string): string | undefined {
  return errors[name]?.[0];
}

function asString(value: unknown): string {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === "string");
  return typeof value === "string" ? [value] : [];
}

function FieldInput({
  card,
  field,
  initial,
  errors,
  images,
  autoFocus,
}: {
  card: PublicCard;
  field: FieldDef;
  initial: Record<string, unknown>;
  errors: Record<string, string[]>;
  images: { id: string; url: string }[];
  autoFocus: boolean;
}) {
  const id = `field-${field.name}`;
  const error = errorOf(errors, field.name);
  const errorId = `${id}-error`;
  const invalid = error ? true : undefined;
  const describedBy = error ? errorId : undefined;
  const label = (
    <label htmlFor={id} className="block text-sm font-medium">
      {field.label}
    </label>
  );

  switch (field.kind) {
    case "text":
    case "url":
      return (
        <div className="space-y-1">
          {label}
          <input
            id={id}
            name={field.name}
            type={field.kind === "url" ? "url" : "text"}
            inputMode={field.kind === "url" ? "url" : undefined}
            defaultValue={asString(initial[field.name])}
            placeholder={field.placeholder}
            maxLength={field.kind === "text" ? field.maxLength : undefined}
            autoComplete={field.kind === "text" ? (field.autoComplete ?? "off") : "url"}
            autoFocus={autoFocus}
            aria-invalid={invalid}
            aria-describedby={describedBy}
            className={inputClass}
          />
          <ErrorList id={errorId} errors={errors[field.name]} />
        </div>
      );
    case "textarea":
      return (
        <div className="space-y-1">
          {label}
          <textarea
            id={id}
            name={field.name}
            rows={4}
            defaultValue={asString(initial[field.name])}
            placeholder={field.placeholder}
            maxLength={field.maxLength}
            autoFocus={autoFocus}
            aria-invalid={invalid}
            aria-describedby={describedBy}
            className={inputClass}
          />
          <ErrorList id={errorId} errors={errors[field.name]} />
        </div>
      );
    case "number":
      return (
        <div className="space-y-1">
          {label}
          <div className="flex items-center gap-2">
            <input
              id={id}
              name={field.name}
              type="number"
              inputMode="decimal"
              min={field.min}
              max={field.max}
              step={field.step ?? 1}
              defaultValue={asString(initial[field.name])}
              autoFocus={autoFocus}
              aria-invalid={invalid}
              aria-describedby={[describedBy, `${id}-unit`].filter(Boolean).join(" ")}
              className={`${inputClass} max-w-40`}
            />
            <span id={`${id}-unit`} className="text-sm text-zinc-600 dark:text-zinc-400">
              {field.unit}
            </span>
          </div>
          <ErrorList id={errorId} errors={errors[field.name]} />
        </div>
      );
    case "choice":
    case "multi": {
      const chosen = asList(initial[field.name]);
      return (
        <fieldset className="space-y-2" aria-invalid={invalid} aria-describedby={describedBy}>
          <legend className="text-sm font-medium">
            {field.label}
            {field.kind === "multi" && field.max ? (
              <span className="font-normal text-zinc-500"> (up to {field.max})</span>
            ) : null}
          </legend>
          <div className={field.kind === "multi" ? "grid gap-2 sm:grid-cols-2" : "space-y-2"}>
            {field.options.map((option, i) => (
              <label
                key={option.value}
                className="flex items-center gap-2 rounded-md border border-zinc-200 px-3 py-2 has-checked:border-brand-600 dark:border-zinc-800"
              >
                <input
                  type={field.kind === "choice" ? "radio" : "checkbox"}
                  name={field.name}
                  value={option.value}
                  defaultChecked={chosen.includes(option.value)}
                  autoFocus={autoFocus && i === 0}
                />
                {option.label}
              </label>
            ))}
          </div>
          <ErrorList id={errorId} errors={errors[field.name]} />
        </fieldset>
      );
    }
    case "competitors": {
      const rows = Array.isArray(initial.competitors) ? (initial.competitors as Record<string, unknown>[]) : [];
      return (
        <fieldset className="space-y-3">
          <legend className="text-sm font-medium">{field.label}</legend>
          <ErrorList id={errorId} errors={errors[field.name]} />
          {Array.from({ length: field.rows }, (_, i) => {
            const row = rows[i] ?? {};
            const nameError = errorOf(errors, `competitors[${i}].name`);
            const urlError = errorOf(errors, `competitors[${i}].url`);
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: fixed slots (competitor 1, 2, 3), not a reorderable list.
              <div key={i} className="grid gap-2 sm:grid-cols-2">
                <div className="space-y-1">
                  <label htmlFor={`competitor-${i}-name`} className="block text-xs text-zinc-600 dark:text-zinc-400">
                    Competitor {i + 1} name
                  </label>
                  <input
                    id={`competitor-${i}-name`}
                    name={`competitors[${i}].name`}
                    defaultValue={asString(row.name)}
                    maxLength={120}
                    autoFocus={autoFocus && i === 0}
                    aria-invalid={nameError ? true : undefined}
                    className={inputClass}
                  />
                  <ErrorList id={`competitor-${i}-name-error`} errors={errors[`competitors[${i}].name`]} />
                </div>
                <div className="space-y-1">
                  <label htmlFor={`competitor-${i}-url`} className="block text-xs text-zinc-600 dark:text-zinc-400">
                    Competitor {i + 1} website
                  </label>
                  <input
                    id={`competitor-${i}-url`}
                    name={`competitors[${i}].url`}
                    type="url"
                    defaultValue={asString(row.url)}
                    placeholder="https://"
                    aria-invalid={urlError ? true : undefined}
                    className={inputClass}
                  />
                  <ErrorList id={`competitor-${i}-url-error`} errors={errors[`competitors[${i}].url`]} />
                </div>
              </div>
            );
          })}
        </fieldset>
      );
    }
    case "logo":
      return (
        <div className="space-y-3">
          {images[0] ? (
            <figure className="space-y-1">
              <img
                src={images[0].url}
                alt="Your current logo"
                data-testid="current-logo"
                className="h-24 w-24 rounded-md border border-zinc-200 object-contain dark:border-zinc-800"
              />
              <figcaption className="text-xs text-zinc-500">Your current logo. Choose a file to replace it.</figcaption>
            </figure>
          ) : null}
          {label}
          <input
            id={id}
            name="logo"
            type="file"
            accept="image/png,image/jpeg,image/webp,image/gif"
            autoFocus={autoFocus}
            aria-invalid={invalid}
            aria-describedby={describedBy}
            className="block text-sm"
          />
          <ErrorList id={errorId} errors={errors[field.name]} />
        </div>
      );
    case "brand-images": {
      const slots = Array.isArray(initial.colours) ? (initial.colours as Record<string, unknown>[]) : [];
      return (
        <div className="space-y-5">
          {images.length > 0 ? (
            <fieldset className="space-y-2">
              <legend className="text-sm font-medium">Your brand images (untick to remove)</legend>
              <ul className="flex flex-wrap gap-3">
                {images.map((image, i) => (
                  <li key={image.id}>
                    <label className="flex flex-col items-center gap-1 text-xs">
                      <img
                        src={image.url}
                        alt={`Brand visual ${i + 1}`}
                        className="h-20 w-20 rounded-md border border-zinc-200 object-cover dark:border-zinc-800"
                      />
                      <span>
                        <input type="checkbox" name="keepImage" value={image.id} defaultChecked /> Keep
                      </span>
                    </label>
                  </li>
                ))}
              </ul>
            </fieldset>
          ) : null}
          <div className="space-y-1">
            <label htmlFor={id} className="block text-sm font-medium">
              Add images (up to {field.maxImages} in all)
            </label>
            <input
              id={id}
              name="images"
              type="file"
              multiple
              accept="image/png,image/jpeg,image/webp,image/gif"
              autoFocus={autoFocus}
              aria-invalid={invalid}
              aria-describedby={describedBy}
              className="block text-sm"
            />
            <ErrorList id={errorId} errors={errors[field.name]} />
          </div>
          <fieldset className="space-y-2">
            <legend className="text-sm font-medium">Brand colours (tick the ones you use)</legend>
            <ErrorList id="colours-error" errors={errors.colours} />
            <div className="flex flex-wrap gap-4">
              {Array.from({ length: field.colourSlots }, (_, i) => {
                const slot = slots[i] ?? {};
                const colour = /^#[0-9a-f]{6}$/i.test(asString(slot.colour)) ? asString(slot.colour) : "#2563eb";
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: fixed colour slots, not a reorderable list.
                  <div key={i} className="flex items-center gap-2">
                    <input
                      type="checkbox"
                      id={`colour-${i}-use`}
                      name={`colours[${i}].use`}
                      value="on"
                      defaultChecked={slot.use === "on"}
                      aria-label={`Use colour ${i + 1}`}
                    />
                    <input
                      type="color"
                      id={`colour-${i}`}
                      name={`colours[${i}].colour`}
                      defaultValue={colour}
                      aria-label={`Colour ${i + 1}`}
                      className="h-9 w-12 rounded border border-zinc-300 dark:border-zinc-700"
                    />
                  </div>
                );
              })}
            </div>
          </fieldset>
          <p className="text-xs text-zinc-500" data-card={card.id}>
            PNG, JPEG, WebP or GIF, up to 5 MB each.
          </p>
        </div>
      );
    }
  }
}
