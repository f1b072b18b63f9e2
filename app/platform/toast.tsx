import { useState } from "react";
import { useLocation } from "react-router";
import type { Toast as ToastData } from "./toast.server.ts";

const styles: Record<ToastData["kind"], string> = {
  success:
    "border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100",
  error: "border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100",
  info: "border-zinc-300 bg-zinc-50 text-zinc-900 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100",
};

/**
 * A one-time message from the previous action; rendered by the server, so it needs no JavaScript.
 * "Dismiss" is a link to this same page: the message is read once, so reloading drops it without
 * JavaScript; with JavaScript the click just hides it.
 */
export function Toast({ toast }: { toast: ToastData }) {
  const [dismissed, setDismissed] = useState(false);
  const location = useLocation();
  if (dismissed) return null;
  return (
    <div className="mx-auto w-full max-w-5xl px-4 pt-4">
      <div
        className={`flex items-start justify-between gap-3 rounded-md border px-4 py-2 text-sm ${styles[toast.kind]}`}
      >
        <p role="status" data-testid="toast">
          {toast.message}
        </p>
        <a
          href={`${location.pathname}${location.search}`}
          onClick={(event) => {
            event.preventDefault();
            setDismissed(true);
          }}
          className="shrink-0 rounded px-1 leading-5 opacity-70 hover:opacity-100"
        >
          <span aria-hidden="true">✕</span>
          <span className="sr-only">Dismiss this message</span>
        </a>
      </div>
    </div>
  );
}
