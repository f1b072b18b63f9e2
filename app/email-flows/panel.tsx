import type { ReactNode } from "react";

/** The frame of every e-mail-flow page: a narrow column with a heading. */
export function Panel({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="mx-auto max-w-md space-y-5" aria-labelledby="panel-title">
      <h1 id="panel-title" className="text-2xl font-semibold tracking-tight">
        {title}
      </h1>
      {children}
    </section>
  );
}
