import type { Toast as ToastData } from "./toast.server.ts";

const styles: Record<ToastData["kind"], string> = {
  success:
    "border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100",
  error: "border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100",
  info: "border-zinc-300 bg-zinc-50 text-zinc-900 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100",
};

/** A one-time message from the previous action; rendered by the server, so it needs no JavaScript. */
export function Toast({ toast }: { toast: ToastData }) {
  return (
    <div className="mx-auto w-full max-w-5xl px-4 pt-4">
      <p role="status" data-testid="toast" className={`rounded-md border px-4 py-2 text-sm ${styles[toast.kind]}`}>
        {toast.message}
      </p>
    </div>
  );
}
