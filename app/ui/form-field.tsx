// The form controls every page uses, wired to conform: a field reads its name, what was typed and its
// errors from conform's field metadata (`useForm` with the action's `submission.reply()` as
// `lastResult`), so a refused post comes back with its errors and what was typed, with or without
// JavaScript. Errors are linked to their control for screen readers (aria-invalid, aria-describedby).
// `lastResult` must be an object the server returned (actionData's result, as is), never one built
// while rendering: conform re-applies lastResult each time its identity changes, which renders again,
// so a fresh object per render is an endless loop (React error #185; the setup wizard had it).
import type { FieldMetadata } from "@conform-to/react";
import type { InputHTMLAttributes } from "react";

/** Any conform field (an input holds one string, or a file that is never filled back in). */
// biome-ignore lint/suspicious/noExplicitAny: conform's metadata is generic over the whole form's shape.
export type FieldMeta = FieldMetadata<unknown, any, string[]>;

export interface FieldProps
  extends Omit<InputHTMLAttributes<HTMLInputElement>, "name" | "id" | "defaultValue" | "value" | "type"> {
  meta: FieldMeta;
  label: string;
  hint?: string;
  type?: "text" | "email" | "password" | "url" | "search" | "number" | "file";
  /** Only when a page shows two fields of the same name (e.g. two forms). */
  id?: string;
}

const inputClass =
  "w-full rounded-md border border-zinc-300 bg-white px-3 py-2 aria-invalid:border-red-600 dark:border-zinc-700 dark:bg-zinc-900";

/** A labelled input with its hint and errors. Passwords and files are never filled back in. */
export function Field({ meta, label, hint, type = "text", id = `field-${meta.name}`, ...input }: FieldProps) {
  const invalid = (meta.errors?.length ?? 0) > 0;
  const describedBy = [invalid ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ");
  const keepsValue = type !== "password" && type !== "file";
  const typed = typeof meta.initialValue === "string" ? meta.initialValue : undefined;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <input
        key={meta.key}
        id={id}
        name={meta.name}
        type={type}
        defaultValue={keepsValue ? typed : undefined}
        aria-invalid={invalid ? true : undefined}
        aria-describedby={describedBy || undefined}
        className={inputClass}
        {...input}
      />
      {hint ? (
        <p id={`${id}-hint`} className="text-xs text-zinc-600 dark:text-zinc-400">
          {hint}
        </p>
      ) : null}
      <ErrorList id={`${id}-error`} errors={meta.errors} />
    </div>
  );
}

/** The code from an e-mail: digits, typed or pasted (spaces and dashes are allowed and ignored). */
export function CodeInput({ meta, label = "Code from the e-mail" }: { meta: FieldMeta; label?: string }) {
  return <Field meta={meta} label={label} inputMode="numeric" autoComplete="one-time-code" maxLength={12} required />;
}

/** A field's errors, under it. */
export function ErrorList({ id, errors }: { id: string; errors: readonly string[] | undefined }) {
  if (!errors?.length) return null;
  return (
    <div id={id} className="text-sm text-red-700 dark:text-red-400">
      {errors.map((error) => (
        <p key={error}>{error}</p>
      ))}
    </div>
  );
}

/** Errors about the whole form (conform's `form.errors`, or a message the action returned). */
export function FormError({ errors }: { errors: readonly string[] | string | null | undefined }) {
  const messages = typeof errors === "string" ? [errors] : (errors ?? []);
  if (messages.length === 0) return null;
  return (
    <div
      role="alert"
      className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
    >
      {messages.map((message) => (
        <p key={message}>{message}</p>
      ))}
    </div>
  );
}

export function SubmitButton({
  pending,
  children,
  pendingLabel,
}: {
  pending: boolean;
  children: string;
  pendingLabel: string;
}) {
  return (
    <button
      type="submit"
      disabled={pending}
      className="w-full rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60"
    >
      {pending ? pendingLabel : children}
    </button>
  );
}
