// The per-user security log shown at /settings/security. Entries say what happened, when, from
// which IP and device; they never contain passwords, tokens or codes (callers pass none).
import { desc, eq } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { type SecurityEventType, securityEvents } from "../../db/schema.ts";
import { clientIp } from "./client-ip.server.ts";
import { describeDevice } from "./device.ts";

export interface SecurityEvent {
  userId: string;
  type: SecurityEventType;
  request: Request;
  detail?: string;
}

export async function recordSecurityEvent(db: Database, event: SecurityEvent): Promise<void> {
  await securityEventInsert(db, event);
}

/** The statement that records `event`, for a batch that must record it together with its change. */
export function securityEventInsert(db: Database, event: SecurityEvent) {
  return db.insert(securityEvents).values({
    userId: event.userId,
    type: event.type,
    ip: clientIp(event.request),
    device: describeDevice(event.request.headers.get("User-Agent")),
    detail: event.detail ?? null,
    createdAt: new Date(),
  });
}

export function listSecurityEvents(db: Database, userId: string, limit = 100) {
  return db
    .select()
    .from(securityEvents)
    .where(eq(securityEvents.userId, userId))
    .orderBy(desc(securityEvents.createdAt), desc(securityEvents.id))
    .limit(limit);
}
