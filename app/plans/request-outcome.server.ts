// What a page does with the job service's answer to "generate", "regenerate a section" or "retry": a
// new or live job → go and watch it; a refusal → the same page again with a message the user can act
// on (the missing cards as links, when to try again, or that no AI provider is configured), with a
// status code that says what happened (422, 429 with Retry-After, 503).
import { data, redirect } from "react-router";
import type { User } from "../accounts/session.server.ts";
import { cards } from "../onboarding/cards.ts";
import type { RequestResult } from "./jobs.server.ts";
import { jobPath } from "./paths.ts";

export type RequestProblem =
  | { reason: "profile_incomplete"; missingCards: { id: string; title: string }[] }
  | { reason: "rate_limited"; retryAfterMinutes: number }
  | { reason: "no_provider" }
  | { reason: "email_unverified" };

/** Onboarding card id → title (for "based on" lines and the missing-cards message). */
export const cardTitles: Record<string, string> = Object.fromEntries(cards.map((card) => [card.id, card.title]));

export function requestOutcome(result: RequestResult) {
  if (result.ok) return redirect(jobPath(result.job.id), 303);
  switch (result.reason) {
    case "profile_incomplete":
      return data(
        {
          problem: {
            reason: result.reason,
            missingCards: result.missingCards.map((id) => ({ id, title: cardTitles[id] ?? id })),
          } satisfies RequestProblem,
        },
        { status: 422 },
      );
    case "rate_limited":
      return data(
        {
          problem: {
            reason: result.reason,
            retryAfterMinutes: Math.max(1, Math.ceil(result.retryAfterSeconds / 60)),
          } satisfies RequestProblem,
        },
        { status: 429, headers: { "Retry-After": String(Math.ceil(result.retryAfterSeconds)) } },
      );
    case "no_provider":
      return data({ problem: { reason: result.reason } satisfies RequestProblem }, { status: 503 });
  }
}

/**
 * Model calls cost money: like everything else that does (the shell's banner says so), they wait until
 * the account's e-mail address is verified. Null when the user may go ahead.
 */
export function unverifiedRefusal(user: User) {
  if (user.emailVerifiedAt) return null;
  return data({ problem: { reason: "email_unverified" } satisfies RequestProblem }, { status: 403 });
}

/** Headers of a page whose action may ask for a job: never cached, and a refusal's Retry-After kept. */
export function planPageHeaders({ actionHeaders }: { actionHeaders: Headers }): Headers {
  const headers = new Headers({ "Cache-Control": "no-store" });
  const retryAfter = actionHeaders.get("Retry-After");
  if (retryAfter) headers.set("Retry-After", retryAfter);
  return headers;
}
