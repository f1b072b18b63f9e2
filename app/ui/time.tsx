// A moment as people read it: "2 hours ago" in the viewer's own language, with the exact time in
// their own time zone on hover. The server cannot know the zone, so it renders the UTC time (what a
// page without JavaScript keeps showing); after hydration the browser swaps in the relative text.
// Both renders start identical, so there is no hydration mismatch.
import { useEffect, useState } from "react";
import { formatTime, isoTime } from "../settings/format.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function Time({ ms }: { ms: number }) {
  const [local, setLocal] = useState<{ text: string; exact: string } | null>(null);
  useEffect(() => {
    const update = () =>
      setLocal({
        text: relativeTime(ms, Date.now()),
        exact: new Date(ms).toLocaleString(undefined, { dateStyle: "full", timeStyle: "short" }),
      });
    update();
    const timer = setInterval(update, MINUTE);
    return () => clearInterval(timer);
  }, [ms]);
  return (
    <time dateTime={isoTime(ms)} title={local?.exact}>
      {local?.text ?? formatTime(ms)}
    </time>
  );
}

/** "just now", "5 minutes ago", "in 3 days", "yesterday"; beyond a week the local date and time. */
export function relativeTime(ms: number, now: number, locale?: string): string {
  const delta = ms - now;
  const distance = Math.abs(delta);
  if (distance < 45_000) return "just now";
  const words = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  if (distance < HOUR) return words.format(Math.round(delta / MINUTE), "minute");
  if (distance < DAY) return words.format(Math.round(delta / HOUR), "hour");
  if (distance < 7 * DAY) return words.format(Math.round(delta / DAY), "day");
  return new Date(ms).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
}
