// Shared by the e-mail flow tests (not a test file itself): reading the dev outbox and comparing pages.
import { and, desc, eq, gt } from "drizzle-orm";
import { expect } from "vitest";
import { devOutbox, type SecurityEventType, securityEvents } from "../../db/schema.ts";
import { testDb } from "../worker-helpers.ts";

export type Mail = typeof devOutbox.$inferSelect;

/** Every message to `to`, newest first. */
export function mailTo(to: string): Promise<Mail[]> {
  return testDb().select().from(devOutbox).where(eq(devOutbox.to, to.toLowerCase())).orderBy(desc(devOutbox.id));
}

/** The newest message to `to`; fails the test when there is none. */
export async function lastMailTo(to: string): Promise<Mail> {
  const [mail] = await mailTo(to);
  expect(mail, `a mail to ${to}`).toBeDefined();
  return mail!;
}

export function codeIn(mail: Pick<Mail, "text">): string {
  // The digits right after the word "code" (an address in the mail may hold 8 digits of its own).
  const code = /\bcode\b\D*?(\d{8})(?!\d)/.exec(mail.text)?.[1];
  expect(code, "an 8-digit code in the mail").toBeDefined();
  return code!;
}

/** The absolute link in the mail that goes to `path` (e.g. "/verify-email"). */
export function linkIn(mail: Pick<Mail, "text">, path: string): URL {
  const href = mail.text.match(/https?:\/\/\S+/g)?.find((candidate) => new URL(candidate).pathname === path);
  expect(href, `a link to ${path} in the mail`).toBeDefined();
  return new URL(href!);
}

export function tokenIn(mail: Pick<Mail, "text">, path: string): string {
  const token = linkIn(mail, path).searchParams.get("token");
  expect(token).toMatch(/^[a-z2-7]{32}$/);
  return token!;
}

/** Messages newer than `afterId`: lets a test say "nothing was sent". */
export async function mailSince(afterId: number, to?: string): Promise<Mail[]> {
  const rows = await testDb()
    .select()
    .from(devOutbox)
    .where(to ? and(gt(devOutbox.id, afterId), eq(devOutbox.to, to)) : gt(devOutbox.id, afterId));
  return rows;
}

export async function lastOutboxId(): Promise<number> {
  const [row] = await testDb().select({ id: devOutbox.id }).from(devOutbox).orderBy(desc(devOutbox.id)).limit(1);
  return row?.id ?? 0;
}

export async function eventTypes(userId: string): Promise<SecurityEventType[]> {
  const rows = await testDb()
    .select({ type: securityEvents.type })
    .from(securityEvents)
    .where(eq(securityEvents.userId, userId));
  return rows.map((row) => row.type);
}

/** A page's HTML without what differs on every response anyway (request id, CSP nonce). */
export function comparable(html: string): string {
  return html
    .replace(/nonce="[^"]*"/g, 'nonce=""')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>");
}

/** The toast a response sets, decoded. */
export function toastOf(response: Response): { kind: string; message: string } | null {
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith("toast="));
  if (!cookie) return null;
  return JSON.parse(decodeURIComponent(cookie.slice("toast=".length, cookie.indexOf(";"))));
}

/** A random documentation-range IP, so per-IP limits of one test don't spill into another. */
export function randomIp(): string {
  // Random in the /64 part: per-client limits count an IPv6 client by its /64.
  return `2001:db8:${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}::1`;
}
