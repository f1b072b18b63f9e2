// Around every /settings page: the one "Settings" heading and the tabs (settings-nav.tsx), so a page
// renders only its own part, titled by an h2.
import { Outlet } from "react-router";
import { SettingsNav } from "./settings-nav.tsx";

export default function SettingsLayout() {
  return (
    <section className="space-y-6" aria-labelledby="settings-title">
      <h1 id="settings-title" className="text-2xl font-semibold tracking-tight">
        Settings
      </h1>
      <SettingsNav />
      <Outlet />
    </section>
  );
}
