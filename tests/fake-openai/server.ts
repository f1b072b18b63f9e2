// A fake OpenAI-compatible server for tests and the plans benchmark: POST /v1/chat/completions, streamed
// (SSE) or not, answered through the app's real `openai` SDK path. Never used by the app itself.
// A request without a response_format is Alva chatting in a room: see chatReply.
//
// The answer fits the request's structured-output schema: it takes the top-level property names of
// `response_format.json_schema.schema` (all eleven sections for a plan, one for a section rewrite, the
// offending ones for a correction) from a fixture plan built for the request's start date, budget and
// currency (read from the JSON in the user message), so the default answer passes the server checks.
//
// Choosing what happens: requests are grouped by the `X-Alva-Job` header (the consumer sends the job id).
// A test scripts a job's calls with POST /_control/jobs/<job> `{ "scenarios": [<scenario>, …] }`: the
// first call gets the first scenario, and so on; calls past the script get "ok". GET /_control/jobs/<job>
// answers `{ calls, requests }` (the request bodies); GET /_control/stats counts calls per job.
// Server-wide options: `latencyMs` per answer, and `failRate` (a share of calls answered with a
// transient 429 or 500 whatever the script says, for the benchmark).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { buildFixturePlan } from "./fixture-plan.ts";
import type { FakeScenario } from "./scenarios.ts";

export interface FakeOpenAiOptions {
  port?: number;
  /** Time an "ok" answer takes in total, spread over its streamed pieces. */
  latencyMs?: number;
  /** Share (0–1) of calls answered with a transient 429 or 500, before any script. */
  failRate?: number;
}

interface JobLog {
  script: FakeScenario[];
  calls: number;
  requests: unknown[];
}

const PIECES = 12;
export const FAKE_REFUSAL = "I'm sorry, I can't help with that request.";
export const JOB_HEADER = "x-alva-job";

export async function startFakeOpenAiServer(options: FakeOpenAiOptions = {}) {
  const jobs = new Map<string, JobLog>();
  const sockets = new Set<Socket>();
  const latencyMs = options.latencyMs ?? 0;
  const failRate = options.failRate ?? 0;
  let failToggle = false;

  const job = (key: string): JobLog => {
    const log = jobs.get(key) ?? { script: [], calls: 0, requests: [] };
    jobs.set(key, log);
    return log;
  };

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? "/", "http://fake");
    const body = await readBody(request);
    const control = url.pathname.match(/^\/_control\/jobs\/([^/]+)$/);
    if (control) {
      const log = job(decodeURIComponent(control[1]!));
      if (request.method === "POST") {
        log.script = (JSON.parse(body) as { scenarios: FakeScenario[] }).scenarios;
        return json(response, 200, { ok: true });
      }
      return json(response, 200, { calls: log.calls, requests: log.requests });
    }
    if (url.pathname === "/_control/stats") {
      return json(response, 200, {
        calls: Object.fromEntries([...jobs].map(([key, log]) => [key, log.calls])),
      });
    }
    if (request.method !== "POST" || !url.pathname.endsWith("/chat/completions")) {
      return json(response, 404, { error: { message: "Not found", type: "invalid_request_error" } });
    }

    const params = JSON.parse(body) as ChatRequest;
    const log = job(String(request.headers[JOB_HEADER] ?? "none"));
    const scenario = log.script[log.calls] ?? "ok";
    log.calls++;
    log.requests.push(params);

    if (failRate > 0 && Math.random() < failRate) {
      failToggle = !failToggle;
      return failToggle ? rateLimited(response) : serverError(response);
    }
    switch (scenario) {
      case "rate-limited":
        return rateLimited(response);
      case "server-error":
        return serverError(response);
      case "unauthorized":
        return json(response, 401, {
          error: { message: "Incorrect API key provided.", type: "invalid_request_error", code: "invalid_api_key" },
        });
      case "bad-request":
        return json(response, 400, {
          error: { message: "Invalid schema for response_format.", type: "invalid_request_error", code: null },
        });
      case "timeout":
        return; // the socket stays open until the client gives up
    }

    if (scenario === "refusal") return answer(response, params, { refusal: FAKE_REFUSAL }, latencyMs);
    const content = contentFor(scenario, params);
    if (scenario === "truncated") {
      response.writeHead(200, { "Content-Type": "text/event-stream" });
      response.write(sse(chunk(params, { role: "assistant", content: "" })));
      response.write(sse(chunk(params, { content: content.slice(0, Math.floor(content.length / 2)) })));
      await sleep(20);
      response.socket?.destroy();
      return;
    }
    const pieceDelay = scenario === "slow" ? 300 : undefined;
    return answer(response, params, { content }, pieceDelay === undefined ? latencyMs : pieceDelay * PIECES);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      if (!response.headersSent) json(response, 500, { error: { message: error.message, type: "fake_error" } });
      else response.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    /** Calls per job key so far. */
    calls: (key: string) => jobs.get(key)?.calls ?? 0,
    stats: () => Object.fromEntries([...jobs].map(([key, log]) => [key, log.calls])),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

interface ChatRequest {
  model: string;
  stream?: boolean;
  messages: { role: string; content: string }[];
  response_format?: { type: string; json_schema?: { schema?: { properties?: Record<string, unknown> } } };
}

/** The plan inputs the app puts in its user message (JSON): start date, currency, monthly budget. */
function planInputs(params: ChatRequest) {
  for (const message of params.messages) {
    if (message.role !== "user") continue;
    try {
      const data = JSON.parse(message.content) as {
        startDate?: string;
        currency?: string;
        monthlyBudget?: number;
      };
      if (data.startDate) {
        return {
          startDate: data.startDate,
          currency: data.currency ?? "EUR",
          monthlyBudget: data.monthlyBudget ?? 0,
        };
      }
    } catch {
      // not the data message
    }
  }
  return { startDate: new Date().toISOString().slice(0, 10), currency: "EUR", monthlyBudget: 0 };
}

function contentFor(scenario: FakeScenario, params: ChatRequest): string {
  if (!params.response_format) return chatReply(params);
  if (scenario === "invalid-json") return '{"executiveSummary": {"summary": "Half a plan", "basedOn": [';
  const plan = buildFixturePlan(planInputs(params)) as unknown as Record<string, Record<string, unknown>>;
  const keys = Object.keys(params.response_format?.json_schema?.schema?.properties ?? plan);
  const answerObject: Record<string, unknown> = Object.fromEntries(keys.map((key) => [key, plan[key]]));
  if (scenario === "schema" && "executiveSummary" in answerObject) {
    answerObject.executiveSummary = { summary: 42, basedOn: "budget" };
  }
  if (scenario === "checks" && plan.budget && "budget" in answerObject) {
    const budget = plan.budget as { monthlyTotal: number; lines: { amount: number }[] };
    answerObject.budget = { ...budget, lines: budget.lines.map((line) => ({ ...line, amount: line.amount + 7 })) };
  }
  if (scenario === "huge") {
    answerObject.executiveSummary = { summary: "x".repeat(3_000_000), basedOn: ["budget"] };
  }
  return JSON.stringify(answerObject);
}

/**
 * A chat answer (Alva in a room: no structured output). It repeats what it was given, so tests can see
 * Alva's grounding: the business name from the profile, the plan's title, how many conversation turns
 * came after the data message, and the last turn.
 */
function chatReply(params: ChatRequest): string {
  let data: { profile?: { business?: { name?: string } }; plan?: { title?: string } | string } = {};
  const dataMessage = params.messages.find((message) => message.role === "user");
  try {
    data = JSON.parse(dataMessage?.content ?? "{}");
  } catch {
    // no data message: the fields below say "unknown"
  }
  const plan = typeof data.plan === "object" ? data.plan.title : "none";
  const turns = params.messages.length - 2;
  const last = params.messages.at(-1)?.content ?? "";
  return `Fake answer for ${data.profile?.business?.name ?? "unknown"}. Plan: ${plan}. Turns: ${turns}. Last: ${last}`;
}

async function answer(
  response: ServerResponse,
  params: ChatRequest,
  message: { content?: string; refusal?: string },
  totalMs: number,
) {
  const text = message.content ?? message.refusal ?? "";
  const usage = { prompt_tokens: 900, completion_tokens: Math.ceil(text.length / 4), total_tokens: 0 };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  if (!params.stream) {
    await sleep(totalMs);
    return json(response, 200, {
      id: `chatcmpl-fake-${Date.now()}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: params.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: message.content ?? null, refusal: message.refusal ?? null },
          finish_reason: "stop",
          logprobs: null,
        },
      ],
      usage,
    });
  }
  response.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
  // OpenAI's first delta carries the role; the SDK refuses a stream without it.
  response.write(sse(chunk(params, { role: "assistant", content: "" })));
  const size = Math.max(1, Math.ceil(text.length / PIECES));
  for (let offset = 0; offset < text.length; offset += size) {
    await sleep(totalMs / PIECES);
    if (response.destroyed) return;
    const piece = text.slice(offset, offset + size);
    response.write(sse(chunk(params, message.refusal ? { refusal: piece } : { content: piece })));
  }
  response.write(sse(chunk(params, {}, "stop")));
  response.write(sse({ ...chunk(params, {}), choices: [], usage }));
  response.end("data: [DONE]\n\n");
}

function chunk(params: ChatRequest, delta: Record<string, unknown>, finishReason: string | null = null) {
  return {
    id: "chatcmpl-fake",
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model: params.model,
    choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
  };
}

const sse = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;

function rateLimited(response: ServerResponse) {
  response.setHeader("Retry-After", "1");
  return json(response, 429, {
    error: { message: "Rate limit reached. Please try again in 1s.", type: "requests", code: "rate_limit_exceeded" },
  });
}

function serverError(response: ServerResponse) {
  return json(response, 500, { error: { message: "The server had an error.", type: "server_error", code: null } });
}

function json(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { "Content-Type": "application/json" });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}
