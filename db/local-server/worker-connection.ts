// The server's side of one SQLite connection that lives in its own worker thread
// (connection-worker.ts). Every call has a deadline: a statement that has not answered by then is
// abandoned. node:sqlite (Node 24) cannot interrupt a running statement, so an abandoned worker
// keeps computing until SQLite returns, then exits (closing its connection rolls back any open
// transaction); meanwhile this thread keeps serving everyone else.
import { Worker } from "node:worker_threads";
import { type ExecuteOutcome, type ExecuteRequest, statementTimedOut } from "./connection.ts";
import type { ConnectionState, WorkerData, WorkerReply, WorkerRequest } from "./connection-worker.ts";
import { HranaError, type ProtoCol } from "./protocol.ts";

/** How long past a statement's own limit (checked by the worker between rows) we wait before abandoning it. */
const ABANDON_GRACE_MS = 1_000;
const WORKER_URL = new URL("./connection-worker.ts", import.meta.url);

/** Whether a statement writes, by SQL text: classification depends only on the text. */
const readonlyBySql = new Map<string, boolean>();
const READONLY_CACHE_SIZE = 1000;

interface Call {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export type ConnectionStatus = "open" | "closed" | "abandoned";

export class WorkerConnection {
  readonly #worker: Worker;
  /** Calls in the order they were posted; the worker answers in the same order. */
  #calls: Call[] = [];
  /** Until the worker has opened its connection, calls wait here (their time limits not yet running). */
  #waitingForReady: (() => void)[] | null = [];
  #state: ConnectionState = { inTransaction: false, readOnlyTxn: false, needsReset: false };
  #status: ConnectionStatus = "open";
  /** Whether the worker's SQLite connection is open (it opens on first use and closes on sleep()). */
  #databaseOpen = false;
  /** Resolves once the worker thread has ended and its connection is closed. */
  readonly exited: Promise<void>;

  constructor(data: WorkerData) {
    this.#worker = new Worker(WORKER_URL, { workerData: data });
    // Neither an idle pooled connection nor an abandoned statement keeps the process alive.
    this.#worker.unref();
    this.#worker.on("message", (reply: WorkerReply | "ready") => {
      if (reply === "ready") {
        for (const post of this.#waitingForReady ?? []) post();
        this.#waitingForReady = null;
        return;
      }
      const call = this.#calls.shift();
      if (!call) return;
      clearTimeout(call.timer);
      this.#state = {
        inTransaction: reply.inTransaction,
        readOnlyTxn: reply.readOnlyTxn,
        needsReset: reply.needsReset,
      };
      if (reply.ok) call.resolve(reply.value);
      else call.reject(new HranaError(reply.error.message, reply.error.code));
    });
    this.#worker.on("error", (error) => {
      this.#end("closed", new HranaError(`The database connection failed: ${error.message}`, "INTERNAL_ERROR"));
    });
    this.exited = new Promise((resolve) => {
      this.#worker.once("exit", () => {
        this.#end("closed", new HranaError("The database connection is closed", "STREAM_CLOSED"));
        resolve();
      });
    });
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  /** Whether this holds an open SQLite connection (and its file descriptors). */
  get databaseOpen(): boolean {
    return this.#status === "abandoned" || (this.#status === "open" && this.#databaseOpen);
  }

  get inTransaction(): boolean {
    return this.#status === "open" && this.#state.inTransaction;
  }

  get readOnlyTxn(): boolean {
    return this.#status === "open" && this.#state.readOnlyTxn;
  }

  /** Whether a stream left state behind that reset() must clear before the next stream. */
  get needsReset(): boolean {
    return this.#status === "open" && this.#state.needsReset;
  }

  /** Whether the statement writes (asks the worker the first time a text is seen). */
  async isReadonly(sql: string, timeoutMs: number): Promise<boolean> {
    const cached = readonlyBySql.get(sql);
    if (cached !== undefined) return cached;
    const readonly = (await this.#call({ op: "classify", sql }, timeoutMs)) as boolean;
    if (readonlyBySql.size >= READONLY_CACHE_SIZE) readonlyBySql.delete(readonlyBySql.keys().next().value!);
    readonlyBySql.set(sql, readonly);
    return readonly;
  }

  execute(request: ExecuteRequest): Promise<ExecuteOutcome> {
    return this.#call({ op: "execute", ...request }, request.timeoutMs) as Promise<ExecuteOutcome>;
  }

  describe(sql: string, timeoutMs: number): Promise<{ cols: ProtoCol[]; readonly: boolean }> {
    return this.#call({ op: "describe", sql }, timeoutMs) as Promise<{ cols: ProtoCol[]; readonly: boolean }>;
  }

  /** Rolls back and resets the connection for the next stream (calls posted later wait for it). */
  reset(timeoutMs: number): Promise<void> {
    this.#state = { inTransaction: false, readOnlyTxn: false, needsReset: false };
    return this.#call({ op: "reset" }, timeoutMs) as Promise<void>;
  }

  /** Closes the SQLite connection (freeing its file descriptors) until the next call reopens it. */
  sleep(timeoutMs: number): Promise<void> {
    return this.#call({ op: "sleep" }, timeoutMs) as Promise<void>;
  }

  /** Closes the connection; the worker exits once it is closed. */
  close(): void {
    if (this.#status !== "open") return;
    this.#worker.postMessage({ op: "close" } satisfies WorkerRequest);
    this.#end("closed", new HranaError("The database connection is closed", "STREAM_CLOSED"));
  }

  /** Walks away from a running statement: the worker ends as soon as SQLite gives control back. */
  abandon(error: Error): void {
    if (this.#status === "abandoned") return;
    this.#end("abandoned", error);
    void this.#worker.terminate();
  }

  #call(request: WorkerRequest, timeoutMs: number): Promise<unknown> {
    if (this.#status !== "open") {
      return Promise.reject(new HranaError("The database connection is closed", "STREAM_CLOSED"));
    }
    if (request.op === "sleep") this.#databaseOpen = false;
    else if (request.op !== "reset") this.#databaseOpen = true;
    return new Promise((resolve, reject) => {
      const call: Call = { resolve, reject, timer: undefined };
      this.#calls.push(call);
      const post = () => {
        call.timer = setTimeout(() => this.abandon(statementTimedOut(timeoutMs)), timeoutMs + ABANDON_GRACE_MS);
        this.#worker.postMessage(request);
      };
      if (this.#waitingForReady) this.#waitingForReady.push(post);
      else post();
    });
  }

  #end(status: "closed" | "abandoned", error: Error): void {
    if (this.#status === "open") this.#status = status;
    for (const call of this.#calls.splice(0)) {
      clearTimeout(call.timer);
      call.reject(error);
    }
  }
}
