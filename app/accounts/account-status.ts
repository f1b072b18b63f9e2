// Whether an account may be used at all: the one check every way in applies (password, e-mailed link
// and OAuth sign-in, every session cookie, API token grant, refresh and bearer call, chat sockets through
// their sessions). A disabled account (an admin's switch, app/admin) and a deleted one (its owner's or
// an admin's deletion, purged later) are refused with a message saying which.
import { isNull } from "drizzle-orm";
import { users } from "../../db/schema.ts";

export type AccountRefusal = { reason: "disabled"; message: string } | { reason: "deleted"; message: string };

export const ACCOUNT_DISABLED_MESSAGE =
  "This account is disabled. Ask an administrator of this Alva instance if you think this is a mistake.";
export const ACCOUNT_DELETED_MESSAGE =
  "This account has been deleted. Ask an administrator of this Alva instance if you want it back.";

/** Why `user` may not sign in or use the API, or null when it may. Deleted wins over disabled. */
export function accountRefusal(user: {
  disabledAt: Date | null | undefined;
  deletedAt: Date | null | undefined;
}): AccountRefusal | null {
  if (user.deletedAt) return { reason: "deleted", message: ACCOUNT_DELETED_MESSAGE };
  if (user.disabledAt) return { reason: "disabled", message: ACCOUNT_DISABLED_MESSAGE };
  return null;
}

/** The same check as SQL, for queries that must only see usable accounts (live chat sessions). */
export const usableAccount = () => [isNull(users.disabledAt), isNull(users.deletedAt)] as const;

/** Thrown by sign-in helpers that have no page of their own to answer with; each caller shows the message. */
export class AccountRefusedError extends Error {
  constructor(readonly refusal: AccountRefusal) {
    super(refusal.message);
    this.name = "AccountRefusedError";
  }
}

/** Throws AccountRefusedError when `user` may not be used. */
export function assertAccountUsable(user: Parameters<typeof accountRefusal>[0]): void {
  const refusal = accountRefusal(user);
  if (refusal) throw new AccountRefusedError(refusal);
}
