// Which OpenAI-compatible model writes plans, read from the environment:
//   OPENAI_API_KEY   the provider's key (empty: no provider, unless OPENAI_BASE_URL points at one that needs none)
//   OPENAI_BASE_URL  empty = OpenAI; Azure OpenAI, Cloudflare AI Gateway, Workers AI, Ollama, vLLM otherwise
//   OPENAI_MODEL     the model id; "alva-demo" is the offline demo model (scripts/demo-model.ts), not an AI
//   OPENAI_TIMEOUT_SECONDS  optional: how long one call may take (default 120; a slow local model needs more)
// Production refuses the demo model: there, no key means "no AI provider configured", never a fake plan.
import OpenAI from "openai";
import { DEMO_MODEL } from "./models.ts";

export { DEMO_MODEL };

/** Used when OPENAI_MODEL is empty: a small model with strict structured outputs. */
export const DEFAULT_MODEL = "gpt-4.1-mini";
/** One model call may take this long before it counts as a (transient) timeout. */
export const MODEL_CALL_TIMEOUT_MS = 120_000;

/** The part of the Worker's env this module reads (tests pass a plain object). */
export interface AiEnv {
  ENVIRONMENT: string;
  OPENAI_API_KEY?: string;
  OPENAI_BASE_URL?: string;
  OPENAI_MODEL?: string;
  OPENAI_TIMEOUT_SECONDS?: string;
}

export type AiProvider =
  | { kind: "configured" | "demo"; model: string; baseURL: string | undefined; apiKey: string }
  | { kind: "none"; reason: string };

export function aiProvider(env: AiEnv): AiProvider {
  const apiKey = env.OPENAI_API_KEY?.trim() ?? "";
  const baseURL = env.OPENAI_BASE_URL?.trim() || undefined;
  const model = env.OPENAI_MODEL?.trim() || DEFAULT_MODEL;
  if (model === DEMO_MODEL) {
    if (env.ENVIRONMENT === "production") {
      return { kind: "none", reason: "The offline demo model is not allowed in production: set OPENAI_API_KEY." };
    }
    if (!baseURL) return { kind: "none", reason: "OPENAI_MODEL is the demo model but OPENAI_BASE_URL is empty." };
    // The demo server ignores the key; the SDK insists on one.
    return { kind: "demo", model, baseURL, apiKey: apiKey || DEMO_MODEL };
  }
  // Ollama and vLLM need no key, only their address; OpenAI itself needs a key.
  if (!apiKey && !baseURL) return { kind: "none", reason: "No AI provider configured: set OPENAI_API_KEY." };
  return { kind: "configured", model, baseURL, apiKey: apiKey || "none" };
}

/** The per-call timeout: OPENAI_TIMEOUT_SECONDS when it is a positive number, else MODEL_CALL_TIMEOUT_MS. */
export function callTimeoutMs(env: AiEnv): number {
  const seconds = Number(env.OPENAI_TIMEOUT_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : MODEL_CALL_TIMEOUT_MS;
}

/**
 * A client for one job. The SDK's own retries are off: a failed call goes back to the queue, which retries
 * with backoff and counts attempts, so a call is never repeated behind the job's back.
 */
export function openAiClient(
  provider: Extract<AiProvider, { kind: "configured" | "demo" }>,
  options: { timeoutMs?: number } = {},
): OpenAI {
  return new OpenAI({
    apiKey: provider.apiKey,
    baseURL: provider.baseURL,
    timeout: options.timeoutMs ?? MODEL_CALL_TIMEOUT_MS,
    maxRetries: 0,
  });
}
