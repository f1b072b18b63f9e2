// GET/POST /plans/:id/sections/:section/edit — edit one section of a plan by hand. The form is generated
// from the section's schema (section-form.server.ts); the server parses it with conform + zod and a
// refused form comes back with its field errors and everything typed kept. Saving makes a new plan
// version; if the plan changed since the form was opened, nothing is overwritten.
import { useForm } from "@conform-to/react";
import { useEffect, useRef } from "react";
import type { RouterContextProvider } from "react-router";
import { data, Form, Link, redirect, useNavigation } from "react-router";
import { z } from "zod";
import { requireUser } from "../accounts/auth.server.ts";
import { requireWorkspace } from "../onboarding/onboarding.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { readFormBody } from "../platform/forms.server.ts";
import { httpError } from "../platform/http-error.ts";
import type { Route } from "./+types/section-edit-page";
import { isBlank } from "./blank.ts";
import { type PlanSectionKey, planSectionKeys, planSections } from "./plan-schema.ts";
import { loadPlan, saveSectionEdit } from "./plans.server.ts";
import { type FormField, parseSectionForm, sectionFormFields } from "./section-form.server.ts";

export const meta: Route.MetaFunction = ({ loaderData }) => [
  { title: loaderData ? `Edit “${loaderData.title}” — Alva` : "Edit a plan section — Alva" },
];
export const headers: Route.HeadersFunction = () => ({ "Cache-Control": "no-store" });

/** A section form is text only: generous for the longest section (the 13-week roadmap), small for a body. */
const MAX_FORM_BYTES = 512 * 1024;

function notFound(context: Readonly<RouterContextProvider>): never {
  return httpError(context, 404, "There is no such plan section.");
}

function sectionOr404(context: Readonly<RouterContextProvider>, section: string): PlanSectionKey {
  const key = planSectionKeys.find((candidate) => candidate === section);
  if (!key) notFound(context);
  return key;
}

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const section = sectionOr404(args.context, args.params.section);
  const loaded = await withDatabase(args.context, async (db) =>
    loadPlan(db, { workspaceId: await requireWorkspace(args.context, db, user.id), planId: args.params.id }),
  );
  if (!loaded) notFound(args.context);
  return {
    planId: loaded.plan.id,
    section,
    title: planSections[section].title,
    baseVersion: loaded.plan.currentVersion,
    fields: sectionFormFields(section),
    values: loaded.document.content[section] as Record<string, unknown>,
  };
}

// The roadmap's editor names fields like weeks[0].tasks[1].title (5 deep) and has hundreds of them.
const SECTION_FORM_LIMITS = { maxFields: 1000, maxDepth: 5 };

export async function action(args: Route.ActionArgs) {
  const { user } = requireUser(args);
  const section = sectionOr404(args.context, args.params.section);
  const read = await readFormBody(args.request, { maxBytes: MAX_FORM_BYTES, limits: SECTION_FORM_LIMITS });
  if (!read.ok) {
    const message = read.status === 413 ? "That is more text than a section can hold." : read.message;
    return data({ result: null, formError: message }, { status: read.status });
  }
  const baseVersion = z.coerce.number().int().min(1).safeParse(read.form.get("baseVersion"));
  if (!baseVersion.success) httpError(args.context, 400, "That form could not be read.");
  return withDatabase(args.context, async (db) => {
    const workspaceId = await requireWorkspace(args.context, db, user.id);
    const loaded = await loadPlan(db, { workspaceId, planId: args.params.id, version: baseVersion.data });
    if (!loaded) notFound(args.context);
    const parsed = parseSectionForm(section, read.form, loaded.document.content[section].basedOn);
    if (!parsed.ok) return data({ result: parsed.result, formError: null }, { status: 422 });
    const saved = await saveSectionEdit(db, {
      workspaceId,
      userId: user.id,
      planId: loaded.plan.id,
      baseVersion: baseVersion.data,
      section,
      content: parsed.content,
    });
    if (saved.ok) return redirect(`/plans/${loaded.plan.id}#${section}`, 303);
    if (saved.reason === "not_found") notFound(args.context);
    const message = `The plan changed while you were editing (it is now at version ${saved.currentVersion}). Your text is kept below: compare it with the plan, then open the form again to save it.`;
    return data({ result: parsed.refuse(message), formError: message }, { status: 409 });
  });
}

// ── The form ────────────────────────────────────────────────────────────────────────────────────

const inputClass =
  "w-full rounded-md border border-zinc-300 bg-white px-3 py-2 aria-invalid:border-red-600 dark:border-zinc-700 dark:bg-zinc-900";

type Values = Record<string, unknown>;
type Errors = Record<string, string[] | undefined>;

function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return value.filter((item) => typeof item === "string").join("\n");
  return "";
}

/** The rows to show: what is there (trailing empty rows trimmed) and one empty row to add another. */
function rowsOf(value: unknown): Values[] {
  const rows = (Array.isArray(value) ? value : []).map((row) =>
    row && typeof row === "object" ? (row as Values) : {},
  );
  while (rows.length > 0 && isBlank(rows[rows.length - 1])) rows.pop();
  return [...rows, {}];
}

function ErrorText({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p id={id} className="text-sm text-red-700 dark:text-red-400">
      {message}
    </p>
  );
}

function FieldInput({
  field,
  name,
  value,
  errors,
}: {
  field: FormField;
  name: string;
  value: unknown;
  errors: Errors;
}) {
  const id = `f-${name.replace(/[^a-zA-Z0-9]+/g, "-")}`;
  const error = errors[name]?.[0];
  const described =
    [error ? `${id}-error` : null, field.hint ? `${id}-hint` : null].filter(Boolean).join(" ") || undefined;
  const common = { id, name, "aria-invalid": error ? true : undefined, "aria-describedby": described } as const;
  const hint = field.hint ? (
    <p id={`${id}-hint`} className="text-xs text-zinc-600 dark:text-zinc-400">
      {field.hint}
    </p>
  ) : null;
  if (field.kind === "rows") {
    const rows = rowsOf(value);
    return (
      <fieldset className="space-y-3">
        <legend className="text-sm font-semibold">{field.label}</legend>
        {hint}
        <ErrorText id={`${id}-error`} message={error} />
        {rows.map((row, index) => {
          const isNew = index === rows.length - 1;
          return (
            <fieldset
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are addressed by position in the form names.
              key={index}
              className="space-y-3 rounded-md border border-zinc-200 p-3 dark:border-zinc-800"
            >
              <legend className="px-1 text-sm text-zinc-600 dark:text-zinc-400">
                {isNew
                  ? `New ${field.rowLabel.toLowerCase()} (leave empty to add none)`
                  : `${field.rowLabel} ${index + 1}`}
              </legend>
              {field.fields.map((child) => (
                <FieldInput
                  key={child.key}
                  field={child}
                  name={`${name}[${index}].${child.key}`}
                  value={row[child.key]}
                  errors={errors}
                />
              ))}
            </fieldset>
          );
        })}
      </fieldset>
    );
  }
  const label = (
    <label htmlFor={id} className="block text-sm font-medium">
      {field.label}
      {field.kind === "lines" ? (
        <span className="font-normal text-zinc-600 dark:text-zinc-400"> (one per line)</span>
      ) : null}
    </label>
  );
  let control: React.ReactNode;
  switch (field.kind) {
    case "text":
      control = field.multiline ? (
        <textarea
          {...common}
          rows={5}
          defaultValue={asText(value)}
          maxLength={field.maxLength ?? undefined}
          className={inputClass}
        />
      ) : (
        <input
          {...common}
          type="text"
          defaultValue={asText(value)}
          maxLength={field.maxLength ?? undefined}
          className={inputClass}
        />
      );
      break;
    case "lines":
      control = (
        <textarea
          {...common}
          rows={Math.min(Math.max(asText(value).split("\n").length + 1, 3), 12)}
          defaultValue={asText(value)}
          className={inputClass}
        />
      );
      break;
    case "number":
      control = (
        <input
          {...common}
          type="number"
          inputMode="decimal"
          min={field.min ?? undefined}
          max={field.max ?? undefined}
          step={field.step}
          defaultValue={asText(value)}
          className={`${inputClass} max-w-40`}
        />
      );
      break;
    case "choice":
      control = (
        <select {...common} defaultValue={asText(value)} className={`${inputClass} max-w-60`}>
          <option value="">Choose…</option>
          {field.options.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      );
      break;
  }
  return (
    <div className="space-y-1">
      {label}
      {control}
      {hint}
      <ErrorText id={`${id}-error`} message={error} />
    </div>
  );
}

export default function SectionEditPage({ loaderData, actionData }: Route.ComponentProps) {
  const { planId, section, title, fields, baseVersion } = loaderData;
  const [form] = useForm({
    id: `edit-${planId}-${section}-${baseVersion}`,
    lastResult: actionData?.result ?? undefined,
    defaultValue: loaderData.values,
  });
  const values = (form.initialValue ?? {}) as Values;
  const errors = form.allErrors as Errors;
  const navigation = useNavigation();
  const saving = navigation.state === "submitting";
  const formRef = useRef<HTMLFormElement>(null);
  // After a refusal, put the keyboard on the first field the server complained about.
  useEffect(() => {
    if (!actionData) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [actionData]);

  return (
    <section className="max-w-3xl space-y-6" aria-labelledby="edit-title">
      <header className="space-y-2">
        <p className="text-sm">
          <Link to={`/plans/${planId}#${section}`} className="underline">
            Back to the plan
          </Link>
        </p>
        <h1 id="edit-title" className="text-2xl font-semibold tracking-tight">
          Edit “{title}”
        </h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Saving makes version {baseVersion + 1} of the plan; version {baseVersion} stays readable. To remove a row,
          empty all its fields.
        </p>
      </header>
      {actionData?.formError ? (
        <p
          role="alert"
          className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
        >
          {actionData.formError}
        </p>
      ) : null}
      <Form
        method="post"
        action={`/plans/${planId}/sections/${section}/edit`}
        id={form.id}
        noValidate
        ref={formRef}
        className="space-y-5"
      >
        <input type="hidden" name="baseVersion" value={baseVersion} />
        {fields.map((field) => (
          <FieldInput key={field.key} field={field} name={field.key} value={values[field.key]} errors={errors} />
        ))}
        <div className="flex flex-wrap items-center gap-3">
          <button
            type="submit"
            disabled={saving}
            className="rounded-md bg-brand-600 px-5 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60"
          >
            {saving ? "Saving…" : "Save as a new version"}
          </button>
          <Link to={`/plans/${planId}#${section}`} className="underline">
            Cancel
          </Link>
        </div>
      </Form>
    </section>
  );
}
