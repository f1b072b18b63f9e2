// A small typed client for Alva's JSON API (README, "JSON API"): signs in, refreshes on its own when the
// access token is about to expire or is refused, and reads problem documents into errors. It is also
// what the e2e suite runs against the production build (tests/e2e/api.spec.ts), so it stays working.
//
//   node scripts/api-client.ts http://localhost:5173 <e-mail or username> <password>
// signs in, refreshes, prints who it is and the current workspace's plans, and signs out.

export interface Tokens {
  accessToken: string;
  tokenType: "Bearer";
  expiresIn: number;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  sessionId: string;
}

export interface Me {
  id: string;
  username: string;
  email: string;
  displayName: string | null;
  role: "user" | "moderator" | "admin";
  emailVerified: boolean;
  createdAt: string;
}

export interface PlanJob {
  id: string;
  kind: "plan" | "section";
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  resultPlanId: string | null;
  lastError: string | null;
  progress: { sectionsDone: string[]; sectionsTotal: number };
  createdAt: string;
}

export interface Plans {
  plans: { id: string; version: number; model: string; isDemo: boolean; createdAt: string; updatedAt: string }[];
  /** Pass to listPlans for the next (older) page; null on the last one. */
  nextCursor: string | null;
  /** The newest plan requests (first page only). */
  jobs: PlanJob[];
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId: string;
  errors?: { pointer: string; message: string }[];
}

/** A problem document the API answered with. */
export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(`${problem.status} ${problem.title}: ${problem.detail} (request ${problem.requestId})`);
    this.problem = problem;
  }
}

/** Refresh this long before the access token's expiry, so a request never carries a token about to lapse. */
const EXPIRY_MARGIN_MS = 30_000;

export class AlvaClient {
  private tokens: Tokens | null = null;
  private expiresAt = 0;

  readonly baseUrl: string;
  private readonly options: { headers?: Record<string, string> };

  constructor(baseUrl: string, options: { headers?: Record<string, string> } = {}) {
    this.baseUrl = baseUrl;
    this.options = options;
  }

  get session(): Tokens | null {
    return this.tokens;
  }

  async signIn(login: string, password: string): Promise<Tokens> {
    return this.keep(await this.call<Tokens>("POST", "/api/v1/auth/token", { body: { login, password } }));
  }

  /** Trades the refresh token for a new pair (the old refresh token is spent). */
  async refresh(): Promise<Tokens> {
    if (!this.tokens) throw new Error("Not signed in");
    const refreshToken = this.tokens.refreshToken;
    return this.keep(await this.call<Tokens>("POST", "/api/v1/auth/refresh", { body: { refreshToken } }));
  }

  async signOut(): Promise<void> {
    await this.authed<null>("POST", "/api/v1/auth/logout");
    this.tokens = null;
  }

  me(): Promise<Me> {
    return this.authed("GET", "/api/v1/auth/me");
  }

  listPlans(cursor?: string): Promise<Plans> {
    return this.authed("GET", cursor ? `/api/v1/plans?cursor=${encodeURIComponent(cursor)}` : "/api/v1/plans");
  }

  /** Asks for a plan; the same idempotency key on a retry answers with the same job. */
  generatePlan(idempotencyKey = crypto.randomUUID()): Promise<{ job: PlanJob; created: boolean }> {
    return this.authed("POST", "/api/v1/plans", { headers: { "Idempotency-Key": idempotencyKey } });
  }

  planJob(id: string): Promise<PlanJob> {
    return this.authed("GET", `/api/v1/plans/jobs/${encodeURIComponent(id)}`);
  }

  answerCard(cardId: string, answer: Record<string, unknown>): Promise<{ id: string; answered: boolean }> {
    return this.authed("PUT", `/api/v1/onboarding/cards/${encodeURIComponent(cardId)}`, { body: { answer } });
  }

  private keep(tokens: Tokens): Tokens {
    this.tokens = tokens;
    this.expiresAt = Date.now() + tokens.expiresIn * 1000;
    return tokens;
  }

  /** A call with the access token, refreshed first when close to expiry, and once more after a 401. */
  private async authed<T>(
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string> } = {},
  ) {
    if (!this.tokens) throw new Error("Not signed in");
    if (Date.now() > this.expiresAt - EXPIRY_MARGIN_MS) await this.refresh();
    try {
      return await this.call<T>(method, path, { ...init, token: this.tokens.accessToken });
    } catch (error) {
      if (!(error instanceof ApiError) || error.problem.status !== 401) throw error;
      await this.refresh();
      return this.call<T>(method, path, { ...init, token: this.tokens.accessToken });
    }
  }

  private async call<T>(
    method: string,
    path: string,
    init: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json", ...this.options.headers, ...init.headers };
    if (init.token) headers.Authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    if (response.status === 204) return null as T;
    const body = (await response.json()) as unknown;
    if (!response.ok) throw new ApiError(body as Problem);
    return body as T;
  }
}

if (import.meta.main) {
  const [baseUrl, login, password] = process.argv.slice(2);
  if (!baseUrl || !login || !password) {
    console.error("usage: node scripts/api-client.ts <base URL> <e-mail or username> <password>");
    process.exit(2);
  }
  const client = new AlvaClient(baseUrl);
  await client.signIn(login, password);
  await client.refresh();
  const me = await client.me();
  const { plans, jobs } = await client.listPlans();
  console.log(`Signed in as @${me.username}; ${plans.length} plan(s), ${jobs.length} plan request(s).`);
  for (const plan of plans) console.log(`  plan ${plan.id} v${plan.version} (${plan.model}) ${plan.updatedAt}`);
  await client.signOut();
}
