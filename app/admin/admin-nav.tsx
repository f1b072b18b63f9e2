// The tabs above every admin page. One list for the whole admin area: statistics, settings and system
// pages add nothing here but their own routes. Moderators see only what they may open.
import { NavLink } from "react-router";
import type { Role } from "../../db/schema.ts";

const tabs: { to: string; label: string; end?: boolean; moderators?: boolean }[] = [
  { to: "/admin", label: "Overview", end: true },
  { to: "/admin/users", label: "Users", moderators: true },
  { to: "/admin/audit", label: "Audit log" },
  { to: "/admin/stats", label: "Statistics" },
  { to: "/admin/settings", label: "Settings" },
  { to: "/admin/system", label: "System" },
];

const tabClass = ({ isActive }: { isActive: boolean }) =>
  `rounded-md px-3 py-1.5 text-sm ${isActive ? "bg-zinc-100 font-medium dark:bg-zinc-800" : "text-zinc-600 hover:bg-zinc-50 dark:text-zinc-400 dark:hover:bg-zinc-900"}`;

export function AdminNav({ viewer }: { viewer: Role }) {
  return (
    <nav aria-label="Admin" className="flex flex-wrap gap-1 border-b border-zinc-200 pb-3 dark:border-zinc-800">
      {tabs
        .filter((tab) => viewer === "admin" || tab.moderators)
        .map((tab) => (
          <NavLink key={tab.to} to={tab.to} end={tab.end} className={tabClass} prefetch="none">
            {tab.label}
          </NavLink>
        ))}
    </nav>
  );
}
