// Messages the plan pages share: why a request for a plan was refused, how an AI provider is set up
// (administrators get the variables; everyone else is told whom to ask), and the notice on plans the
// offline demo model wrote.
import { Link } from "react-router";
import type { RequestProblem } from "./request-outcome.server.ts";

const alertClass =
  "space-y-2 rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100";
const noteClass =
  "space-y-2 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100";

export function ProviderHint({ isAdmin }: { isAdmin: boolean }) {
  return isAdmin ? (
    <p data-testid="provider-hint">
      To configure one, set <code>OPENAI_API_KEY</code> (and, for another OpenAI-compatible provider such as Azure
      OpenAI, Cloudflare AI Gateway, Workers AI, Ollama or vLLM, <code>OPENAI_BASE_URL</code> and{" "}
      <code>OPENAI_MODEL</code>) as Worker secrets, e.g. <code>npx wrangler secret put OPENAI_API_KEY</code>. The
      README's “AI providers” section lists what to set for each provider.
    </p>
  ) : (
    <p data-testid="provider-hint">Ask an administrator of this Alva instance to configure an AI provider.</p>
  );
}

export function RequestProblemMessage({ problem, isAdmin }: { problem: RequestProblem; isAdmin: boolean }) {
  switch (problem.reason) {
    case "profile_incomplete":
      return (
        <div role="alert" className={alertClass} data-testid="request-problem">
          <p className="font-medium">Your business profile is missing answers the plan needs:</p>
          <ul className="list-disc pl-5">
            {problem.missingCards.map((card) => (
              <li key={card.id}>
                <Link to={`/onboarding/${card.id}?return=summary`} className="underline">
                  {card.title}
                </Link>
              </li>
            ))}
          </ul>
        </div>
      );
    case "rate_limited":
      return (
        <div role="alert" className={alertClass} data-testid="request-problem">
          <p>
            Your workspace has used its plan generations for now (10 a day). Try again in about{" "}
            {problem.retryAfterMinutes} minute{problem.retryAfterMinutes === 1 ? "" : "s"}.
          </p>
        </div>
      );
    case "no_provider":
      return (
        <div role="alert" className={alertClass} data-testid="request-problem">
          <p className="font-medium">No AI provider configured, so Alva cannot write a plan.</p>
          <ProviderHint isAdmin={isAdmin} />
        </div>
      );
    case "email_unverified":
      return (
        <div role="alert" className={alertClass} data-testid="request-problem">
          <p>
            Please verify your e-mail address first: plans are written by a paid AI service.{" "}
            <Link to="/verify-email" className="underline">
              Enter the code we sent
            </Link>
          </p>
        </div>
      );
  }
}

/** On every plan the offline demo model wrote, at the top, in words nobody can misread. */
export function DemoModelNotice({ isAdmin }: { isAdmin: boolean }) {
  return (
    <div role="note" className={noteClass} data-testid="demo-notice">
      <p className="font-semibold">This plan was NOT written by an AI.</p>
      <p>
        It comes from Alva's offline demo model (<code>alva-demo</code>), which assembles a plan from your answers with
        fixed rules so the app can be tried without an AI provider. Its advice is generic.
      </p>
      <ProviderHint isAdmin={isAdmin} />
    </div>
  );
}
