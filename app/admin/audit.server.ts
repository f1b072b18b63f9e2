// The audit log of admin and moderator actions (/admin/audit). Append-only by construction: this
// module inserts and reads, and nothing in the app updates or deletes an `audit_log` row.
import { and, desc, eq, gte, lt } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import { auditLog } from "../../db/schema.ts";
import { clientIp } from "../accounts/client-ip.server.ts";
import { toCsv } from "../platform/csv.ts";

export interface AuditEntry {
  actor: { id: string; username: string };
  /** A dotted verb: `user.disable`, `user.role`, `settings.signup-policy`, `chat.message-delete`, … */
  action: string;
  target?: { userId?: string | null; label: string };
  /** Old and new values and the like, stored as JSON. Never passwords, tokens or codes. */
  detail?: Record<string, unknown>;
  /** Where the action came from: the request's client address, or the address itself (a chat socket's). */
  request: Request | { ip: string | null };
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
    ip: entry.request instanceof Request ? clientIp(entry.request) : entry.request.ip,
    createdAt: new Date(),
  });
}

export async function recordAudit(db: Database, entry: AuditEntry): Promise<void> {
  await auditInsert(db, entry);
}

// ── Reading: /admin/audit and /admin/audit.csv ─────────────────────────────────────────────────

export const AUDIT_PAGE_SIZE = 50;
/** The CSV export's ceiling per download; narrow the dates for more. */
export const AUDIT_CSV_LIMIT = 10_000;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
  .optional()
  .catch(undefined);

/** The filters, from the query string; anything unreadable means "any". */
export const auditFilterSchema = z.object({
  /** The actor's username when it happened (with or without @). */
  actor: z
    .string()
    .trim()
    .toLowerCase()
    .max(64)
    .transform((value) => value.replace(/^@/, ""))
    .catch(""),
  action: z
    .string()
    .trim()
    .max(64)
    .regex(/^[a-z.-]*$/)
    .catch(""),
  /** Inclusive UTC days. */
  from: day,
  to: day,
  /** The id of the last entry of the previous page. */
  after: z.coerce.number().int().positive().optional().catch(undefined),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

export function readAuditFilter(url: URL): AuditFilter {
  const param = (name: string) => url.searchParams.get(name) || undefined;
  return auditFilterSchema.parse({
    actor: param("actor") ?? "",
    action: param("action") ?? "",
    from: param("from"),
    to: param("to"),
    after: param("after"),
  });
}

export function auditFilterQuery(filter: AuditFilter, after?: number): string {
  const params = new URLSearchParams();
  if (filter.actor) params.set("actor", filter.actor);
  if (filter.action) params.set("action", filter.action);
  if (filter.from) params.set("from", filter.from);
  if (filter.to) params.set("to", filter.to);
  if (after) params.set("after", String(after));
  const query = params.toString();
  return query ? `?${query}` : "";
}

export interface AuditRow {
  id: number;
  actorId: string;
  actorLabel: string;
  action: string;
  targetUserId: string | null;
  targetLabel: string | null;
  detail: string | null;
  ip: string | null;
  createdAt: number;
}

/**
 * Entries matching `filter`, newest first. The id grows with time (AUTOINCREMENT), so the keyset is
 * the id alone and the time range narrows it: `audit_log_actor_time` / `audit_log_action_time` /
 * `audit_log_time` serve the filters.
 */
export async function listAudit(
  db: Database,
  filter: AuditFilter & { targetUserId?: string },
  limit = AUDIT_PAGE_SIZE,
): Promise<{ rows: AuditRow[]; next: number | null }> {
  const from = filter.from ? new Date(`${filter.from}T00:00:00Z`) : undefined;
  const to = filter.to ? new Date(Date.parse(`${filter.to}T00:00:00Z`) + 24 * 60 * 60 * 1000) : undefined;
  const found = await db
    .select()
    .from(auditLog)
    .where(
      and(
        filter.actor ? eq(auditLog.actorLabel, filter.actor) : undefined,
        filter.action ? eq(auditLog.action, filter.action) : undefined,
        filter.targetUserId ? eq(auditLog.targetUserId, filter.targetUserId) : undefined,
        from ? gte(auditLog.createdAt, from) : undefined,
        to ? lt(auditLog.createdAt, to) : undefined,
        filter.after ? lt(auditLog.id, filter.after) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(limit + 1);
  const rows = found.slice(0, limit).map((row) => ({ ...row, createdAt: row.createdAt.getTime() }));
  return { rows, next: found.length > limit ? (rows.at(-1)?.id ?? null) : null };
}

/** The actions seen so far, for the filter's list. */
export async function auditActions(db: Database): Promise<string[]> {
  const rows = await db.selectDistinct({ action: auditLog.action }).from(auditLog).orderBy(auditLog.action);
  return rows.map((row) => row.action);
}

/** The audit log as a spreadsheet-safe CSV (app/platform/csv.ts). */
export function auditCsv(rows: AuditRow[]): string {
  const header = ["time (UTC)", "actor", "actor id", "action", "target", "target id", "detail", "ip"];
  return toCsv(
    header,
    rows.map((row) => [
      new Date(row.createdAt).toISOString(),
      row.actorLabel,
      row.actorId,
      row.action,
      row.targetLabel,
      row.targetUserId,
      row.detail,
      row.ip,
    ]),
  );
}
