// Invitations to a workspace by e-mail. The link carries a random token; the database keeps only its
// SHA-256. An invitation is bound to the invited address (only an account with that e-mail can accept
// it), valid for 7 days, and used once: accepting is one conditional UPDATE, so two clicks cannot both
// join. Resending issues a new token (the old link stops working) and a new 7 days.
import { and, asc, eq, gt, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import { users, workspaceInvitations, workspaceMembers, workspaces } from "../../db/schema.ts";
import { type LimitOptions, rateLimit } from "../../workers/rate-limiter.ts";
import { hashSecret, newId, randomSecret } from "../accounts/secrets.server.ts";
import { appLink } from "../email-flows/emails.server.ts";
import { composeMail, mailTransport } from "../mail/mail.server.ts";

/** The address an owner invites, as the members page and POST /api/v1/workspaces/:id/invitations take it. */
export const invitationEmail = z.email("Enter an e-mail address.").max(254);

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Invitations are e-mail to a stranger's address: 10 at once per workspace, then one every 6 minutes. */
export const invitationLimit: LimitOptions = { capacity: 10, refillPerSecond: 1 / 360 };

export type InvitationOutcome =
  | { ok: true; email: string }
  | { ok: false; status: 400 | 429; message: string; retryAfterSeconds?: number };

const open = () => and(isNull(workspaceInvitations.acceptedAt), isNull(workspaceInvitations.revokedAt));

export async function listOpenInvitations(db: Database, workspaceId: string) {
  return db
    .select({
      id: workspaceInvitations.id,
      email: workspaceInvitations.email,
      expiresAt: workspaceInvitations.expiresAt,
      sentAt: workspaceInvitations.sentAt,
    })
    .from(workspaceInvitations)
    .where(and(eq(workspaceInvitations.workspaceId, workspaceId), open()))
    .orderBy(asc(workspaceInvitations.email));
}

/**
 * Invites `email` (or resends its open invitation with a fresh link). The caller has checked that the
 * inviter owns the workspace.
 */
export async function invite(
  env: Env,
  db: Database,
  input: { workspaceId: string; workspaceName: string; email: string; inviter: { id: string; username: string } },
): Promise<InvitationOutcome> {
  const email = input.email.trim().toLowerCase();
  const [member] = await db
    .select({ userId: workspaceMembers.userId })
    .from(workspaceMembers)
    .innerJoin(users, eq(users.id, workspaceMembers.userId))
    .where(and(eq(workspaceMembers.workspaceId, input.workspaceId), eq(users.email, email)))
    .limit(1);
  if (member) return { ok: false, status: 400, message: `${email} is already a member of this workspace.` };

  const limit = await rateLimit(env, `invitations:workspace:${input.workspaceId}`, invitationLimit);
  if (!limit.allowed) {
    return {
      ok: false,
      status: 429,
      message: "Too many invitations from this workspace for now; try again later.",
      retryAfterSeconds: limit.retryAfterSeconds,
    };
  }

  const token = randomSecret(20);
  const now = new Date();
  const fresh = { tokenHash: hashSecret(token), expiresAt: new Date(now.getTime() + INVITATION_TTL_MS), sentAt: now };
  await db
    .insert(workspaceInvitations)
    .values({
      id: newId(),
      workspaceId: input.workspaceId,
      email,
      invitedBy: input.inviter.id,
      createdAt: now,
      ...fresh,
    })
    .onConflictDoUpdate({
      target: [workspaceInvitations.workspaceId, workspaceInvitations.email],
      targetWhere: open(),
      set: { ...fresh, invitedBy: input.inviter.id },
    });
  await mailTransport(env, db).send(
    composeMail({
      to: email,
      subject: `Join ${input.workspaceName} on Alva`,
      paragraphs: [
        `@${input.inviter.username} invited you to the workspace "${input.workspaceName}" on Alva, where the team plans its marketing and chats with Alva.`,
        "The link works once, for 7 days, and only for an Alva account with this e-mail address. You can create one on the way.",
        "If you don't know this person, ignore this e-mail.",
      ],
      action: { label: "Accept the invitation", url: appLink(env, `/invitations/${token}`) },
    }),
  );
  return { ok: true, email };
}

/** Resends an open invitation of this workspace (by id) with a new link. */
export async function resendInvitation(
  env: Env,
  db: Database,
  input: {
    workspaceId: string;
    workspaceName: string;
    invitationId: string;
    inviter: { id: string; username: string };
  },
): Promise<InvitationOutcome> {
  const [row] = await db
    .select({ email: workspaceInvitations.email })
    .from(workspaceInvitations)
    .where(
      and(
        eq(workspaceInvitations.id, input.invitationId),
        eq(workspaceInvitations.workspaceId, input.workspaceId),
        open(),
      ),
    );
  if (!row) return { ok: false, status: 400, message: "That invitation is no longer open." };
  return invite(env, db, { ...input, email: row.email });
}

export async function revokeInvitation(db: Database, workspaceId: string, invitationId: string): Promise<boolean> {
  const revoked = await db
    .update(workspaceInvitations)
    .set({ revokedAt: new Date() })
    .where(and(eq(workspaceInvitations.id, invitationId), eq(workspaceInvitations.workspaceId, workspaceId), open()))
    .returning({ id: workspaceInvitations.id });
  return revoked.length > 0;
}

export interface OpenInvitation {
  id: string;
  workspaceId: string;
  workspaceName: string;
  email: string;
}

/** The open, unexpired invitation behind `token`, or null (unknown, used, revoked or expired alike). */
export async function findInvitation(db: Database, token: string, now = Date.now()): Promise<OpenInvitation | null> {
  if (!/^[a-z2-7]{32}$/.test(token)) return null;
  const [row] = await db
    .select({
      id: workspaceInvitations.id,
      workspaceId: workspaceInvitations.workspaceId,
      workspaceName: workspaces.name,
      email: workspaceInvitations.email,
    })
    .from(workspaceInvitations)
    .innerJoin(workspaces, eq(workspaces.id, workspaceInvitations.workspaceId))
    .where(
      and(
        eq(workspaceInvitations.tokenHash, hashSecret(token)),
        open(),
        gt(workspaceInvitations.expiresAt, new Date(now)),
      ),
    );
  return row ?? null;
}

export type AcceptOutcome = { ok: true; workspaceId: string } | { ok: false; reason: "invalid" | "wrong-account" };

/**
 * Joins the user to the invitation's workspace (and selects it). Only an account whose e-mail is the
 * invited address can accept; the conditional update makes the link single use.
 */
export async function acceptInvitation(
  db: Database,
  token: string,
  user: { id: string; email: string },
): Promise<AcceptOutcome> {
  const invitation = await findInvitation(db, token);
  if (!invitation) return { ok: false, reason: "invalid" };
  if (invitation.email !== user.email.toLowerCase()) return { ok: false, reason: "wrong-account" };
  const now = new Date();
  const [claimed] = await db
    .update(workspaceInvitations)
    .set({ acceptedAt: now, acceptedBy: user.id })
    .where(and(eq(workspaceInvitations.id, invitation.id), open(), gt(workspaceInvitations.expiresAt, now)))
    .returning({ workspaceId: workspaceInvitations.workspaceId });
  if (!claimed) return { ok: false, reason: "invalid" };
  await db
    .insert(workspaceMembers)
    .values({ workspaceId: claimed.workspaceId, userId: user.id, role: "member", createdAt: now, selectedAt: now })
    .onConflictDoUpdate({
      target: [workspaceMembers.workspaceId, workspaceMembers.userId],
      set: { selectedAt: now },
    });
  return { ok: true, workspaceId: claimed.workspaceId };
}
