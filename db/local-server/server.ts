// A local stand-in for Turso / sqld: Hrana over HTTP (the `POST /v2/pipeline` endpoint that
// @libsql/client uses for http:// URLs) on a SQLite file, via Node's built-in node:sqlite.
// See README.md in this folder for what it implements and how it differs from sqld.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { isIP } from "node:net";
import { dirname, resolve } from "node:path";
import { InlineRunner } from "./inline-runner.ts";
import { HranaError, isObject, type PipelineResponseBody } from "./protocol.ts";
import { HranaStream, type StreamHost } from "./stream.ts";
import { WorkerConnection } from "./worker-connection.ts";
import { WriteLock } from "./write-lock.ts";

export interface LocalDbServerOptions {
  /** SQLite database file; its directory is created if needed. */
  file: string;
  /** TCP port; 0 picks any free port. Default 8880. */
  port?: number;
  /** Loopback address to listen on (127.0.0.1, ::1 or localhost). Default 127.0.0.1. */
  host?: string;
  /** When set, every request except GET /health needs `Authorization: Bearer <authToken>`. */
  authToken?: string;
  /** A stream unused for this long is closed, rolling back its open transaction. Default 10 000. */
  idleStreamMs?: number;
  /** A statement running longer fails with SQLITE_INTERRUPT. Default 5 000. */
  statementTimeoutMs?: number;
  /** The most row data (JSON bytes) one response may carry; beyond, RESPONSE_TOO_LARGE. Default 10 MiB. */
  maxResponseBytes?: number;
  /** Streams open at once (each has its own connection); beyond, HTTP 503 TOO_MANY_STREAMS. Default 128. */
  maxStreams?: number;
  /** Receives one line per notable event (expired streams, internal errors). */
  log?: (line: string) => void;
}

export const DEFAULT_LIMITS = {
  statementTimeoutMs: 5_000,
  maxResponseBytes: 10 * 1024 * 1024,
  maxStreams: 128,
} as const;

export interface LocalDbServer {
  /** Base URL for `createClient({ url })`, e.g. http://127.0.0.1:8880 */
  url: string;
  port: number;
  /**
   * Open streams; open SQLite connections (in use, pooled and not yet idle, abandoned and still
   * running, or the HTTP thread's own); statements run on the HTTP thread so far (inline-runner.ts).
   */
  stats(): { streams: number; connections: number; inlineStatements: number };
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Beyond this we stop draining an oversized body and drop the connection. */
const MAX_DRAIN_BYTES = 256 * 1024 * 1024;
const BUSY_TIMEOUT_MS = 100; // only ever hit by other processes on the same file
const MAX_POOLED_CONNECTIONS = 16;

interface Slot {
  stream: HranaStream;
  baton: string | null;
  timer: ReturnType<typeof setTimeout> | null;
  busy: boolean;
}

interface Reply {
  status: number;
  body: unknown;
}

export async function startLocalDbServer(options: LocalDbServerOptions): Promise<LocalDbServer> {
  const host = options.host ?? "127.0.0.1";
  const listenHost = host === "localhost" ? "127.0.0.1" : host;
  if (!isLoopback(listenHost)) {
    throw new Error(`The local database server only listens on loopback addresses, not ${JSON.stringify(host)}`);
  }
  const port = options.port ?? 8880;
  const idleStreamMs = options.idleStreamMs ?? 10_000;
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_LIMITS.statementTimeoutMs;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_LIMITS.maxResponseBytes;
  const maxStreams = options.maxStreams ?? DEFAULT_LIMITS.maxStreams;
  const log = options.log ?? (() => {});
  const authToken = options.authToken || undefined;
  const file = resolve(options.file);
  mkdirSync(dirname(file), { recursive: true });

  // ---- connections, lock, streams -----------------------------------------------------------
  // Every connection lives in a worker thread; `live` holds them until their thread has ended.
  // Closed streams hand theirs back to `pool` (up to MAX_POOLED_CONNECTIONS, kept warm because a
  // thread takes a while to start); one unused for idleStreamMs closes its SQLite connection until
  // it is used again, so an idle server holds no database file descriptor.
  let closing = false;
  const live = new Set<WorkerConnection>();
  const pool: { conn: WorkerConnection; timer: ReturnType<typeof setTimeout> }[] = [];
  const startConnection = () => {
    const conn = new WorkerConnection({ file, busyTimeoutMs: BUSY_TIMEOUT_MS });
    live.add(conn);
    conn.exited.then(() => live.delete(conn));
    return conn;
  };
  const closeConnections = () => {
    for (const { conn, timer } of pool.splice(0)) {
      clearTimeout(timer);
      conn.close();
    }
  };
  const openConnection = () => {
    const pooled = pool.pop();
    if (!pooled) return startConnection();
    clearTimeout(pooled.timer);
    return pooled.conn;
  };
  const lock = new WriteLock();
  const inline = new InlineRunner({ file, busyTimeoutMs: BUSY_TIMEOUT_MS, lock, idleMs: idleStreamMs });
  const streamHost: StreamHost = {
    lock,
    inline,
    lockTimeoutMs: Math.max(30_000, idleStreamMs * 3),
    statementTimeoutMs,
    maxResponseBytes,
    openConnection,
    releaseConnection(conn) {
      if (conn.status !== "open" || closing || pool.length >= MAX_POOLED_CONNECTIONS) {
        conn.close();
        return;
      }
      const timer = setTimeout(() => {
        conn.sleep(statementTimeoutMs).catch(() => conn.close());
      }, idleStreamMs);
      timer.unref?.();
      pool.push({ conn, timer });
    },
    log,
  };
  /** Connections whose statement outlived the time limit and still run: they count as streams. */
  const abandonedConnections = () => {
    let count = 0;
    for (const conn of live) if (conn.status === "abandoned") count++;
    return count;
  };

  const first = startConnection();
  try {
    const { result } = await first.execute({
      sql: "PRAGMA journal_mode = WAL",
      named: null,
      anonymous: [],
      wantRows: true,
      readOnlyBegin: false,
      timeoutMs: statementTimeoutMs,
      bytesLeft: maxResponseBytes,
      maxResponseBytes,
    });
    const mode = result.rows[0]?.[0];
    if (mode?.type !== "text" || mode.value !== "wal") log(`journal_mode is ${JSON.stringify(mode)}, not wal`);
  } catch (error) {
    first.close();
    throw error;
  }
  streamHost.releaseConnection(first);

  const slots = new Set<Slot>();
  const batons = new Map<string, Slot>();
  let inflight = 0;
  let drained: (() => void) | null = null;

  const closeSlot = (slot: Slot) => {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    if (slot.baton) batons.delete(slot.baton);
    slot.baton = null;
    slot.stream.close();
    slots.delete(slot);
  };

  const expire = (slot: Slot) => {
    slot.timer = null;
    if (slot.busy) return;
    const hadTransaction = slot.stream.inTransaction;
    closeSlot(slot);
    if (hadTransaction) log(`stream idle for ${idleStreamMs} ms: closed it and rolled back its open transaction`);
  };

  const park = (slot: Slot): string => {
    const baton = randomBytes(24).toString("base64url");
    slot.baton = baton;
    batons.set(baton, slot);
    slot.timer = setTimeout(() => expire(slot), idleStreamMs);
    slot.timer.unref?.();
    return baton;
  };

  async function pipeline(body: unknown): Promise<Reply> {
    if (!isObject(body)) return protocolReply("The request body must be a JSON object");
    const { baton, requests } = body;
    if (baton !== undefined && baton !== null && typeof baton !== "string")
      return protocolReply("`baton` must be a string or null");
    if (!Array.isArray(requests)) return protocolReply("`requests` must be an array");

    let slot: Slot;
    if (typeof baton === "string") {
      const found = batons.get(baton);
      if (!found) {
        return {
          status: 400,
          body: {
            message: "The stream has expired due to inactivity, or the baton is not valid",
            code: "STREAM_EXPIRED",
          },
        };
      }
      slot = found;
      batons.delete(baton);
      slot.baton = null;
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = null;
    } else {
      if (slots.size + abandonedConnections() >= maxStreams) {
        return {
          status: 503,
          body: {
            message: `The server already has ${maxStreams} streams open: close one or wait for idle ones to expire`,
            code: "TOO_MANY_STREAMS",
          },
        };
      }
      slot = { stream: new HranaStream(streamHost, openConnection()), baton: null, timer: null, busy: false };
      slots.add(slot);
    }

    slot.busy = true;
    const results = [];
    try {
      const budget = { bytesLeft: maxResponseBytes };
      for (const request of requests) results.push(await slot.stream.handle(request, budget));
    } finally {
      slot.busy = false;
    }
    let nextBaton: string | null = null;
    if (slot.stream.closed || closing) closeSlot(slot);
    else nextBaton = park(slot);
    const response: PipelineResponseBody = { baton: nextBaton, base_url: null, results };
    return { status: 200, body: response };
  }

  // ---- HTTP ----------------------------------------------------------------------------------
  const expectedAuth = authToken ? Buffer.from(`Bearer ${authToken}`) : null;
  const authorized = (req: IncomingMessage) => {
    if (!expectedAuth) return true;
    const given = Buffer.from(req.headers.authorization ?? "");
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
  };

  async function route(req: IncomingMessage): Promise<Reply> {
    const path = new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "") || "/";
    const method = req.method ?? "GET";
    if (path === "/health" && (method === "GET" || method === "HEAD")) {
      await discardBody(req);
      return { status: 200, body: { status: "ok" } };
    }
    if (!authorized(req)) {
      await discardBody(req);
      return {
        status: 401,
        body: {
          message: "Unauthorized: a valid `Authorization: Bearer <token>` header is required",
          code: "UNAUTHORIZED",
        },
      };
    }
    if (path === "/v2" || path === "/") {
      await discardBody(req);
      if (method !== "GET" && method !== "HEAD") return methodNotAllowed();
      return { status: 200, body: { message: "Hello, this is HTTP API v2 (Hrana over HTTP)", version: 2 } };
    }
    if (path === "/v2/pipeline") {
      if (method !== "POST") {
        await discardBody(req);
        return methodNotAllowed();
      }
      const body = await readBody(req);
      if (body === "too_large") {
        return {
          status: 413,
          body: { message: `The request body exceeds ${MAX_BODY_BYTES} bytes`, code: "PAYLOAD_TOO_LARGE" },
        };
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch (error) {
        return protocolReply(`Could not parse the JSON request body: ${(error as Error).message}`);
      }
      if (closing)
        return { status: 503, body: { message: "The server is shutting down", code: "SERVER_SHUTTING_DOWN" } };
      return pipeline(parsed);
    }
    await discardBody(req);
    return { status: 404, body: { message: `Not found: ${method} ${path}`, code: "NOT_FOUND" } };
  }

  const server = createServer((req, res) => {
    inflight++;
    route(req)
      .catch((error: unknown): Reply => {
        log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        const message = error instanceof Error ? error.message : String(error);
        const code = error instanceof HranaError ? error.code : "INTERNAL_ERROR";
        return { status: 500, body: { message, code } };
      })
      .then((reply) => send(res, reply))
      .catch(() => res.destroy())
      .finally(() => {
        inflight--;
        if (inflight === 0 && drained) drained();
      });
  });
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    else socket.destroy();
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    const onError = (error: Error) => {
      server.off("listening", onListening);
      rejectListen(error);
    };
    const onListening = () => {
      server.off("error", onError);
      resolveListen();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, listenHost);
  }).catch((error: unknown) => {
    closing = true;
    closeConnections();
    throw error;
  });
  server.on("error", (error) => log(`server error: ${error.message}`));

  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  const urlHost = isIP(listenHost) === 6 ? `[${listenHost}]` : listenHost;

  let closed: Promise<void> | null = null;
  const close = () => {
    closed ??= (async () => {
      closing = true;
      const serverClosed = new Promise<void>((done) => server.close(() => done()));
      server.closeIdleConnections();
      streamHost.lock.shutDown(new HranaError("The server is shutting down", "SERVER_SHUTTING_DOWN"));
      for (const slot of [...slots]) if (!slot.busy) closeSlot(slot);
      if (inflight > 0) {
        await Promise.race([
          new Promise<void>((done) => (drained = done)),
          new Promise<void>((done) => setTimeout(done, 2_000).unref()),
        ]);
      }
      for (const slot of [...slots]) closeSlot(slot);
      server.closeAllConnections();
      await serverClosed;
      closeConnections();
      inline.close();
      // Abandoned statements may run on for a while; the process does not wait for them.
      await Promise.race([
        Promise.all([...live].filter((conn) => conn.status !== "abandoned").map((conn) => conn.exited)),
        new Promise<void>((done) => setTimeout(done, 2_000).unref()),
      ]);
    })();
    return closed;
  };

  return {
    url: `http://${urlHost}:${actualPort}`,
    port: actualPort,
    stats: () => ({
      streams: slots.size,
      connections: [...live].filter((conn) => conn.databaseOpen).length + (inline.databaseOpen ? 1 : 0),
      inlineStatements: inline.executed,
    }),
    close,
  };
}

function isLoopback(host: string): boolean {
  if (host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}

function protocolReply(message: string): Reply {
  return { status: 400, body: { message, code: "PROTOCOL_ERROR" } };
}

function methodNotAllowed(): Reply {
  return { status: 405, body: { message: "Method not allowed", code: "METHOD_NOT_ALLOWED" } };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const data = JSON.stringify(reply.body);
  // Exactly "application/json": @libsql/client only reads error bodies with that content type.
  res.writeHead(reply.status, { "content-type": "application/json", "content-length": Buffer.byteLength(data) });
  res.end(data);
}

/** Reads the body up to MAX_BODY_BYTES; a larger one is drained (so the 413 can be read) and dropped. */
function readBody(req: IncomingMessage): Promise<Buffer | "too_large"> {
  return new Promise((resolveBody, rejectBody) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      if (tooLarge) {
        chunks.length = 0;
        if (size > MAX_DRAIN_BYTES) req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on("end", () => resolveBody(tooLarge ? "too_large" : Buffer.concat(chunks)));
    req.on("error", rejectBody);
    req.on("close", () => {
      if (!req.complete) rejectBody(new Error("The client closed the connection before sending the whole body"));
    });
  });
}

function discardBody(req: IncomingMessage): Promise<void> {
  if (req.complete) return Promise.resolve();
  return readBody(req).then(
    () => undefined,
    () => undefined,
  );
}
