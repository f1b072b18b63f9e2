// The audit log of admin and moderator actions (/admin/audit). Append-only by construction: this
// module inserts and reads, and nothing in the app updates or deletes an `audit_log` row.
import type { Database } from "../../db/client.ts";
import { auditLog } from "../../db/schema.ts";
import { clientIp } from "../accounts/client-ip.server.ts";

export interface AuditEntry {
  actor: { id: string; username: string };
  /** A dotted verb: `user.disable`, `user.role`, `settings.signup-policy`, `chat.message-delete`, … */
  action: string;
  target?: { userId?: string | null; label: string };
  /** Old and new values and the like, stored as JSON. Never passwords, tokens or codes. */
  detail?: Record<string, unknown>;
  request: Request;
}

/** The statement that records `entry`, for a batch that must record it together with its change. */
export function auditInsert(db: Database, entry: AuditEntry) {
  return db.insert(auditLog).values({
    actorId: entry.actor.id,
    actorLabel: entry.actor.username,
    action: entry.action,
    targetUserId: entry.target?.userId ?? null,
    targetLabel: entry.target?.label ?? null,
    detail: entry.detail ? JSON.stringify(entry.detail) : null,
    ip: clientIp(entry.request),
    createdAt: new Date(),
  });
}

export async function recordAudit(db: Database, entry: AuditEntry): Promise<void> {
  await auditInsert(db, entry);
}
