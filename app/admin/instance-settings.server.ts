// What an admin sets at /admin/settings, and the rules that follow from it: who may create an account
// (the sign-up policy, checked on every path that creates one: password sign-up, magic link, OAuth and
// the API), which sign-in methods are offered and accepted, and how many plans a workspace may start a
// day. One row, absent until the first change: a fresh instance runs on the defaults below.
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import {
  adminInvitations,
  images,
  instance,
  instanceSettings,
  organizations,
  type SignInMethod,
  type SignupPolicy,
  signInMethods,
  signupPolicies,
  waitlist,
  workspaceInvitations,
} from "../../db/schema.ts";
import type { LimitOptions } from "../../workers/rate-limiter.ts";
import { hashSecret, newId, randomSecret } from "../accounts/secrets.server.ts";
import { removeImage, storeImage, type UploadResult } from "../images/images.server.ts";
import { composeMail } from "../mail/mail.server.ts";
import { type AuditEntry, auditInsert } from "./audit.server.ts";

/** Plans (model calls) a workspace may start per day unless an admin set another number. */
export const DEFAULT_PLAN_LIMIT_PER_DAY = 10;

export interface InstanceSettings {
  signupPolicy: SignupPolicy;
  signupDomains: string[];
  signInMethods: SignInMethod[];
  /** Null: DEFAULT_PLAN_LIMIT_PER_DAY. */
  planLimitPerDay: number | null;
}

export const defaultSettings: InstanceSettings = {
  signupPolicy: "open",
  signupDomains: [],
  signInMethods: [...signInMethods],
  planLimitPerDay: null,
};

const storedList = <T extends string>(values: readonly T[]) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "not JSON" });
        return z.NEVER;
      }
    })
    .pipe(z.array(z.enum(values as [T, ...T[]])));

export async function loadInstanceSettings(db: Database): Promise<InstanceSettings> {
  const [row] = await db.select().from(instanceSettings).where(eq(instanceSettings.id, 1)).limit(1);
  if (!row) return defaultSettings;
  const domains = z.array(z.string()).safeParse(JSON.parse(row.signupDomains || "[]"));
  const methods = storedList(signInMethods).safeParse(row.signInMethods);
  return {
    signupPolicy: (signupPolicies as readonly string[]).includes(row.signupPolicy) ? row.signupPolicy : "open",
    signupDomains: domains.success ? domains.data : [],
    signInMethods: methods.success ? methods.data : [...signInMethods],
    planLimitPerDay: row.planLimitPerDay,
  };
}

/** The statement that stores `settings` (insert or replace the one row), for a batch with its audit entry. */
export function settingsUpsert(db: Database, settings: InstanceSettings) {
  const values = {
    signupPolicy: settings.signupPolicy,
    signupDomains: JSON.stringify(settings.signupDomains),
    signInMethods: JSON.stringify(settings.signInMethods),
    planLimitPerDay: settings.planLimitPerDay,
    updatedAt: new Date(),
  };
  return db
    .insert(instanceSettings)
    .values({ id: 1, ...values })
    .onConflictDoUpdate({ target: instanceSettings.id, set: values });
}

// ── The sign-up policy ───────────────────────────────────────────────────────────────────────

/**
 * A domain as an admin may list it: lowercase labels of letters, digits and hyphens, at least two.
 * Matching is exact on the whole domain after the "@", so `example.com` admits `a@example.com` and
 * neither `a@example.com.evil.io`, `a@evil-example.com` nor `a@sub.example.com`.
 */
export const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(253, "A domain is at most 253 characters.")
  .regex(
    /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    "Write a domain such as example.com.",
  );

/** The part after the last "@", lowercased: the domain an exact match compares. */
export function emailDomain(email: string): string {
  return email
    .slice(email.lastIndexOf("@") + 1)
    .trim()
    .toLowerCase();
}

export function domainAllowed(email: string, domains: string[]): boolean {
  const domain = emailDomain(email);
  return domain.length > 0 && domains.includes(domain);
}

/** Whether `email` holds an open invitation: to a workspace, or from an admin. */
async function hasOpenInvitation(db: Database, email: string, now: Date): Promise<boolean> {
  const address = email.trim().toLowerCase();
  const [workspace, admin] = await db.batch([
    db
      .select({ id: workspaceInvitations.id })
      .from(workspaceInvitations)
      .where(
        and(
          eq(workspaceInvitations.email, address),
          isNull(workspaceInvitations.acceptedAt),
          isNull(workspaceInvitations.revokedAt),
          gt(workspaceInvitations.expiresAt, now),
        ),
      )
      .limit(1),
    db
      .select({ id: adminInvitations.id })
      .from(adminInvitations)
      .where(
        and(
          eq(adminInvitations.email, address),
          isNull(adminInvitations.acceptedAt),
          gt(adminInvitations.expiresAt, now),
        ),
      )
      .limit(1),
  ]);
  return workspace.length > 0 || admin.length > 0;
}

export const signupRefusals: Record<Exclude<SignupPolicy, "open">, string> = {
  closed: "This Alva instance isn't accepting new accounts. Ask its administrator if you need one.",
  "invite-only":
    "New accounts on this Alva instance are by invitation only. Ask someone to invite this e-mail address to their workspace, or ask the administrator.",
  domains:
    "New accounts on this Alva instance are only for e-mail addresses of certain organizations. Use your work address, or ask the administrator.",
};

/** Null when the policy lets `email` create an account; otherwise the message saying why not. */
export async function signupRefusal(db: Database, email: string, now = new Date()): Promise<string | null> {
  const settings = await loadInstanceSettings(db);
  switch (settings.signupPolicy) {
    case "open":
      return null;
    case "closed":
      return signupRefusals.closed;
    case "domains":
      return domainAllowed(email, settings.signupDomains) ? null : signupRefusals.domains;
    case "invite-only":
      return (await hasOpenInvitation(db, email, now)) ? null : signupRefusals["invite-only"];
  }
}

/** Thrown where an account would be created against the policy; callers show `message` with a 403. */
export class SignupRefusedError extends Error {
  override name = "SignupRefusedError";
}

// ── Sign-in methods and the plan limit ─────────────────────────────────────────────────────────

export const methodHidden =
  "That way of signing in is turned off on this Alva instance. Use another one shown on the sign-in page.";

export function methodEnabled(settings: InstanceSettings, method: SignInMethod): boolean {
  return settings.signInMethods.includes(method);
}

/** The plan-generation bucket of every workspace: `perDay` calls a day, all at once if need be. */
export function planGenerationLimit(settings: InstanceSettings): LimitOptions {
  const perDay = settings.planLimitPerDay ?? DEFAULT_PLAN_LIMIT_PER_DAY;
  return { capacity: perDay, refillPerSecond: perDay / 86_400 };
}

// ── The organization, the waitlist and admin invitations ─────────────────────────────────────

/** The organization's name and logo per database, remembered for a minute by each isolate (the header shows them on every page). */
const organizationBrandings = new Map<string, { branding: OrganizationBranding | null; until: number }>();
const ORGANIZATION_BRANDING_TTL_MS = 60_000;

export interface OrganizationBranding {
  name: string;
  /** Null when there is none, or when its image row is gone (see loadOrganization). */
  logoImageId: string | null;
}

export async function organizationBranding(db: Database, databaseUrl: string): Promise<OrganizationBranding | null> {
  const cached = organizationBrandings.get(databaseUrl);
  if (cached && cached.until > Date.now()) return cached.branding;
  const row = await loadOrganization(db);
  const branding = row ? { name: row.name, logoImageId: row.logoImageId } : null;
  organizationBrandings.set(databaseUrl, { branding, until: Date.now() + ORGANIZATION_BRANDING_TTL_MS });
  return branding;
}

/** After a rename or a new logo: this isolate shows it at once (others within a minute). */
export function forgetOrganizationName(): void {
  organizationBrandings.clear();
}

/**
 * The organization, with its logo only when the image row still exists: `logo_image_id` has no
 * foreign key, so a logo whose row went (its uploader purged before the hand-over existed, a manual
 * fix) reads as no logo instead of a broken picture.
 */
export async function loadOrganization(
  db: Database,
): Promise<{ id: string; name: string; logoImageId: string | null } | null> {
  const [row] = await db
    .select({ id: organizations.id, name: organizations.name, logoImageId: images.id })
    .from(instance)
    .innerJoin(organizations, eq(organizations.id, instance.organizationId))
    .leftJoin(images, eq(images.id, organizations.logoImageId))
    .limit(1);
  return row ?? null;
}

/**
 * Makes `file` the organization's logo: stores it (storeImage's checks: size, type from the bytes,
 * pixels), points the organization at it with the audit entry in one batch, then deletes the logo it
 * replaces (row and R2). A refused file changes nothing and comes back as the message to show.
 */
export async function replaceOrganizationLogo(
  env: Env,
  db: Database,
  input: { organizationId: string; file: File; audit: Omit<AuditEntry, "action" | "target" | "detail"> },
): Promise<UploadResult> {
  const [current] = await db
    .select({ logoImageId: organizations.logoImageId })
    .from(organizations)
    .where(eq(organizations.id, input.organizationId))
    .limit(1);
  const stored = await storeImage(env, db, {
    file: input.file,
    kind: "logo",
    ownerId: input.audit.actor.id,
    workspaceId: null,
    organization: true,
  });
  if (!stored.ok) return stored;
  const previousId = current?.logoImageId ?? null;
  await db.batch([
    db.update(organizations).set({ logoImageId: stored.image.id }).where(eq(organizations.id, input.organizationId)),
    auditInsert(db, {
      ...input.audit,
      action: "settings.organization-logo",
      detail: { from: previousId, to: stored.image.id },
    }),
  ]);
  if (previousId) await removeOrganizationLogoImage(env, db, previousId);
  forgetOrganizationName();
  return stored;
}

/** Clears the organization's logo (audited) and deletes its image. False when there was none. */
export async function removeOrganizationLogo(
  env: Env,
  db: Database,
  input: { organizationId: string; audit: Omit<AuditEntry, "action" | "target" | "detail"> },
): Promise<boolean> {
  const [current] = await db
    .select({ logoImageId: organizations.logoImageId })
    .from(organizations)
    .where(eq(organizations.id, input.organizationId))
    .limit(1);
  const previousId = current?.logoImageId ?? null;
  if (!previousId) return false;
  await db.batch([
    db.update(organizations).set({ logoImageId: null }).where(eq(organizations.id, input.organizationId)),
    auditInsert(db, { ...input.audit, action: "settings.organization-logo", detail: { from: previousId, to: null } }),
  ]);
  await removeOrganizationLogoImage(env, db, previousId);
  forgetOrganizationName();
  return true;
}

/** Only an organization logo (kind "logo", no workspace) is ever deleted here, whatever id is stored. */
async function removeOrganizationLogoImage(env: Env, db: Database, imageId: string): Promise<void> {
  const [image] = await db
    .select({ id: images.id, r2Key: images.r2Key })
    .from(images)
    .where(and(eq(images.id, imageId), eq(images.kind, "logo"), isNull(images.workspaceId)))
    .limit(1);
  if (image) await removeImage(env, db, image);
}

/**
 * Before account `userId` is purged: the organization's logo it uploaded passes to another admin, so
 * the purge (which deletes the images a user owns, and the row's cascade) leaves the logo in place.
 * Without another admin (the last one cannot delete their account) the logo goes with the account.
 */
export async function handOverOrganizationLogo(db: Database, userId: string): Promise<void> {
  await db
    .update(images)
    .set({
      ownerId: sql`(select id from users where role = 'admin' and deleted_at is null and id <> ${userId} order by created_at limit 1)`,
    })
    .where(
      and(
        eq(images.ownerId, userId),
        eq(images.kind, "logo"),
        isNull(images.workspaceId),
        sql`${images.id} in (select logo_image_id from organizations)`,
        sql`exists (select 1 from users where role = 'admin' and deleted_at is null and id <> ${userId})`,
      ),
    );
}

/** The waitlist, newest first, with times as Unix milliseconds. */
export async function listWaitlist(db: Database, limit?: number) {
  const query = db
    .select({ id: waitlist.id, email: waitlist.email, createdAt: waitlist.createdAt, invitedAt: waitlist.invitedAt })
    .from(waitlist)
    .orderBy(desc(waitlist.createdAt), desc(waitlist.id));
  const rows = await (limit ? query.limit(limit) : query);
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    createdAt: row.createdAt.getTime(),
    invitedAt: row.invitedAt?.getTime() ?? null,
  }));
}

/** An admin invitation lasts two weeks (a waitlist is not read every day). */
export const ADMIN_INVITATION_TTL_MS = 14 * 86_400_000;

/**
 * Invites waitlist entry `waitlistId`: a fresh single-use token (stored hashed, like workspace
 * invitations), the entry marked invited, and the entry's audit line, in one batch. Returns the address
 * and the token for the e-mail, or null when there is no such entry.
 */
export async function inviteFromWaitlist(
  db: Database,
  input: { waitlistId: number; audit: Omit<AuditEntry, "action" | "target" | "detail"> },
): Promise<{ email: string; token: string } | null> {
  const [entry] = await db.select().from(waitlist).where(eq(waitlist.id, input.waitlistId)).limit(1);
  if (!entry) return null;
  const token = randomSecret(20);
  const now = new Date();
  await db.batch([
    db.insert(adminInvitations).values({
      id: newId(),
      email: entry.email,
      tokenHash: hashSecret(token),
      invitedBy: input.audit.actor.id,
      expiresAt: new Date(now.getTime() + ADMIN_INVITATION_TTL_MS),
      createdAt: now,
    }),
    db.update(waitlist).set({ invitedAt: now }).where(eq(waitlist.id, entry.id)),
    auditInsert(db, { ...input.audit, action: "waitlist.invite", target: { label: entry.email } }),
  ]);
  return { email: entry.email, token };
}

/** The address of the open admin invitation `token` belongs to (for the sign-up form), or null. */
export async function invitedEmail(db: Database, token: string | null): Promise<string | null> {
  if (!token || !/^[a-z2-7]{32}$/.test(token)) return null;
  const [row] = await db
    .select({ email: adminInvitations.email })
    .from(adminInvitations)
    .where(
      and(
        eq(adminInvitations.tokenHash, hashSecret(token)),
        isNull(adminInvitations.acceptedAt),
        gt(adminInvitations.expiresAt, new Date()),
      ),
    )
    .limit(1);
  return row?.email ?? null;
}

export function adminInvitationMail(env: Env, input: { email: string; token: string; organization: string }) {
  return composeMail({
    to: input.email,
    subject: `You're invited to Alva at ${input.organization}`,
    paragraphs: [
      `You asked to hear when Alva opens. ${input.organization} invites you to create your account now.`,
      "The link works for 14 days. If you didn't ask for this, you can ignore this message.",
    ],
    action: {
      label: "Create your account",
      url: new URL(`/signup?invitation=${input.token}`, env.APP_URL).href,
    },
  });
}
