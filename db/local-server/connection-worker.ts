// The worker thread that owns one SQLite connection (see worker-connection.ts for the other side).
// node:sqlite runs a statement synchronously; running it here keeps the server's HTTP thread free
// while it runs, and lets the server walk away from a statement that outlives its time limit.
import { parentPort, workerData } from "node:worker_threads";
import { type ExecuteRequest, SqliteConnection } from "./connection.ts";
import { toProtoError } from "./protocol.ts";

export type WorkerRequest =
  | { op: "classify"; sql: string }
  | ({ op: "execute" } & ExecuteRequest)
  | { op: "describe"; sql: string }
  | { op: "reset" }
  | { op: "sleep" }
  | { op: "close" };

export interface ConnectionState {
  inTransaction: boolean;
  readOnlyTxn: boolean;
  /** The connection must be reset before another stream uses it. */
  needsReset: boolean;
}

export type WorkerReply = ConnectionState &
  ({ ok: true; value: unknown } | { ok: false; error: { message: string; code: string } });

export interface WorkerData {
  file: string;
  busyTimeoutMs: number;
}

const { file, busyTimeoutMs } = workerData as WorkerData;
const port = parentPort!;
/** Opened on first use; closed while the worker waits unused in the server's pool ("sleep"). */
let conn: SqliteConnection | null = null;
const open = () => {
  conn ??= new SqliteConnection(file, busyTimeoutMs);
  return conn;
};
const closeConnection = () => {
  conn?.close();
  conn = null;
};

function handle(request: WorkerRequest): unknown {
  switch (request.op) {
    case "classify":
      return open().prepare(request.sql).cls.readonly;
    case "execute":
      return open().execute(request);
    case "describe": {
      const { stmt, cls } = open().prepare(request.sql);
      return { cols: stmt.columns().map((c) => ({ name: c.name, decltype: c.type ?? null })), readonly: cls.readonly };
    }
    case "reset":
      // A connection that cannot be reset cleanly is closed, so the next stream gets a fresh one.
      if (conn && !conn.reset()) closeConnection();
      return null;
    case "sleep":
      closeConnection();
      return null;
    case "close":
      closeConnection();
      port.close();
      return null;
  }
}

port.on("message", (request: WorkerRequest) => {
  let outcome: { ok: true; value: unknown } | { ok: false; error: { message: string; code: string } };
  try {
    outcome = { ok: true, value: handle(request) };
  } catch (error) {
    outcome = { ok: false, error: toProtoError(error) };
  }
  if (request.op === "close") return;
  const state: ConnectionState = {
    inTransaction: conn?.inTransaction ?? false,
    readOnlyTxn: conn?.readOnlyTxn ?? false,
    needsReset: conn?.needsReset ?? false,
  };
  port.postMessage({ ...outcome, ...state } satisfies WorkerReply);
});

// Tells the server the connection is open: its calls' time limits start counting from here.
port.postMessage("ready");
