// What the fake OpenAI server (server.ts) can answer a call with; tests script them per job.
export type FakeScenario =
  | "ok"
  /** 429 with Retry-After: 1. */
  | "rate-limited"
  | "server-error"
  | "unauthorized"
  | "bad-request"
  /** Accepts the request and never answers. */
  | "timeout"
  | "invalid-json"
  /** Well-formed JSON whose executiveSummary breaks the schema. */
  | "schema"
  /** Valid against the schema, but the budget lines do not add up (a server-check violation). */
  | "checks"
  /** Streams part of the answer, then drops the connection. */
  | "truncated"
  | "refusal"
  /** An answer of several megabytes. */
  | "huge"
  /** Like ok, but each streamed piece waits 300 ms (time to cancel mid-stream). */
  | "slow";
