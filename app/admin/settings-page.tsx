// /admin/settings: the organization's name and logo, who may create an account (sign-up policy), which sign-in
// methods are offered, the per-workspace plan limit, and the waitlist (see it, export it, invite people
// from it). Admins only, like /admin. Every change is one batch with its audit entry (audit.server.ts).
// The logo form is multipart, so every form here is read with the upload limit: a file past 5 MB is a
// message under the logo field (413), never an error page.
// What the settings do: instance-settings.server.ts and docs/decisions/0107-sign-up-policy.md.
import { getFormProps, useForm } from "@conform-to/react";
import { eq } from "drizzle-orm";
import { data, Form, useNavigation } from "react-router";
import { z } from "zod";
import { organizations, type SignInMethod, type SignupPolicy, signInMethods, signupPolicies } from "../../db/schema.ts";
import { requireRole } from "../accounts/auth.server.ts";
import { sendAfterResponse } from "../email-flows/emails.server.ts";
import { imageUrl, MAX_UPLOAD_FORM_BYTES, TOO_LARGE_MESSAGE } from "../images/images.server.ts";
import { enabledProviders } from "../oauth/config.server.ts";
import { providerLabels } from "../oauth/providers.ts";
import { withDatabase } from "../platform/database.server.ts";
import { logRefusedForm, parseFormData, readFormBody } from "../platform/forms.server.ts";
import { httpError } from "../platform/http-error.ts";
import { requestInfo } from "../platform/request-info.ts";
import { redirectWithToast } from "../platform/toast.server.ts";
import { formatTime, isoTime } from "../settings/format.ts";
import { DropZone } from "../ui/drop-zone.tsx";
import { ErrorList, Field, FormError, SubmitButton } from "../ui/form-field.tsx";
import type { Route } from "./+types/settings-page";
import { auditInsert } from "./audit.server.ts";
import {
  adminInvitationMail,
  DEFAULT_PLAN_LIMIT_PER_DAY,
  domainSchema,
  forgetOrganizationName,
  type InstanceSettings,
  inviteFromWaitlist,
  listWaitlist,
  loadInstanceSettings,
  loadOrganization,
  removeOrganizationLogo,
  replaceOrganizationLogo,
  settingsUpsert,
} from "./instance-settings.server.ts";

/** How many waitlist entries the page lists (the CSV has them all). */
const WAITLIST_SHOWN = 100;

export async function loader(args: Route.LoaderArgs) {
  requireRole(args, "admin");
  const { env } = args.context.get(requestInfo);
  const [settings, organization, waitlist] = await withDatabase(args.context, (db) =>
    Promise.all([loadInstanceSettings(db), loadOrganization(db), listWaitlist(db, WAITLIST_SHOWN + 1)]),
  );
  return {
    settings,
    organization: organization?.name ?? "",
    logoUrl: organization?.logoImageId ? imageUrl(organization.logoImageId, "medium") : null,
    waitlist: waitlist.slice(0, WAITLIST_SHOWN),
    moreWaitlist: waitlist.length > WAITLIST_SHOWN,
    configuredProviders: enabledProviders(env),
    defaultPlanLimit: DEFAULT_PLAN_LIMIT_PER_DAY,
  };
}

export const meta: Route.MetaFunction = () => [{ title: "Instance settings — Admin — Alva" }];

const methodLabels: Record<SignInMethod, string> = {
  password: "Password",
  "magic-link": "E-mailed link or code",
  github: providerLabels.github,
  google: providerLabels.google,
  apple: providerLabels.apple,
};

const policyLabels: Record<SignupPolicy, { label: string; hint: string }> = {
  open: { label: "Open", hint: "Anyone can create an account." },
  "invite-only": {
    label: "Invitation only",
    hint: "Only addresses invited to a workspace, or invited by an admin from the waitlist.",
  },
  domains: { label: "Listed e-mail domains", hint: "Only addresses whose domain is exactly one of those listed." },
  closed: { label: "Closed", hint: "Nobody can create an account. Existing accounts still sign in." },
};

const organizationForm = z.object({
  intent: z.literal("organization"),
  name: z
    .string({ error: "Give the organization a name." })
    .trim()
    .min(1, "Give the organization a name.")
    .max(80, "At most 80 characters."),
});

const accessForm = z
  .object({
    intent: z.literal("access"),
    policy: z.enum(signupPolicies, { error: "Choose who may create an account." }),
    domains: z
      .string()
      .max(4000, "That's too many domains.")
      .optional()
      .transform((text) => [
        ...new Set(
          (text ?? "")
            .split(/[\s,;]+/)
            .map((domain) => domain.trim().toLowerCase().replace(/^@/, ""))
            .filter(Boolean),
        ),
      ])
      .pipe(z.array(domainSchema).max(100, "At most 100 domains.")),
    methods: z.array(z.enum(signInMethods)).default([]),
  })
  .superRefine((form, ctx) => {
    if (form.policy === "domains" && form.domains.length === 0) {
      ctx.addIssue({ code: "custom", path: ["domains"], message: "List at least one domain, such as example.com." });
    }
    if (!form.methods.includes("password") && !form.methods.includes("magic-link")) {
      ctx.addIssue({
        code: "custom",
        path: ["methods"],
        message:
          "Keep the password or the e-mailed link on: without them nobody (you included) could sign in by e-mail.",
      });
    }
  });

const plansForm = z.object({
  intent: z.literal("plans"),
  planLimit: z.coerce
    .number({ error: "Write a whole number." })
    .int("Write a whole number.")
    .min(1, "At least 1 a day.")
    .max(1000, "At most 1,000 a day.")
    .optional(),
});

const inviteForm = z.object({
  intent: z.literal("invite"),
  waitlistId: z.coerce.number().int().positive(),
});

const logoForm = z.object({
  intent: z.literal("logo"),
  logo: z.instanceof(File, { error: "Choose an image file for the logo." }),
});

const logoRemoveForm = z.object({ intent: z.literal("logo-remove") });

const settingsForm = z.discriminatedUnion("intent", [
  organizationForm,
  logoForm,
  logoRemoveForm,
  accessForm,
  plansForm,
  inviteForm,
]);

/** Both logo forms answer under the upload form (its field shows the message). */
const answerFor = (intent: string) => (intent === "logo-remove" ? "logo" : intent);

export async function action(args: Route.ActionArgs) {
  const { request, context } = args;
  const { user } = requireRole(args, "admin");
  const { env } = context.get(requestInfo);
  const read = await readFormBody(request, { maxBytes: MAX_UPLOAD_FORM_BYTES });
  if (!read.ok) {
    logRefusedForm(context, read);
    // Only the logo form can be this large; anything else unreadable is the usual error page.
    if (read.status !== 413) return httpError(context, read.status, read.message);
    return data(
      { intent: "logo", result: { status: "error" as const, error: { logo: [TOO_LARGE_MESSAGE] } } },
      { status: 413 },
    );
  }
  const submission = parseFormData(read.form, settingsForm);
  const intent = answerFor(typeof submission.payload.intent === "string" ? submission.payload.intent : "");
  if (submission.status !== "success") return data({ intent, result: submission.reply() }, { status: 400 });
  const form = submission.value;
  const audit = { actor: { id: user.id, username: user.username }, request };

  return withDatabase(context, async (db) => {
    const before = await loadInstanceSettings(db);
    const save = (after: InstanceSettings, action: string, detail: Record<string, unknown>) =>
      db.batch([settingsUpsert(db, after), auditInsert(db, { ...audit, action, detail })]);

    switch (form.intent) {
      case "organization": {
        const organization = await loadOrganization(db);
        if (!organization) {
          return data(
            { intent, result: submission.reply({ formErrors: ["This instance has no organization yet."] }) },
            { status: 409 },
          );
        }
        if (organization.name !== form.name) {
          await db.batch([
            db.update(organizations).set({ name: form.name }).where(eq(organizations.id, organization.id)),
            auditInsert(db, {
              ...audit,
              action: "settings.organization",
              detail: { from: organization.name, to: form.name },
            }),
          ]);
          forgetOrganizationName();
        }
        return redirectWithToast(request, "/admin/settings", { kind: "success", message: "Organization name saved." });
      }
      case "logo":
      case "logo-remove": {
        const organization = await loadOrganization(db);
        if (!organization) {
          return data(
            { intent, result: submission.reply({ formErrors: ["This instance has no organization yet."] }) },
            { status: 409 },
          );
        }
        if (form.intent === "logo-remove") {
          await removeOrganizationLogo(env, db, { organizationId: organization.id, audit });
          return redirectWithToast(request, "/admin/settings", { kind: "success", message: "Logo removed." });
        }
        const stored = await replaceOrganizationLogo(env, db, {
          organizationId: organization.id,
          file: form.logo,
          audit,
        });
        if (!stored.ok) {
          return data(
            { intent, result: submission.reply({ fieldErrors: { logo: [stored.message] } }) },
            { status: stored.status },
          );
        }
        return redirectWithToast(request, "/admin/settings", { kind: "success", message: "Logo saved." });
      }
      case "access": {
        const after: InstanceSettings = {
          ...before,
          signupPolicy: form.policy,
          signupDomains: form.policy === "domains" ? form.domains : before.signupDomains,
          signInMethods: signInMethods.filter((method) => form.methods.includes(method)),
        };
        if (form.policy === "domains") after.signupDomains = form.domains;
        const detail = {
          from: { policy: before.signupPolicy, domains: before.signupDomains, methods: before.signInMethods },
          to: { policy: after.signupPolicy, domains: after.signupDomains, methods: after.signInMethods },
        };
        if (JSON.stringify(detail.from) !== JSON.stringify(detail.to)) {
          await save(after, "settings.access", detail);
        }
        return redirectWithToast(request, "/admin/settings", {
          kind: "success",
          message: "Sign-up and sign-in settings saved.",
        });
      }
      case "plans": {
        const planLimitPerDay = form.planLimit ?? null;
        if (planLimitPerDay !== before.planLimitPerDay) {
          await save({ ...before, planLimitPerDay }, "settings.plan-limit", {
            from: before.planLimitPerDay,
            to: planLimitPerDay,
          });
        }
        return redirectWithToast(request, "/admin/settings", { kind: "success", message: "Plan limit saved." });
      }
      case "invite": {
        const invited = await inviteFromWaitlist(db, { waitlistId: form.waitlistId, audit });
        if (!invited) {
          return data(
            { intent, result: submission.reply({ formErrors: ["That waitlist entry doesn't exist (any more)."] }) },
            { status: 404 },
          );
        }
        const organization = (await loadOrganization(db))?.name ?? "Alva";
        sendAfterResponse(context, adminInvitationMail(env, { ...invited, organization }));
        return redirectWithToast(request, "/admin/settings#waitlist", {
          kind: "success",
          message: `Invitation sent to ${invited.email}.`,
        });
      }
    }
  });
}

const card = "space-y-4 rounded-xl border border-zinc-200 p-5 dark:border-zinc-800";
const muted = "text-sm text-zinc-600 dark:text-zinc-400";
const controlClass =
  "w-full rounded-md border border-zinc-300 bg-white px-3 py-2 aria-invalid:border-red-600 dark:border-zinc-700 dark:bg-zinc-900";

export default function SettingsPage({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const { settings } = loaderData;
  const lastResult = (intent: string) => (actionData?.intent === intent ? actionData.result : undefined);
  const [organizationFormMeta, organizationFields] = useForm<z.input<typeof organizationForm>>({
    id: "settings-organization",
    lastResult: lastResult("organization"),
    defaultValue: { name: loaderData.organization },
  });
  const [logoFormMeta, logoFields] = useForm<{ logo: File }>({
    id: "settings-logo",
    lastResult: lastResult("logo"),
  });
  const [accessFormMeta, accessFields] = useForm<z.input<typeof accessForm>>({
    id: "settings-access",
    lastResult: lastResult("access"),
    defaultValue: {
      policy: settings.signupPolicy,
      domains: settings.signupDomains.join("\n"),
      methods: [...settings.signInMethods],
    },
  });
  const [plansFormMeta, plansFields] = useForm<z.input<typeof plansForm>>({
    id: "settings-plans",
    lastResult: lastResult("plans"),
    defaultValue: { planLimit: settings.planLimitPerDay === null ? undefined : String(settings.planLimitPerDay) },
  });
  const inviteErrors =
    actionData?.intent === "invite"
      ? Object.values(actionData.result?.error ?? {})
          .flat()
          .filter((error): error is string => typeof error === "string")
      : [];

  const policyValue = String(accessFields.policy.initialValue ?? settings.signupPolicy);
  const methodValues = ([] as unknown[]).concat(accessFields.methods.initialValue ?? []).map(String);
  const domainsValue = typeof accessFields.domains.initialValue === "string" ? accessFields.domains.initialValue : "";

  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold tracking-tight">Instance settings</h1>

      <section aria-labelledby="settings-organization-title" className={card}>
        <h2 id="settings-organization-title" className="text-lg font-medium">
          Organization
        </h2>
        <FormError errors={organizationFormMeta.errors} />
        <Form method="post" {...getFormProps(organizationFormMeta)} className="max-w-md space-y-4">
          <input type="hidden" name="intent" value="organization" />
          <Field
            meta={organizationFields.name}
            label="Name"
            hint="Shown in the app's header and in e-mails."
            maxLength={80}
            required
          />
          <SubmitButton pending={busy} pendingLabel="Saving…">
            Save name
          </SubmitButton>
        </Form>

        <h3 id="settings-logo-title" className="pt-2 font-medium">
          Logo
        </h3>
        <FormError errors={logoFormMeta.errors} />
        {loaderData.logoUrl ? (
          <div className="flex flex-wrap items-center gap-4">
            <img
              src={loaderData.logoUrl}
              alt={`Current logo of ${loaderData.organization}`}
              data-testid="current-organization-logo"
              className="h-16 w-auto max-w-48 rounded-md border border-zinc-200 bg-white object-contain p-1 dark:border-zinc-800"
            />
            <Form method="post">
              <input type="hidden" name="intent" value="logo-remove" />
              <button
                type="submit"
                disabled={busy}
                className="rounded-md border border-zinc-300 px-3 py-1.5 text-sm hover:bg-zinc-50 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-900"
              >
                Remove logo
              </button>
            </Form>
          </div>
        ) : (
          <p className={muted}>No logo yet: the header and e-mails show the name alone.</p>
        )}
        <Form
          method="post"
          encType="multipart/form-data"
          {...getFormProps(logoFormMeta)}
          aria-labelledby="settings-logo-title"
          className="max-w-md space-y-4"
        >
          <input type="hidden" name="intent" value="logo" />
          <div className="space-y-1">
            <DropZone
              id="settings-logo-file"
              name={logoFields.logo.name}
              prompt={
                loaderData.logoUrl ? "Drop a new logo here, or choose a file" : "Drop the logo here, or choose a file"
              }
              hint="PNG, JPEG, WebP or GIF, up to 5 MB. Shown next to the name in the header and at the top of e-mails; anyone can see it."
              accept="image/png,image/jpeg,image/webp,image/gif"
              required
              aria-invalid={logoFields.logo.errors ? true : undefined}
              aria-describedby={logoFields.logo.errors ? "settings-logo-error" : undefined}
            />
            <ErrorList id="settings-logo-error" errors={logoFields.logo.errors} />
          </div>
          <SubmitButton pending={busy} pendingLabel="Uploading…">
            {loaderData.logoUrl ? "Replace logo" : "Upload logo"}
          </SubmitButton>
        </Form>
      </section>

      <section aria-labelledby="settings-access-title" className={card}>
        <h2 id="settings-access-title" className="text-lg font-medium">
          Sign-up and sign-in
        </h2>
        <FormError errors={accessFormMeta.errors} />
        <Form method="post" {...getFormProps(accessFormMeta)} className="space-y-5">
          <input type="hidden" name="intent" value="access" />
          <fieldset className="space-y-2" aria-describedby={accessFields.policy.errors ? "policy-error" : undefined}>
            <legend className="text-sm font-medium">Who may create an account</legend>
            {signupPolicies.map((policy) => (
              <label key={policy} className="flex items-start gap-2">
                <input
                  type="radio"
                  name={accessFields.policy.name}
                  value={policy}
                  defaultChecked={policyValue === policy}
                  className="mt-1 size-4"
                  aria-describedby={`policy-${policy}-hint`}
                />
                <span>
                  <span className="font-medium">{policyLabels[policy].label}</span>
                  <span id={`policy-${policy}-hint`} className={`block ${muted}`}>
                    {policyLabels[policy].hint}
                  </span>
                </span>
              </label>
            ))}
            <ErrorList id="policy-error" errors={accessFields.policy.errors} />
          </fieldset>
          <div className="max-w-md space-y-1">
            <label htmlFor="settings-domains" className="block text-sm font-medium">
              E-mail domains allowed to sign up
            </label>
            <textarea
              id="settings-domains"
              name={accessFields.domains.name}
              defaultValue={domainsValue}
              rows={3}
              maxLength={4000}
              aria-invalid={accessFields.domains.errors ? true : undefined}
              aria-describedby={`settings-domains-hint${accessFields.domains.errors ? " settings-domains-error" : ""}`}
              className={controlClass}
            />
            <p id="settings-domains-hint" className="text-xs text-zinc-600 dark:text-zinc-400">
              One per line, such as example.com. Used with “Listed e-mail domains”; the whole domain must match
              (sub.example.com is a different domain).
            </p>
            <ErrorList id="settings-domains-error" errors={accessFields.domains.errors} />
          </div>
          <fieldset className="space-y-2" aria-describedby="methods-hint">
            <legend className="text-sm font-medium">Sign-in methods shown (and accepted)</legend>
            <p id="methods-hint" className={muted}>
              Social sign-in appears only when its credentials are configured, too.
            </p>
            {signInMethods.map((method) => {
              const provider = method !== "password" && method !== "magic-link";
              const configured = !provider || loaderData.configuredProviders.includes(method);
              return (
                <label key={method} className="flex items-center gap-2">
                  <input
                    type="checkbox"
                    name={accessFields.methods.name}
                    value={method}
                    defaultChecked={methodValues.includes(method)}
                    className="size-4"
                  />
                  {methodLabels[method]}
                  {configured ? null : <span className={muted}>(not configured)</span>}
                </label>
              );
            })}
            <ErrorList id="methods-error" errors={accessFields.methods.errors} />
          </fieldset>
          <SubmitButton pending={busy} pendingLabel="Saving…">
            Save sign-up and sign-in
          </SubmitButton>
        </Form>
      </section>

      <section aria-labelledby="settings-plans-title" className={card}>
        <h2 id="settings-plans-title" className="text-lg font-medium">
          Plan generation
        </h2>
        <FormError errors={plansFormMeta.errors} />
        <Form method="post" {...getFormProps(plansFormMeta)} className="max-w-md space-y-4">
          <input type="hidden" name="intent" value="plans" />
          <Field
            meta={plansFields.planLimit}
            label="Plans a workspace may start per day"
            type="number"
            min={1}
            max={1000}
            hint={`Whole plans, section rewrites and retries alike. Empty: the default, ${loaderData.defaultPlanLimit}.`}
          />
          <SubmitButton pending={busy} pendingLabel="Saving…">
            Save limit
          </SubmitButton>
        </Form>
      </section>

      <section id="waitlist" aria-labelledby="settings-waitlist-title" className={card}>
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="settings-waitlist-title" className="text-lg font-medium">
            Waitlist
          </h2>
          <a
            href="/admin/settings/waitlist/download"
            download
            className="text-sm text-brand-700 underline underline-offset-2 hover:no-underline dark:text-brand-300"
          >
            Download the waitlist as CSV
          </a>
        </div>
        <p className={muted}>
          An invitation e-mails a link that lets the address create an account even when sign-up is by invitation only.
          {loaderData.moreWaitlist ? ` The newest ${WAITLIST_SHOWN} are listed; the CSV has everyone.` : ""}
        </p>
        <FormError errors={inviteErrors} />
        {loaderData.waitlist.length === 0 ? (
          <p className={muted}>Nobody is on the waitlist.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="text-zinc-600 dark:text-zinc-400">
                <tr>
                  <th scope="col" className="py-2 pr-4 font-medium">
                    E-mail
                  </th>
                  <th scope="col" className="py-2 pr-4 font-medium">
                    Joined
                  </th>
                  <th scope="col" className="py-2 font-medium">
                    Invitation
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
                {loaderData.waitlist.map((entry) => (
                  <tr key={entry.id} data-testid="waitlist-entry">
                    <td className="py-2 pr-4 break-all">{entry.email}</td>
                    <td className="whitespace-nowrap py-2 pr-4">
                      <time dateTime={isoTime(entry.createdAt)}>{formatTime(entry.createdAt)}</time>
                    </td>
                    <td className="py-2">
                      <Form method="post" className="flex items-center gap-2">
                        <input type="hidden" name="intent" value="invite" />
                        <input type="hidden" name="waitlistId" value={entry.id} />
                        {entry.invitedAt ? (
                          <span className={muted}>
                            Invited <time dateTime={isoTime(entry.invitedAt)}>{formatTime(entry.invitedAt)}</time>
                          </span>
                        ) : null}
                        <button
                          type="submit"
                          disabled={busy}
                          className="rounded-md border border-zinc-300 px-2 py-1 hover:bg-zinc-50 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-900"
                        >
                          {entry.invitedAt ? "Invite again" : "Invite"}
                          <span className="sr-only">{` ${entry.email}`}</span>
                        </button>
                      </Form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
