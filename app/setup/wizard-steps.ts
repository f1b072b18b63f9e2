// What the wizard page and its server code share: the steps in order and the answers carried between
// them. No server-only code here: the page component imports it.

export const steps = ["welcome", "account", "organization", "finish"] as const;
export type Step = (typeof steps)[number];

/** Everything the wizard asks except the password: carried between steps in the form. */
export const answerNames = ["email", "username", "displayName", "organization"] as const;
export type Answers = Record<(typeof answerNames)[number], string>;
export type FieldName = keyof Answers | "password" | "confirmPassword" | "logo";
export type WizardErrors = Partial<Record<FieldName | "form", string>>;
