// Display helpers shared by the settings and admin pages. Times are formatted by hand in UTC so the
// server-rendered text and the hydrated text are identical whatever the browser's locale or zone.
import type { Role, SecurityEventType } from "../../db/schema.ts";

const pad = (value: number) => String(value).padStart(2, "0");

/** "2025-03-14 09:26 UTC" */
export function formatTime(ms: number): string {
  const date = new Date(ms);
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

const eventWords: Record<SecurityEventType, string> = {
  "sign-in": "Signed in",
  "sign-in-failed": "Failed sign-in attempt",
  "sign-out": "Signed out",
  "password-changed": "Password changed",
  "password-reset": "Password reset with an e-mailed link",
  "email-changed": "E-mail address changed",
  "email-verified": "E-mail address verified",
  "session-revoked": "Session ended",
  "account-created": "Account created",
  "role-changed": "Role changed by an administrator",
  "magic-link-sign-in": "Signed in with an e-mailed link",
  "provider-linked": "Sign-in provider connected",
  "provider-unlinked": "Sign-in provider disconnected",
  "password-set": "Password added",
  "api-sign-in": "Signed in to the API (an app or script)",
  "api-token-reuse": "An already used API refresh token was presented again; that API sign-in was ended",
  "data-exported": "Your data was prepared for download",
  "account-deleted": "Account deleted",
  "account-restored": "Account restored by an administrator",
  "account-disabled": "Account disabled by an administrator",
  "account-enabled": "Account enabled again by an administrator",
  "signed-out-by-admin": "Signed out everywhere by an administrator",
};

/** What a security event means, in words; an unknown type (newer code, older page) is shown as is. */
export function describeSecurityEvent(type: string): string {
  return (eventWords as Record<string, string | undefined>)[type] ?? type;
}

export const roleNames: Record<Role, string> = { user: "User", moderator: "Moderator", admin: "Admin" };

/** The roles in the order a picker shows them (db/schema.ts's list, without importing drizzle into the browser). */
export const roleOptions = ["user", "moderator", "admin"] as const satisfies readonly Role[];
