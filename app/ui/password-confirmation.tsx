// The card that asks for the password before a sensitive change goes through (app/settings/reauth.server.ts
// decides when). The action answered the first post with its refusal and what was posted; this card
// posts the same fields again with the password, so it works without JavaScript. Errors come as the
// action's message or as conform's errors (form.errors, a field's errors), like FormError takes them.
import { Form } from "react-router";
import { MAX_PASSWORD_INPUT_LENGTH } from "../accounts/password-limits.ts";

export interface PasswordConfirmationProps {
  /** The heading: what the password is for, e.g. "Confirm it's you to end the session on Firefox". */
  title: string;
  /** The refused post's fields (intent, ids, choices), sent again unchanged; undefined ones are left out. */
  fields: Record<string, string | undefined>;
  /** Why the password is needed, or why the one typed was refused. */
  errors: readonly string[] | string | null | undefined;
  pending: boolean;
  /** Where "Cancel" leads: back to the page without the card. */
  cancelTo: string;
}

export function PasswordConfirmation({ title, fields, errors, pending, cancelTo }: PasswordConfirmationProps) {
  const messages = typeof errors === "string" ? [errors] : (errors ?? []);
  return (
    <Form
      method="post"
      className="max-w-xl space-y-3 rounded-xl border border-amber-300 p-5 dark:border-amber-800"
      aria-labelledby="confirm-title"
    >
      <h2 id="confirm-title" className="font-medium">
        {title}
      </h2>
      {Object.entries(fields).map(([name, value]) =>
        value === undefined ? null : <input key={name} type="hidden" name={name} value={value} />,
      )}
      <div>
        <label htmlFor="confirm-password" className="block text-sm font-medium">
          Your password
        </label>
        <input
          id="confirm-password"
          type="password"
          autoComplete="current-password"
          required
          maxLength={MAX_PASSWORD_INPUT_LENGTH}
          aria-invalid="true"
          aria-describedby="confirm-error"
          className="mt-1 w-full max-w-sm rounded-md border border-zinc-300 bg-white px-3 py-2 aria-invalid:border-red-600 dark:border-zinc-700 dark:bg-zinc-900"
          name="password"
        />
        <div id="confirm-error" role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400">
          {messages.map((message) => (
            <p key={message}>{message}</p>
          ))}
        </div>
      </div>
      <div className="flex flex-wrap gap-2">
        <button
          type="submit"
          disabled={pending}
          className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60"
        >
          {pending ? "Checking…" : "Confirm"}
        </button>
        <a
          href={cancelTo}
          className="rounded-md border border-zinc-300 px-3 py-2 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
        >
          Cancel
        </a>
      </div>
    </Form>
  );
}
