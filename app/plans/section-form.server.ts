// Editing a plan section by hand: a form generated from the section's zod schema, and the schema that
// reads that form back (through conform). One walk over the schema gives both, so a change to
// plan-schema.ts changes the form with it:
//   strings          → a text input, or a textarea when they may be long (paragraphs)
//   string arrays    → a textarea, one item per line
//   arrays of objects → repeated fieldsets, plus one empty row to add an item; a row left empty is dropped
//   numbers          → number inputs (whole numbers step 1); enums → a select
// `basedOn` (the onboarding cards a section relied on) is not a thing a person writes: it is kept as it was.
import type { SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { z } from "zod";
import { isBlank } from "./blank.ts";
import type { PlanContent, PlanSectionKey } from "./plan-schema.ts";
import { planSections } from "./plan-schema.ts";

export type FormField =
  | { kind: "text"; key: string; label: string; hint: string | null; multiline: boolean; maxLength: number | null }
  | { kind: "lines"; key: string; label: string; hint: string | null }
  | {
      kind: "number";
      key: string;
      label: string;
      hint: string | null;
      min: number | null;
      max: number | null;
      step: number | "any";
    }
  | { kind: "choice"; key: string; label: string; hint: string | null; options: string[] }
  | { kind: "rows"; key: string; label: string; rowLabel: string; hint: string | null; fields: FormField[] };

/** Strings allowed past this many characters get a textarea. */
const MULTILINE_FROM = 400;
/** Fields a person does not edit: carried over from the current version. */
const KEPT_KEYS = new Set(["basedOn"]);

// Labels for the plan schema's keys (a row label for arrays of objects); others are spelled out from the key.
const labels: Record<string, string | [string, string]> = {
  kpi: "KPI",
  deadline: "Deadline (YYYY-MM-DD)",
  date: "Date (YYYY-MM-DD)",
  whereToReach: "Where to reach them",
  statement: "Positioning statement",
  budgetShare: "Budget share (%)",
  week: "Week number",
  effortHours: "Effort (hours)",
  callToAction: "Call to action",
  monthlyTotal: "Monthly total",
  currency: "Currency (ISO code)",
  goals: ["Goals", "Goal"],
  personas: ["Personas", "Persona"],
  channels: ["Channels", "Channel"],
  weeks: ["Weeks", "Week"],
  tasks: ["Tasks", "Task"],
  items: ["Items", "Item"],
  lines: ["Budget lines", "Line"],
  metrics: ["Metrics", "Metric"],
};

function spelledOut(key: string): string {
  const words = key.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function labelOf(key: string): [string, string] {
  const label = labels[key];
  if (Array.isArray(label)) return label;
  return [label ?? spelledOut(key), label ?? spelledOut(key)];
}

type AnyZod = z.ZodType;

function describeField(key: string, schema: AnyZod): FormField {
  const [label, rowLabel] = labelOf(key);
  const hint = schema.description ?? null;
  if (schema instanceof z.ZodString) {
    const maxLength = schema.maxLength;
    return { kind: "text", key, label, hint, multiline: (maxLength ?? Infinity) > MULTILINE_FROM, maxLength };
  }
  if (schema instanceof z.ZodNumber) {
    return {
      kind: "number",
      key,
      label,
      hint,
      min: Number.isFinite(schema.minValue) ? schema.minValue : null,
      max: Number.isFinite(schema.maxValue) ? schema.maxValue : null,
      step: schema.isInt ? 1 : "any",
    };
  }
  if (schema instanceof z.ZodEnum) return { kind: "choice", key, label, hint, options: schema.options.map(String) };
  if (schema instanceof z.ZodArray) {
    const element = schema.element as AnyZod;
    if (element instanceof z.ZodString) return { kind: "lines", key, label, hint };
    if (element instanceof z.ZodObject)
      return { kind: "rows", key, label, rowLabel, hint, fields: describeObject(element) };
  }
  throw new Error(`No form field for ${key}: extend section-form.server.ts for this schema type.`);
}

function describeObject(schema: z.ZodObject): FormField[] {
  return Object.entries(schema.shape)
    .filter(([key]) => !KEPT_KEYS.has(key))
    .map(([key, field]) => describeField(key, field as AnyZod));
}

/** The schema that reads the form: the section's own, with lines split and empty rows dropped. */
function formSchemaOf(schema: AnyZod): AnyZod {
  if (schema instanceof z.ZodObject) {
    const shape = Object.fromEntries(
      Object.entries(schema.shape)
        .filter(([key]) => !KEPT_KEYS.has(key))
        .map(([key, field]) => [key, formSchemaOf(field as AnyZod)]),
    );
    return z.object(shape);
  }
  if (schema instanceof z.ZodString)
    return z.preprocess((value) => (typeof value === "string" ? value.trim() : value), schema);
  if (schema instanceof z.ZodArray) {
    const element = schema.element as AnyZod;
    if (element instanceof z.ZodString) {
      return z.preprocess(
        (value) =>
          typeof value === "string"
            ? value
                .split(/\r?\n/)
                .map((line) => line.trim())
                .filter((line) => line !== "")
            : (value ?? []),
        schema,
      );
    }
    // An empty row becomes null and is dropped after validation, so the errors of the other rows keep
    // their row numbers (filtering before would shift them onto the wrong fieldset).
    const row = z.preprocess((value) => (isBlank(value) ? null : value), formSchemaOf(element).nullable());
    return z.array(row).transform((rows) => rows.filter((value) => value !== null));
  }
  return schema;
}

/** Messages for the schema's generic checks, in the words of the form (the schema's own messages win). */
const formMessages: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === "invalid_type") return issue.expected === "number" ? "Enter a number." : "Fill this in.";
  if (issue.code === "too_small" && issue.origin === "string") return "Fill this in.";
  if (issue.code === "too_big" && issue.origin === "string") return `Keep it under ${issue.maximum} characters.`;
  if (issue.code === "too_small" && issue.origin === "number") return `Use ${issue.minimum} or more.`;
  if (issue.code === "too_big" && issue.origin === "number") return `Use ${issue.maximum} or less.`;
  if (issue.code === "invalid_value") return "Pick one of the options.";
  return undefined;
};

/** Checks across fields that the schema cannot say, where a person editing could break them. */
function crossFieldCheck(section: PlanSectionKey, value: Record<string, unknown>, ctx: z.RefinementCtx) {
  if (section !== "budget") return;
  const budget = value as Omit<PlanContent["budget"], "basedOn">;
  const sum = budget.lines.reduce((total, line) => total + line.amount, 0);
  if (sum !== budget.monthlyTotal) {
    ctx.addIssue({
      code: "custom",
      path: ["monthlyTotal"],
      message: `The lines add up to ${sum}, not ${budget.monthlyTotal}: change a line or the total.`,
    });
  }
}

const formSchemas = new Map<PlanSectionKey, AnyZod>();

function formSchemaFor(section: PlanSectionKey): AnyZod {
  let schema = formSchemas.get(section);
  if (!schema) {
    schema = formSchemaOf(planSections[section].schema).superRefine((value, ctx) =>
      crossFieldCheck(section, value as Record<string, unknown>, ctx),
    );
    formSchemas.set(section, schema);
  }
  return schema;
}

export function sectionFormFields(section: PlanSectionKey): FormField[] {
  return describeObject(planSections[section].schema);
}

export type SectionFormResult<K extends PlanSectionKey> =
  /** `refuse(message)`: the same form sent back with a message over it (and everything typed kept). */
  | { ok: true; content: PlanContent[K]; refuse: (message: string) => SubmissionResult<string[]> }
  | { ok: false; result: SubmissionResult<string[]> };

/** Reads a submitted section form; `basedOn` comes from the version the form was opened on. */
export function parseSectionForm<K extends PlanSectionKey>(
  section: K,
  form: FormData,
  basedOn: string[],
): SectionFormResult<K> {
  const submission = parseWithZod(form, { schema: formSchemaFor(section), error: formMessages });
  if (submission.status !== "success") return { ok: false, result: submission.reply() };
  const content = planSections[section].schema.parse({ ...(submission.value as object), basedOn });
  return {
    ok: true,
    content: content as PlanContent[K],
    refuse: (message) => submission.reply({ formErrors: [message] }),
  };
}

/**
 * A section's fields sent as JSON (the API's PUT /api/v1/plans/:id/sections/:section): read by the very
 * schema and cross-field checks the form is, so both refuse the same things. `basedOn` is kept as it was.
 */
export function parseSectionContent<K extends PlanSectionKey>(
  section: K,
  value: unknown,
  basedOn: string[],
): { ok: true; content: PlanContent[K] } | { ok: false; error: z.ZodError } {
  const parsed = formSchemaFor(section).safeParse(value, { error: formMessages });
  if (!parsed.success) return { ok: false, error: parsed.error };
  const content = planSections[section].schema.parse({ ...(parsed.data as object), basedOn });
  return { ok: true, content: content as PlanContent[K] };
}
