// What the user list filters on, in words and as a badge: shared by the list, a user's page and the
// server module that queries (user-list.server.ts).
import { providerOrder } from "../oauth/providers.ts";

export const userStatuses = ["active", "unverified", "disabled", "deleted"] as const;
export type UserStatus = (typeof userStatuses)[number];
export const signInMethods = ["password", "passwordless", ...providerOrder] as const;
export type SignInMethod = (typeof signInMethods)[number];
export const userSorts = ["newest", "oldest", "username", "email"] as const;
export type UserSort = (typeof userSorts)[number];

export const statusNames: Record<UserStatus, string> = {
  active: "Active",
  unverified: "Unverified",
  disabled: "Disabled",
  deleted: "Deleted",
};

export function StatusBadge({ status }: { status: UserStatus }) {
  const tone =
    status === "active"
      ? "border-emerald-300 text-emerald-800 dark:border-emerald-800 dark:text-emerald-300"
      : status === "unverified"
        ? "border-amber-300 text-amber-900 dark:border-amber-800 dark:text-amber-200"
        : "border-red-300 text-red-800 dark:border-red-800 dark:text-red-300";
  return <span className={`rounded-full border px-2 py-0.5 text-xs ${tone}`}>{statusNames[status]}</span>;
}
