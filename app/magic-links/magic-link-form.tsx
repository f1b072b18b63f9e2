// The "e-mail me a sign-in link" form. It lives on /login/link and, placed by the accounts code, on
// /login. It posts to /login/link, which answers with a redirect to the "check your inbox" page (or
// re-renders /login/link with the error), so it works without JavaScript wherever it is put.
import { getFormProps, type SubmissionResult, useForm } from "@conform-to/react";
import { Form, useNavigation } from "react-router";
import { Field, SubmitButton } from "../ui/form-field.tsx";

export interface MagicLinkFormProps {
  /** The refused post (what was typed and why), when the form comes back with an error. */
  result?: SubmissionResult<string[]>;
  /** A path on this site to land on after signing in (checked again on the server). */
  redirectTo?: string | null;
}

export function MagicLinkForm({ result, redirectTo }: MagicLinkFormProps) {
  const navigation = useNavigation();
  const pending = navigation.state === "submitting" && navigation.formAction === "/login/link";
  const [form, fields] = useForm<{ email: string }>({ id: "magic-link", lastResult: result });
  return (
    <Form method="post" action="/login/link" {...getFormProps(form)} className="space-y-4">
      <input type="hidden" name="intent" value="request" />
      {redirectTo ? <input type="hidden" name="redirectTo" value={redirectTo} /> : null}
      <Field id="magic-link-email" meta={fields.email} label="E-mail" type="email" autoComplete="email" required />
      <SubmitButton pending={pending} pendingLabel="Sending…">
        E-mail me a sign-in link
      </SubmitButton>
    </Form>
  );
}
