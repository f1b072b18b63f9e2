// The tabs above every settings page, rendered once by settings-layout.tsx.
import { NavLink } from "react-router";

const tabs = [
  { to: "/settings", label: "Account", end: true },
  { to: "/settings/profile", label: "Profile" },
  { to: "/settings/sessions", label: "Sessions" },
  { to: "/settings/security", label: "Security activity" },
  { to: "/settings/password", label: "Password" },
  { to: "/settings/email", label: "E-mail" },
  { to: "/settings/connections", label: "Connections" },
  { to: "/settings/account", label: "Your data" },
];

const tabClass = ({ isActive }: { isActive: boolean }) =>
  `rounded-md px-3 py-1.5 text-sm ${isActive ? "bg-zinc-100 font-medium dark:bg-zinc-800" : "text-zinc-600 hover:bg-zinc-50 dark:text-zinc-400 dark:hover:bg-zinc-900"}`;

export function SettingsNav() {
  return (
    <nav aria-label="Settings" className="flex flex-wrap gap-1 border-b border-zinc-200 pb-3 dark:border-zinc-800">
      {tabs.map((tab) => (
        <NavLink key={tab.to} to={tab.to} end={tab.end} className={tabClass}>
          {tab.label}
        </NavLink>
      ))}
    </nav>
  );
}
