// The inputs of each kind of onboarding field (sections.ts, FieldDef), as the card page renders them:
// labelled, with the server's error next to the field (aria-invalid / aria-describedby), starting
// from the stored answer or from what was typed before a refused post.
import { DropZone } from "../ui/drop-zone.tsx";
import { ErrorList } from "../ui/form-field.tsx";
import type { PublicCard } from "./cards.ts";
import { ColourRows } from "./colour-rows.tsx";
import type { FieldDef } from "./sections.ts";

const inputClass =
  "w-full rounded-md border border-zinc-300 bg-white px-3 py-2 aria-invalid:border-red-600 dark:border-zinc-700 dark:bg-zinc-900";

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

export function FieldInput({
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
    case "money": {
      // A money field's currency is the card's own select, just above; `per` says what the amount is per.
      const unit = field.kind === "number" ? field.unit : field.per;
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
              aria-describedby={[describedBy, unit ? `${id}-unit` : null].filter(Boolean).join(" ") || undefined}
              className={`${inputClass} max-w-40`}
            />
            {unit ? (
              <span id={`${id}-unit`} className="text-sm text-zinc-600 dark:text-zinc-400">
                {unit}
              </span>
            ) : null}
          </div>
          <ErrorList id={errorId} errors={errors[field.name]} />
        </div>
      );
    }
    case "currency":
      return (
        <div className="space-y-1">
          {label}
          <select
            id={id}
            name={field.name}
            defaultValue={asString(initial[field.name])}
            autoFocus={autoFocus}
            aria-invalid={invalid}
            aria-describedby={describedBy}
            className={`${inputClass} max-w-72`}
          >
            {initial[field.name] ? null : <option value="">Choose a currency</option>}
            {field.options.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
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
              <span className="font-normal text-zinc-600 dark:text-zinc-400"> (up to {field.max})</span>
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
              <figcaption className="text-xs text-zinc-600 dark:text-zinc-400">
                Your current logo. Choose a file to replace it.
              </figcaption>
            </figure>
          ) : null}
          {label}
          <DropZone
            id={id}
            name="logo"
            prompt={images[0] ? "Drop a new logo here, or choose a file" : "Drop your logo here, or choose a file"}
            accept="image/png,image/jpeg,image/webp,image/gif"
            autoFocus={autoFocus}
            aria-invalid={invalid}
            aria-describedby={describedBy}
          />
          <ErrorList id={errorId} errors={errors[field.name]} />
        </div>
      );
    case "brand-images": {
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
            <DropZone
              id={id}
              name="images"
              multiple
              prompt="Drop images here, or choose files"
              accept="image/png,image/jpeg,image/webp,image/gif"
              autoFocus={autoFocus}
              aria-invalid={invalid}
              aria-describedby={describedBy}
            />
            <ErrorList id={errorId} errors={errors[field.name]} />
          </div>
          <ColourRows
            saved={(Array.isArray(initial.colours) ? (initial.colours as Record<string, unknown>[]) : []).map((row) =>
              asString(row?.hex),
            )}
            max={field.colourSlots}
            errors={errors}
          />
          <p className="text-xs text-zinc-600 dark:text-zinc-400" data-card={card.id}>
            PNG, JPEG, WebP or GIF, up to 5 MB each.
          </p>
        </div>
      );
    }
  }
}
