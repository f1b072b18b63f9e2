// The "e-mail me a sign-in link" form. It lives on /login/link and, placed by the accounts code, on
// /login. It posts to /login/link, which answers with a redirect to the "check your inbox" page (or
// re-renders /login/link with the error), so it works without JavaScript wherever it is put.
import { Form, useNavigation } from "react-router";
import { Field, SubmitButton } from "../ui/form-field.tsx";

export interface MagicLinkFormProps {
  /** What was typed, when the form comes back with an error. */
  defaultEmail?: string;
  error?: string;
  /** A path on this site to land on after signing in (checked again on the server). */
  redirectTo?: string | null;
}

export function MagicLinkForm({ defaultEmail, error, redirectTo }: MagicLinkFormProps) {
  const navigation = useNavigation();
  const pending = navigation.state === "submitting" && navigation.formAction === "/login/link";
  return (
    <Form method="post" action="/login/link" className="space-y-4" noValidate>
      <input type="hidden" name="intent" value="request" />
      {redirectTo ? <input type="hidden" name="redirectTo" value={redirectTo} /> : null}
      <Field
        id="magic-link-email"
        name="email"
        label="E-mail"
        type="email"
        autoComplete="email"
        defaultValue={defaultEmail}
        error={error}
        required
      />
      <SubmitButton pending={pending} pendingLabel="Sending…">
        E-mail me a sign-in link
      </SubmitButton>
    </Form>
  );
}
