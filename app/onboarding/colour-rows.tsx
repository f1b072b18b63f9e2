// Brand colours as rows of a hex field and a colour picker, added and removed one at a time. Without
// JavaScript: the saved colours and one empty row, each a hex field (empty it to remove that colour).
// With it: a picker beside each field, kept in step with it, and "Add a colour" / "Remove" buttons.
import { useEffect, useState } from "react";
import { ErrorList } from "../ui/form-field.tsx";

interface Row {
  key: number;
  hex: string;
}

const isHex = (value: string) => /^#[0-9a-f]{6}$/i.test(value);

export function ColourRows({
  saved,
  max,
  errors,
}: {
  /** The rows as the form last held them (the stored answer, or what was typed before a refused post). */
  saved: string[];
  max: number;
  errors: Record<string, string[]>;
}) {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const [rows, setRows] = useState<Row[]>(() => {
    const filled = saved.slice(0, max).map((hex, key) => ({ key, hex }));
    // One empty row to add a colour in, when there is room (the only way without JavaScript).
    return filled.length < max ? [...filled, { key: filled.length, hex: "" }] : filled;
  });
  const [nextKey, setNextKey] = useState(rows.length);

  const update = (key: number, hex: string) =>
    setRows((current) => current.map((row) => (row.key === key ? { ...row, hex } : row)));

  return (
    <fieldset className="space-y-3">
      <legend className="text-sm font-medium">Brand colours (up to {max})</legend>
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        {hydrated
          ? "Pick a colour or type its hex code."
          : "Type each colour's hex code, like #1a2b3c; empty a field to remove that colour."}
      </p>
      <ErrorList id="colours-error" errors={errors.colours} />
      <ul className="space-y-2">
        {rows.map((row, index) => {
          const error = errors[`colours[${index}].hex`];
          const errorId = `colour-${index}-error`;
          return (
            <li key={row.key} className="space-y-1" data-testid="colour-row">
              <div className="flex flex-wrap items-center gap-2">
                {hydrated ? (
                  <input
                    type="color"
                    value={isHex(row.hex) ? row.hex.toLowerCase() : "#000000"}
                    onChange={(event) => update(row.key, event.currentTarget.value)}
                    aria-label={`Colour ${index + 1} picker`}
                    className="h-9 w-12 cursor-pointer rounded border border-zinc-300 bg-white dark:border-zinc-700 dark:bg-zinc-900"
                  />
                ) : isHex(row.hex) ? (
                  // An SVG fill, not a style attribute: the CSP allows no inline styles.
                  <svg width="36" height="36" aria-hidden="true" className="rounded border border-zinc-300">
                    <rect width="36" height="36" fill={row.hex} />
                  </svg>
                ) : null}
                <input
                  type="text"
                  name={`colours[${index}].hex`}
                  value={row.hex}
                  onChange={(event) => update(row.key, event.currentTarget.value)}
                  placeholder="#1a2b3c"
                  maxLength={7}
                  spellCheck={false}
                  autoComplete="off"
                  aria-label={`Colour ${index + 1}, hex code`}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? errorId : undefined}
                  className="w-32 rounded-md border border-zinc-300 bg-white px-3 py-2 font-mono text-sm aria-invalid:border-red-600 dark:border-zinc-700 dark:bg-zinc-900"
                />
                {hydrated ? (
                  <button
                    type="button"
                    onClick={() => setRows((current) => current.filter((candidate) => candidate.key !== row.key))}
                    className="rounded-md px-2 py-1 text-sm underline"
                    aria-label={`Remove colour ${index + 1}`}
                  >
                    Remove
                  </button>
                ) : null}
              </div>
              <ErrorList id={errorId} errors={error} />
            </li>
          );
        })}
      </ul>
      {hydrated && rows.length < max ? (
        <button
          type="button"
          onClick={() => {
            setRows((current) => [...current, { key: nextKey, hex: "" }]);
            setNextKey(nextKey + 1);
          }}
          className="rounded-md border border-zinc-300 px-3 py-1.5 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
        >
          Add a colour
        </button>
      ) : null}
    </fieldset>
  );
}
