// The offline demo model: a local OpenAI-compatible server for development without an AI provider.
// `npm run dev` starts it when .dev.vars has no OPENAI_API_KEY and points the Worker at it
// (OPENAI_BASE_URL=http://127.0.0.1:<port>/v1, OPENAI_MODEL=alva-demo). It is NOT an AI: it answers a
// plan request with a plan assembled deterministically from the profile in the request
// (app/plans/demo-plan.ts), through the same structured-output path a real model's answer takes.
//
//   POST /v1/chat/completions   streamed (SSE) or not
//     - response_format json_schema "marketing_plan": the whole plan
//     - json_schema with some plan sections as properties (a section rewrite, a correction round):
//       those sections; the rewritten section follows the request's "instruction"
//     - anything else (chat): a plain reply saying this is the offline demo model, not an AI; when the
//       request carries Alva's chat data (app/chat/alva.server.ts), it repeats what the workspace knows
//       (business, goal, the plan's first week), streamed in small pieces so a room shows it arriving
//   GET /v1/models              lists alva-demo
//
// The request format is the one app/plans/generate.server.ts sends: a user message whose content is JSON
// with startDate, profile, and for a rewrite section, instruction and plan.
//
//   node scripts/demo-model.ts [--port 8881] [--delay-ms 120]
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { DEMO_MODEL } from "../app/ai/provider.server.ts";
import type { ClientProfile } from "../app/onboarding/profile.ts";
import { buildDemoPlan, buildDemoSection } from "../app/plans/demo-plan.ts";
import { planContentSchema, planSectionKeys } from "../app/plans/plan-schema.ts";

export const DEMO_MODEL_DEFAULT_PORT = 8881;
/** Pause between streamed pieces, so a plan takes a few seconds and its sections visibly arrive one by one. */
export const DEFAULT_CHUNK_DELAY_MS = 120;
const MAX_BODY_BYTES = 2_000_000;
const PIECE_CHARS = 400;

/** Pieces of a chat reply: small, so the answer visibly streams into the room. */
const CHAT_PIECE_CHARS = 24;

export const DEMO_CHAT_REPLY =
  "This is Alva's offline demo model, not an AI: it can only assemble a marketing plan from your answers. " +
  "To chat with a real model, set OPENAI_API_KEY (and OPENAI_BASE_URL / OPENAI_MODEL for other providers) in .dev.vars.";

const messageContent = z.union([
  z.string(),
  z
    .array(z.object({ type: z.string(), text: z.string().optional() }).loose())
    .transform((parts) => parts.map((part) => part.text ?? "").join("")),
  z.null().transform(() => ""),
]);

const chatRequest = z.object({
  model: z.string().min(1),
  messages: z.array(z.object({ role: z.string(), content: messageContent.optional() }).loose()).min(1),
  stream: z.boolean().optional(),
  response_format: z
    .object({
      type: z.string(),
      json_schema: z
        .object({
          name: z.string(),
          schema: z.object({ properties: z.record(z.string(), z.unknown()).optional() }).loose(),
        })
        .loose()
        .optional(),
    })
    .loose()
    .optional(),
});
type ChatRequest = z.infer<typeof chatRequest>;

/** The data message the app sends: the profile and plan as JSON, never instructions. */
const planRequestData = z.object({
  startDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  profile: z.record(z.string(), z.unknown()),
  section: z.enum(planSectionKeys).optional(),
  instruction: z.string().max(4000).optional(),
  plan: planContentSchema.optional(),
});
type PlanRequestData = z.infer<typeof planRequestData>;

class BadRequest extends Error {
  readonly status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}

/** The answer to one chat request: a JSON document (structured output) or a plain reply. */
export function demoAnswer(request: ChatRequest): string {
  const keys = Object.keys(request.response_format?.json_schema?.schema.properties ?? {});
  if (request.response_format?.type !== "json_schema" || keys.length === 0) return demoChatReply(request);
  const unknown = keys.filter((key) => !(planSectionKeys as string[]).includes(key));
  if (unknown.length > 0)
    throw new BadRequest(`The demo model only writes marketing plans; it cannot answer with ${unknown.join(", ")}.`);
  const data = findPlanData(request);
  const profile = data.profile as ClientProfile;
  let plan: Record<string, unknown>;
  try {
    plan = buildDemoPlan(profile, data.startDate);
  } catch (error) {
    throw new BadRequest((error as Error).message);
  }
  const answer: Record<string, unknown> = {};
  for (const key of keys) {
    answer[key] =
      data.section === key && data.plan
        ? buildDemoSection(profile, data.startDate, data.section, data.plan, data.instruction ?? "")
        : plan[key];
  }
  return JSON.stringify(answer);
}

/** The first user message that is the app's plan data (later ones, e.g. a correction, only list problems). */
function findPlanData(request: ChatRequest): PlanRequestData {
  let problem = "no user message carries the plan data (JSON with startDate and profile)";
  for (const message of request.messages) {
    if (message.role !== "user" || !message.content) continue;
    let json: unknown;
    try {
      json = JSON.parse(message.content);
    } catch {
      continue;
    }
    if (typeof json !== "object" || json === null || !("profile" in json)) continue;
    const parsed = planRequestData.safeParse(json);
    if (parsed.success) return parsed.data;
    problem = `the plan data is not valid: ${parsed.error.issues.map((issue) => `${issue.path.join(".") || "data"}: ${issue.message}`).join("; ")}`;
  }
  throw new BadRequest(`The demo model cannot write a plan: ${problem}.`);
}

export interface DemoModelOptions {
  port?: number;
  host?: string;
  chunkDelayMs?: number;
  /** Pause between a chat reply's pieces (default: chunkDelayMs); browser tests slow chat down to watch it stream. */
  chatChunkDelayMs?: number;
}

export interface DemoModelServer {
  url: string;
  close(): Promise<void>;
}

export async function startDemoModel(options: DemoModelOptions = {}): Promise<DemoModelServer> {
  const delays = {
    plan: options.chunkDelayMs ?? DEFAULT_CHUNK_DELAY_MS,
    chat: options.chatChunkDelayMs ?? options.chunkDelayMs ?? DEFAULT_CHUNK_DELAY_MS,
  };
  const server: Server = createServer((request, response) => {
    handle(request, response, delays).catch((error: Error) => {
      if (!response.headersSent) sendError(response, 500, `The demo model failed: ${error.message}`);
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEMO_MODEL_DEFAULT_PORT, options.host ?? "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const chatData = z.object({
  task: z.literal("chat"),
  profile: z
    .object({
      business: z.object({ name: z.string().nullish() }).loose().optional(),
      goals: z.object({ primaryGoal: z.unknown() }).loose().optional(),
    })
    .loose(),
  plan: z.union([z.string(), z.object({ title: z.string(), markdown: z.string() })]),
});

/**
 * A chat answer. Without Alva's data message: DEMO_CHAT_REPLY. With it: the same notice, then what the
 * workspace's data says, so a room shows an answer that is about this business without pretending to
 * have understood the question.
 */
export function demoChatReply(request: ChatRequest): string {
  const first = request.messages.find((message) => message.role === "user")?.content ?? "";
  let data: z.infer<typeof chatData> | null = null;
  try {
    const parsed = chatData.safeParse(JSON.parse(first));
    data = parsed.success ? parsed.data : null;
  } catch {
    data = null;
  }
  if (!data) return DEMO_CHAT_REPLY;
  const name = data.profile.business?.name || "your business";
  const goal = data.profile.goals?.primaryGoal;
  const lines = [
    `**This is Alva's offline demo model, not an AI.** It cannot read your question; here is what it knows about ${name}:`,
    "",
  ];
  if (typeof goal === "string" && goal) lines.push(`- Your main goal: ${goal}`);
  if (typeof data.plan === "string") {
    lines.push("- There is no marketing plan yet: generate one on the Plans page.");
  } else {
    lines.push(`- Your plan: ${data.plan.title}`);
    const week = data.plan.markdown.match(/### Week 1: ([^\n]*)\n\n((?:- \[[ x]\] [^\n]*\n?)+)/);
    if (week) {
      lines.push(`- Week 1 is about ${week[1]}:`);
      for (const task of week[2]!.trim().split("\n").slice(0, 3)) lines.push(`  ${task.replace(/^- \[[ x]\] /, "- ")}`);
    }
  }
  lines.push("", "To chat with a real model, set OPENAI_API_KEY (and OPENAI_BASE_URL / OPENAI_MODEL) in .dev.vars.");
  return lines.join("\n");
}

async function handle(request: IncomingMessage, response: ServerResponse, delays: { plan: number; chat: number }) {
  const path = new URL(request.url ?? "/", "http://demo").pathname.replace(/\/+$/, "");
  if (request.method === "GET" && path === "/v1/models") {
    return sendJson(response, 200, {
      object: "list",
      data: [{ id: DEMO_MODEL, object: "model", created: 0, owned_by: "alva (offline demo, not an AI)" }],
    });
  }
  if (path !== "/v1/chat/completions") return sendError(response, 404, `No such endpoint: ${request.method} ${path}`);
  if (request.method !== "POST") return sendError(response, 405, "Use POST.");
  if (!/^application\/json\b/i.test(request.headers["content-type"] ?? ""))
    return sendError(response, 415, "Send the request as application/json.");

  let params: ChatRequest;
  let answer: string;
  try {
    const body = await readBody(request);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new BadRequest("The request body is not valid JSON.");
    }
    const parsed = chatRequest.safeParse(json);
    if (!parsed.success)
      throw new BadRequest(
        `Invalid request: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`,
      );
    params = parsed.data;
    answer = demoAnswer(params);
  } catch (error) {
    if (error instanceof BadRequest) return sendError(response, error.status, error.message);
    throw error;
  }

  const promptChars = params.messages.reduce((sum, message) => sum + (message.content?.length ?? 0), 0);
  const usage = {
    prompt_tokens: Math.ceil(promptChars / 4),
    completion_tokens: Math.ceil(answer.length / 4),
    total_tokens: Math.ceil(promptChars / 4) + Math.ceil(answer.length / 4),
  };
  const id = `chatcmpl-demo-${Date.now().toString(36)}`;
  const created = Math.floor(Date.now() / 1000);
  if (!params.stream) {
    return sendJson(response, 200, {
      id,
      object: "chat.completion",
      created,
      model: DEMO_MODEL,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: answer, refusal: null },
          finish_reason: "stop",
          logprobs: null,
        },
      ],
      usage,
    });
  }

  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model: DEMO_MODEL,
    choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
  });
  const send = (data: unknown) => response.write(`data: ${JSON.stringify(data)}\n\n`);
  response.writeHead(200, {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    Connection: "keep-alive",
  });
  // The SDK expects the role on the first delta (OpenAI sends it there) and usage in a last, choiceless chunk.
  send(chunk({ role: "assistant", content: "" }));
  const pieceChars = params.response_format ? PIECE_CHARS : CHAT_PIECE_CHARS;
  const chunkDelayMs = params.response_format ? delays.plan : delays.chat;
  for (let offset = 0; offset < answer.length; offset += pieceChars) {
    if (chunkDelayMs > 0) await sleep(chunkDelayMs);
    if (response.destroyed) return; // the client cancelled
    send(chunk({ content: answer.slice(offset, offset + pieceChars) }));
  }
  send(chunk({}, "stop"));
  send({ ...chunk({}), choices: [], usage });
  response.end("data: [DONE]\n\n");
}

/** The body as text; past MAX_BODY_BYTES the rest is read and dropped, so the client gets the 413 cleanly. */
async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of request as AsyncIterable<Buffer>) {
    size += part.length;
    if (size <= MAX_BODY_BYTES) parts.push(part);
  }
  if (size > MAX_BODY_BYTES) throw new BadRequest(`The request is larger than ${MAX_BODY_BYTES / 1_000_000} MB.`, 413);
  return Buffer.concat(parts).toString("utf8");
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { "Content-Type": "application/json" });
  response.end(JSON.stringify(body));
}

/** Errors in OpenAI's shape, so the SDK raises the matching APIError. */
function sendError(response: ServerResponse, status: number, message: string) {
  sendJson(response, status, { error: { message, type: "invalid_request_error", param: null, code: null } });
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { port: { type: "string", default: String(DEMO_MODEL_DEFAULT_PORT) }, "delay-ms": { type: "string" } },
  });
  const server = await startDemoModel({
    port: Number(values.port),
    chunkDelayMs: values["delay-ms"] === undefined ? undefined : Number(values["delay-ms"]),
  });
  console.log(`Offline demo model (not an AI) at ${server.url} — model "${DEMO_MODEL}". Ctrl-C stops it.`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
