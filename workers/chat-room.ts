// ChatRoom: one Durable Object per room (named by the room's id). Sockets use the Hibernation API, so
// an idle room costs nothing and wakes up (constructor re-run) when a frame arrives; everything a
// socket needs is in its attachment. Who is connecting was checked by the Worker (app/chat/socket-route.ts):
// the object only ever reads the user from headers the Worker set on its own request to the stub.
//
// Messages are rows in the object's SQLite storage with a server-assigned, strictly increasing id
// (AUTOINCREMENT never reuses one), written before they are broadcast (outgoing frames wait for the
// write to commit). The client's own id (clientId) is unique per author, so a retry after a lost
// acknowledgement returns the stored message instead of a second one. Protocol: app/chat/protocol.ts.
//
// Alva answers a message that mentions @alva (any message in an Ask Alva room), one answer at a time
// per room; questions asked meanwhile wait in a short queue kept in storage (`alva_queue`, at most
// ALVA_QUEUE_LIMIT) and are answered in order (decision 0117). The answer is a message row of its own,
// written as it streams: each piece is appended to the row before it is broadcast as a "chunk" frame,
// so whoever connects mid-answer gets the text so far in its welcome and the rest live. While it streams, an alarm beats every ANSWER_HEARTBEAT_MS
// (and the answer is a waitUntil task) so the object is not evicted; an object that starts with an
// answer still marked "streaming" lost it (a restart, a crash) and marks it cut short.
import { DurableObject } from "cloudflare:workers";
import { sql as drizzleSql } from "drizzle-orm";
import { recordAudit } from "../app/admin/audit.server.ts";
import { aiProvider, callTimeoutMs, openAiClient } from "../app/ai/provider.server.ts";
import {
  ALVA_NAME,
  ALVA_USER_ID,
  ALVA_USERNAME,
  AnswerFailed,
  alvaMessages,
  CONVERSATION_TURNS,
  loadAlvaContext,
  MAX_ANSWER_CHARS,
  mentionsAlva,
  streamAnswer,
} from "../app/chat/alva.server.ts";
import { formatUntil } from "../app/chat/moderation.ts";
import {
  type AlvaAnswer,
  type ChatMessage,
  clientFrame,
  HISTORY_PAGE,
  MAX_MESSAGE_CHARS,
  type Presence,
  REPLAY_LIMIT,
  type ServerFrame,
} from "../app/chat/protocol.ts";
import { liveSessions } from "../app/chat/rooms.server.ts";
import { logEvent } from "../app/platform/request-log.ts";
import { createDatabase } from "../db/client.ts";
import { type ChatRoomKind, chatRoomDays } from "../db/schema.ts";
import { type LimitOptions, type LimitResult, rateLimit } from "./rate-limiter.ts";

/** Larger frames close the socket (1009): a chat frame is one message, not a file transfer. */
export const MAX_MESSAGE_BYTES = 16 * 1024;

/** Messages per user across every room: a burst of 10, then one per second. */
export const messageLimit: LimitOptions = { capacity: 10, refillPerSecond: 1 };

/** Alva's answers per user across every room: a burst of 5, then one every 20 seconds (each costs a model call). */
export const alvaLimit: LimitOptions = { capacity: 5, refillPerSecond: 1 / 20 };

/** Questions that may wait for Alva in one room while she answers another; past it, the asker is told to ask later. */
export const ALVA_QUEUE_LIMIT = 3;

/** How often an object with open sockets re-checks their sessions and memberships (decision 0080). */
export const SESSION_CHECK_MS = 60_000;

/** While Alva writes, an alarm this often keeps the object from being evicted as idle (~70 s). */
export const ANSWER_HEARTBEAT_MS = 20_000;

/**
 * How long a room's day counts may wait before they are copied to libSQL (chat_room_days) for
 * /admin/stats: one database write per room per few minutes, never one per message (decision 0106).
 */
export const STATS_FLUSH_MS = 5 * 60_000;

/** The verified user, set by the Worker on its request to the stub (never by the client). */
export const verifiedHeaders = {
  userId: "X-Alva-User-Id",
  username: "X-Alva-Username",
  name: "X-Alva-User-Name",
  sessionId: "X-Alva-Session-Id",
  moderator: "X-Alva-Moderator",
  emailVerified: "X-Alva-Email-Verified",
  /** Set for site moderators and admins: their moderation goes into the audit log (app/admin). */
  siteModerator: "X-Alva-Site-Moderator",
  clientIp: "X-Alva-Client-Ip",
  workspaceId: "X-Alva-Workspace-Id",
  roomId: "X-Alva-Room-Id",
  roomKind: "X-Alva-Room-Kind",
  roomArchived: "X-Alva-Room-Archived",
} as const;

type MetaKey = "room_id" | "workspace_id" | "room_kind" | "archived";

/** Which room this object is, told by the Worker with every socket and post (kept in `meta`). */
export interface RoomInfo {
  id: string;
  workspaceId: string;
  kind: ChatRoomKind;
  /** An archived room can be read, not written to. */
  archived: boolean;
}

export interface Author {
  userId: string;
  username: string;
  name: string;
  /** Workspace owners, and site moderators and admins, delete anyone's messages. */
  moderator: boolean;
  /** Asking Alva is a paid model call: like plans (decision 0063), it needs a verified address. */
  verified: boolean;
  /** A site moderator or admin (not just a workspace owner): their moderation is audited. */
  siteModerator?: boolean;
  /** The client's address, for the audit log. */
  ip?: string | null;
}

/** Someone a moderator muted in this room, until when (decision 0101). */
export interface Mute {
  userId: string;
  username: string;
  until: number;
  by: string;
}

/** What each socket carries through hibernation (well under the 16 KiB limit). */
interface Attachment extends Author {
  sessionId: string;
}

interface MessageRow extends Record<string, SqlStorageValue> {
  id: number;
  client_id: string;
  user_id: string;
  username: string;
  author: string;
  text: string | null;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
  answer_state: AlvaAnswer["state"] | null;
  answer_model: string | null;
  answer_note: string | null;
}

/** Whether a stored message got Alva writing: null when it did not ask, else what happened. */
export type AlvaReply = null | "answering" | "queued" | { refused: string };

export type PostOutcome =
  | { ok: true; message: ChatMessage; duplicate: boolean; alva?: AlvaReply }
  | { ok: false; code: string; message: string };

function toMessage(row: MessageRow): ChatMessage {
  return {
    id: row.id,
    clientId: row.client_id,
    userId: row.user_id,
    username: row.username,
    author: row.author,
    text: row.deleted_at === null ? row.text : null,
    createdAt: row.created_at,
    editedAt: row.edited_at,
    deleted: row.deleted_at !== null,
    answer:
      row.answer_state === null
        ? null
        : { state: row.answer_state, model: row.answer_model ?? "", note: row.answer_note },
  };
}

export class ChatRoom extends DurableObject<Env> {
  /**
   * Each author's messages are stored one at a time, in arrival order (the rate-limit call is an await
   * that lets other frames in); different authors do not wait for each other.
   */
  private writes = new Map<string, Promise<unknown>>();
  private lastTyping = new WeakMap<WebSocket, number>();
  /**
   * Each socket's attachment, read once per socket and instance: deserializing it is a structured-clone
   * copy, and the hot paths (every frame, presence, a user's sockets) would otherwise do it per call.
   * Attachments never change after the upgrade, so the copy cannot go stale.
   */
  private attachments = new WeakMap<WebSocket, Attachment | null>();
  /** The `meta` table in memory: read on every message (archived? Ask Alva room?), written only through setMeta. */
  private metaCache = new Map<MetaKey, string | undefined>();
  /** Whether the mutes table has any row (null: not read yet): a room nobody is muted in skips the lookup per message. */
  private anyMutes: boolean | null = null;
  /** Alva's answer being written by this instance (one per room at a time). */
  private answering: { id: number; length: number; controller: AbortController; stoppedBy: string | null } | null =
    null;
  private nextSessionCheck = Date.now() + SESSION_CHECK_MS;
  /** When the day counts changed since the last flush: the flush is due STATS_FLUSH_MS after. Null when clean. */
  private statsFlushAt: number | null = null;
  /**
   * Each user's next message token, taken ahead from their bucket in the RateLimiter (one bucket per
   * user across every room): a message spends the token in hand and the next is fetched in the
   * background, so a message waits for the limiter's round trip only when its author is bursting.
   * Tokens in hand are already spent in the bucket, so this never allows more than the bucket does.
   */
  private messageTokens = new Map<string, { held: boolean; fetching: Promise<LimitResult> | null }>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      client_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      username TEXT NOT NULL,
      author TEXT NOT NULL,
      text TEXT,
      created_at INTEGER NOT NULL,
      edited_at INTEGER,
      deleted_at INTEGER,
      UNIQUE (user_id, client_id)
    )`);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS reads (user_id TEXT PRIMARY KEY, last_read_id INTEGER NOT NULL)");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    // The questions waiting for Alva (their message ids), answered lowest id first.
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS alva_queue (question_id INTEGER PRIMARY KEY)");
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS mutes (user_id TEXT PRIMARY KEY, username TEXT NOT NULL, until INTEGER NOT NULL, by_name TEXT NOT NULL)",
    );
    // Per UTC day: members' messages (model ''), and Alva's answers and tokens per model; `dirty` until flushed.
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS day_counts (
      day TEXT NOT NULL,
      model TEXT NOT NULL,
      messages INTEGER NOT NULL DEFAULT 0,
      answers INTEGER NOT NULL DEFAULT 0,
      tokens_in INTEGER NOT NULL DEFAULT 0,
      tokens_out INTEGER NOT NULL DEFAULT 0,
      dirty INTEGER NOT NULL DEFAULT 1,
      PRIMARY KEY (day, model)
    )`);
    // Rooms created before Alva answered in them get the answer columns.
    const columns = new Set(
      ctx.storage.sql
        .exec<{ name: string }>("SELECT name FROM pragma_table_info('messages')")
        .toArray()
        .map((column) => column.name),
    );
    for (const column of ["answer_state", "answer_model", "answer_note"]) {
      if (!columns.has(column)) ctx.storage.sql.exec(`ALTER TABLE messages ADD COLUMN ${column} TEXT`);
    }
    // A fresh instance writes no answer yet: one still marked streaming was lost with the last instance.
    ctx.storage.sql.exec(
      "UPDATE messages SET answer_state = 'failed', answer_note = ? WHERE answer_state = 'streaming'",
      "Cut short: the chat server restarted while Alva was writing. Ask again.",
    );
  }

  // ── Connecting ──────────────────────────────────────────────────────────────────────────────

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("This endpoint only speaks WebSocket.", { status: 426, headers: { Upgrade: "websocket" } });
    }
    const header = (name: string) => request.headers.get(name) ?? "";
    const attachment: Attachment = {
      userId: header(verifiedHeaders.userId),
      username: header(verifiedHeaders.username),
      name: safeDecode(header(verifiedHeaders.name)),
      sessionId: header(verifiedHeaders.sessionId),
      moderator: header(verifiedHeaders.moderator) === "1",
      verified: header(verifiedHeaders.emailVerified) === "1",
      siteModerator: header(verifiedHeaders.siteModerator) === "1",
      ip: header(verifiedHeaders.clientIp) || null,
    };
    const room = roomInfo(
      header(verifiedHeaders.roomId),
      header(verifiedHeaders.workspaceId),
      header(verifiedHeaders.roomKind),
      header(verifiedHeaders.roomArchived) === "1",
    );
    if (!attachment.userId || !attachment.sessionId || !room) {
      return new Response("Connect through /chat/:room/socket.", { status: 400 });
    }
    this.remember(room);

    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(attachment);
    this.attachments.set(server, attachment);

    const after = Number(new URL(request.url).searchParams.get("after"));
    server.send(
      JSON.stringify(this.welcome(attachment.userId, Number.isSafeInteger(after) && after > 0 ? after : null)),
    );
    this.broadcast({ type: "presence", online: this.presence() });
    this.prefetchMessageToken(attachment.userId);
    await this.scheduleAlarm();
    logEvent("info", "chat socket opened", {
      roomId: room.id,
      userId: attachment.userId,
      sockets: this.ctx.getWebSockets().length,
    });
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Writes only what changed: every connection and post tells the room, and a write waits for its commit. */
  private remember(room: RoomInfo): void {
    this.setMeta("room_id", room.id);
    this.setMeta("workspace_id", room.workspaceId);
    this.setMeta("room_kind", room.kind);
    this.setArchived(room.archived);
  }

  /** Told by the Worker when a room is archived or restored (and with every socket and post). */
  setArchived(archived: boolean): void {
    this.setMeta("archived", archived ? "1" : "0");
  }

  private setMeta(key: MetaKey, value: string): void {
    if (this.meta(key) !== value) {
      this.ctx.storage.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value);
      this.metaCache.set(key, value);
    }
  }

  private meta(key: MetaKey): string | undefined {
    if (!this.metaCache.has(key)) {
      const row = this.ctx.storage.sql
        .exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key)
        .toArray()[0];
      this.metaCache.set(key, row?.value);
    }
    return this.metaCache.get(key);
  }

  private attachment(socket: WebSocket): Attachment | null {
    if (!this.attachments.has(socket))
      this.attachments.set(socket, socket.deserializeAttachment() as Attachment | null);
    return this.attachments.get(socket) ?? null;
  }

  /** The first frame: who is online and either what was missed since `after` or the latest page. */
  private welcome(userId: string, after: number | null): ServerFrame {
    if (after !== null) {
      const missed = this.ctx.storage.sql
        .exec<MessageRow>("SELECT * FROM messages WHERE id > ? ORDER BY id LIMIT ?", after, REPLAY_LIMIT + 1)
        .toArray();
      if (missed.length <= REPLAY_LIMIT) {
        // Earlier messages may have changed meanwhile (edited, deleted, an answer of Alva's that went on
        // streaming): the recent ones that can change come again, and the client replaces them by id.
        const changed = this.ctx.storage.sql
          .exec<MessageRow>(
            `SELECT * FROM messages WHERE id <= ? AND id > ?
               AND (edited_at IS NOT NULL OR deleted_at IS NOT NULL OR answer_state IS NOT NULL) ORDER BY id`,
            after,
            after - REPLAY_LIMIT,
          )
          .toArray();
        return {
          type: "welcome",
          you: userId,
          online: this.presence(),
          mode: "replay",
          messages: [...changed, ...missed].map(toMessage),
          hasMore: true,
          alvaQueue: this.alvaQueue(),
        };
      }
    }
    const page = this.latest();
    return {
      type: "welcome",
      you: userId,
      online: this.presence(),
      mode: "latest",
      ...page,
      alvaQueue: this.alvaQueue(),
    };
  }

  // ── For server-rendered pages (RPC from the Worker) ─────────────────────────────────────────

  /** The latest page of messages and how many the user has not read yet. */
  latest(before?: number): { messages: ChatMessage[]; hasMore: boolean } {
    const rows = this.ctx.storage.sql
      .exec<MessageRow>(
        "SELECT * FROM messages WHERE id < ? ORDER BY id DESC LIMIT ?",
        before ?? Number.MAX_SAFE_INTEGER,
        HISTORY_PAGE + 1,
      )
      .toArray();
    const hasMore = rows.length > HISTORY_PAGE;
    return { messages: rows.slice(0, HISTORY_PAGE).reverse().map(toMessage), hasMore };
  }

  /** Messages ever written here, deleted ones included (the dashboard's "first chat" step). */
  messageCount(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM messages").one().n;
  }

  unreadCount(userId: string): number {
    const read =
      this.ctx.storage.sql
        .exec<{ id: number }>("SELECT last_read_id AS id FROM reads WHERE user_id = ?", userId)
        .toArray()[0]?.id ?? 0;
    return this.ctx.storage.sql
      .exec<{ n: number }>(
        "SELECT count(*) AS n FROM messages WHERE id > ? AND user_id <> ? AND deleted_at IS NULL",
        read,
        userId,
      )
      .one().n;
  }

  markRead(userId: string, id: number): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO reads (user_id, last_read_id) VALUES (?, ?)
       ON CONFLICT (user_id) DO UPDATE SET last_read_id = max(last_read_id, excluded.last_read_id)`,
      userId,
      id,
    );
  }

  // ── The account lifecycle (app/accounts/account-deletion.server.ts, app/settings/data-export.server.ts) ──

  /** Every message `userId` wrote here that is not deleted, oldest first: their data export. */
  messagesBy(userId: string): ChatMessage[] {
    return this.ctx.storage.sql
      .exec<MessageRow>("SELECT * FROM messages WHERE user_id = ? AND deleted_at IS NULL ORDER BY id", userId)
      .toArray()
      .map(toMessage);
  }

  /**
   * Shows `userId`'s messages under another name: "deleted user" when their account is deleted, their
   * own name again when an admin restores it. Names are stored with each message, so they are rewritten.
   */
  renameAuthor(userId: string, username: string, name: string): number {
    return this.ctx.storage.sql.exec(
      "UPDATE messages SET username = ?, author = ? WHERE user_id = ?",
      username,
      name,
      userId,
    ).rowsWritten;
  }

  /** Forgets the room entirely (its workspace was purged): sockets closed, messages and alarm gone. */
  async erase(): Promise<void> {
    for (const socket of this.ctx.getWebSockets()) closeQuietly(socket, 4004, "Room deleted");
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.metaCache.clear();
    this.anyMutes = null;
  }

  /** Posts a message as `author` (the no-JavaScript form goes through here, like a socket frame). */
  post(author: Author, clientId: string, text: string, room: RoomInfo): Promise<PostOutcome> {
    this.remember(room);
    return this.serialized(author.userId, () => this.store(author, clientId, text));
  }

  /** Deletes message `id` as `me` (the no-JavaScript form's Delete button), with the socket's rules and audit. */
  async remove(me: Author, id: number): Promise<PostOutcome> {
    const outcome = this.change(me, id, null);
    if (outcome.ok) await this.auditModeration(me, outcome.message);
    return outcome;
  }

  /** Edits message `id` as `me` (the JSON API), with the socket's rules: authors edit their own. */
  edit(me: Author, id: number, text: string): PostOutcome {
    return this.change(me, id, text);
  }

  // ── Mutes (decision 0101) ───────────────────────────────────────────────────────────────────

  /** Mutes `target` here until `until` (replacing an earlier mute); their posts are refused meanwhile. */
  mute(target: { userId: string; username: string }, until: number, by: string): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO mutes (user_id, username, until, by_name) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET username = excluded.username, until = excluded.until, by_name = excluded.by_name`,
      target.userId,
      target.username,
      until,
      by,
    );
    this.anyMutes = true;
  }

  /** Lifts a mute; false when there was none in force. */
  unmute(userId: string): boolean {
    const muted = this.mutedUntil(userId) !== null;
    this.ctx.storage.sql.exec("DELETE FROM mutes WHERE user_id = ?", userId);
    this.anyMutes = null;
    return muted;
  }

  /** When `userId`'s mute here ends, or null when they are not muted. Ended mutes are forgotten. */
  mutedUntil(userId: string, now = Date.now()): number | null {
    this.anyMutes ??= this.ctx.storage.sql.exec("SELECT 1 FROM mutes LIMIT 1").toArray().length > 0;
    if (!this.anyMutes) return null;
    const row = this.ctx.storage.sql
      .exec<{ until: number }>("SELECT until FROM mutes WHERE user_id = ?", userId)
      .toArray()[0];
    if (!row) return null;
    if (row.until > now) return row.until;
    this.ctx.storage.sql.exec("DELETE FROM mutes WHERE user_id = ? AND until <= ?", userId, now);
    this.anyMutes = null;
    return null;
  }

  /** The mutes in force, soonest end first. */
  mutes(now = Date.now()): Mute[] {
    return this.ctx.storage.sql
      .exec<{ user_id: string; username: string; until: number; by_name: string }>(
        "SELECT * FROM mutes WHERE until > ? ORDER BY until",
        now,
      )
      .toArray()
      .map((row) => ({ userId: row.user_id, username: row.username, until: row.until, by: row.by_name }));
  }

  /** A site moderator's or admin's deletion of someone else's message goes into the audit log. */
  private async auditModeration(me: Author, message: ChatMessage): Promise<void> {
    if (!me.siteModerator || message.userId === me.userId) return;
    const roomId = this.meta("room_id");
    await recordAudit(createDatabase(this.env), {
      actor: { id: me.userId, username: me.username },
      action: "chat.message-delete",
      target: { userId: message.userId, label: message.username },
      detail: { roomId, workspaceId: this.meta("workspace_id"), messageId: message.id },
      request: { ip: me.ip ?? null },
    });
  }

  /** Stops Alva's answer `id` (the no-JavaScript form's Stop button); false when it is not being written. */
  stopAnswer(id: number, name: string): boolean {
    if (this.answering?.id !== id) return false;
    this.answering.stoppedBy = name;
    this.answering.controller.abort();
    return true;
  }

  // ── Frames ──────────────────────────────────────────────────────────────────────────────────

  override async webSocketMessage(socket: WebSocket, frame: string | ArrayBuffer): Promise<void> {
    if (byteLength(frame) > MAX_MESSAGE_BYTES) {
      socket.close(1009, "Message too large");
      return;
    }
    const me = this.attachment(socket);
    if (!me) return;
    let parsedJson: unknown;
    try {
      parsedJson = typeof frame === "string" ? JSON.parse(frame) : null;
    } catch {
      parsedJson = null;
    }
    const parsed = clientFrame.safeParse(parsedJson);
    if (!parsed.success) {
      this.send(socket, { type: "error", code: "malformed", message: "That frame could not be understood." });
      return;
    }
    const input = parsed.data;
    switch (input.type) {
      case "send": {
        const outcome = await this.serialized(me.userId, () => this.store(me, input.clientId, input.text));
        if (!outcome.ok) {
          this.send(socket, { type: "error", code: outcome.code, message: outcome.message, clientId: input.clientId });
        } else if (outcome.duplicate) {
          this.send(socket, { type: "message", message: outcome.message });
        }
        return;
      }
      case "edit":
      case "delete": {
        const outcome = this.change(me, input.id, input.type === "edit" ? input.text : null);
        if (!outcome.ok) this.send(socket, { type: "error", code: outcome.code, message: outcome.message });
        else if (input.type === "delete") await this.auditModeration(me, outcome.message);
        return;
      }
      case "history":
        this.send(socket, { type: "history", ...this.latest(input.before) });
        return;
      case "read":
        this.markRead(me.userId, input.id);
        return;
      case "stop":
        if (!this.stopAnswer(input.id, me.name)) {
          this.send(socket, { type: "error", code: "not_found", message: "Alva is not writing that answer any more." });
        }
        return;
      case "typing": {
        const now = Date.now();
        if (now - (this.lastTyping.get(socket) ?? 0) < 1000) return;
        this.lastTyping.set(socket, now);
        this.broadcast({ type: "typing", userId: me.userId, name: me.name }, socket);
        return;
      }
    }
  }

  private serialized<T>(userId: string, work: () => Promise<T>): Promise<T> {
    const result = (this.writes.get(userId) ?? Promise.resolve()).then(work, work);
    const settled = result.catch(() => undefined);
    this.writes.set(userId, settled);
    void settled.then(() => {
      if (this.writes.get(userId) === settled) this.writes.delete(userId);
    });
    return result;
  }

  private async store(author: Author, clientId: string, rawText: string): Promise<PostOutcome> {
    if (this.meta("archived") === "1") {
      return { ok: false, code: "archived", message: "This room is archived: it can be read, not written to." };
    }
    const mutedUntil = this.mutedUntil(author.userId);
    if (mutedUntil !== null) {
      return {
        ok: false,
        code: "muted",
        message: `A moderator muted you in this room until ${formatUntil(mutedUntil)}.`,
      };
    }
    const text = rawText.trim();
    if (text.length === 0) return { ok: false, code: "empty", message: "Write something first." };
    if (text.length > MAX_MESSAGE_CHARS) {
      return {
        ok: false,
        code: "too_long",
        message: `A message holds at most ${MAX_MESSAGE_CHARS.toLocaleString("en")} characters.`,
      };
    }
    const sql = this.ctx.storage.sql;
    const existing = sql
      .exec<MessageRow>("SELECT * FROM messages WHERE user_id = ? AND client_id = ?", author.userId, clientId)
      .toArray()[0];
    // A retry of a message that was stored: acknowledged again (to the sender only), stored once.
    if (existing) return { ok: true, message: toMessage(existing), duplicate: true };
    const limit = await this.spendMessageToken(author.userId);
    if (!limit.allowed) {
      return { ok: false, code: "rate_limited", message: `Slow down: try again in ${limit.retryAfterSeconds} s.` };
    }
    const row = sql
      .exec<MessageRow>(
        `INSERT INTO messages (client_id, user_id, username, author, text, created_at) VALUES (?, ?, ?, ?, ?, ?)
         RETURNING *`,
        clientId,
        author.userId,
        author.username,
        author.name,
        text,
        Date.now(),
      )
      .one();
    // No read mark for the author: their own messages never count as unread (unreadCount), and one
    // write less per message matters at a few dozen messages a second.
    const message = toMessage(row);
    this.count({ messages: 1 });
    this.broadcast({ type: "message", message });
    await this.statsFlushScheduled();
    const alva = this.meta("room_kind") === "alva" || mentionsAlva(text) ? await this.askAlva(author, message) : null;
    return { ok: true, message, duplicate: false, alva };
  }

  /** Edits (text) or deletes (null) message `id`: authors their own; moderators delete any. */
  private change(me: Author, id: number, text: string | null): PostOutcome {
    const sql = this.ctx.storage.sql;
    const row = sql.exec<MessageRow>("SELECT * FROM messages WHERE id = ?", id).toArray()[0];
    if (!row || row.deleted_at !== null) return { ok: false, code: "not_found", message: "That message is gone." };
    const own = row.user_id === me.userId;
    if (text !== null) {
      if (!own) return { ok: false, code: "forbidden", message: "You can only edit your own messages." };
      const trimmed = text.trim();
      if (trimmed.length === 0 || trimmed.length > MAX_MESSAGE_CHARS) {
        return { ok: false, code: "too_long", message: `A message holds 1 to ${MAX_MESSAGE_CHARS} characters.` };
      }
      sql.exec("UPDATE messages SET text = ?, edited_at = ? WHERE id = ?", trimmed, Date.now(), id);
    } else {
      if (!own && !me.moderator)
        return { ok: false, code: "forbidden", message: "You can only delete your own messages." };
      // The text is gone for good; the row stays as the "message deleted" mark.
      sql.exec("UPDATE messages SET text = NULL, deleted_at = ? WHERE id = ?", Date.now(), id);
      // Deleting an answer while it streams stops it too; a deleted question no longer waits for one.
      if (this.answering?.id === id) this.stopAnswer(id, me.name);
      if (sql.exec("DELETE FROM alva_queue WHERE question_id = ?", id).rowsWritten > 0) {
        this.broadcast({ type: "alva-queue", questions: this.alvaQueue() });
      }
    }
    const message = toMessage(sql.exec<MessageRow>("SELECT * FROM messages WHERE id = ?", id).one());
    this.broadcast({ type: "updated", message });
    return { ok: true, message, duplicate: false };
  }

  // ── Message tokens (see messageTokens) ───────────────────────────────────────────────────────

  private fetchMessageToken(userId: string): Promise<LimitResult> {
    let entry = this.messageTokens.get(userId);
    if (!entry) {
      entry = { held: false, fetching: null };
      this.messageTokens.set(userId, entry);
    }
    const tokens = entry;
    tokens.fetching ??= rateLimit(this.env, `chat:user:${userId}`, messageLimit).finally(() => {
      tokens.fetching = null;
    });
    return tokens.fetching.then((result) => {
      if (result.allowed) tokens.held = true;
      return result;
    });
  }

  private prefetchMessageToken(userId: string): void {
    const entry = this.messageTokens.get(userId);
    if (entry?.held || entry?.fetching) return;
    this.fetchMessageToken(userId).catch(() => undefined); // the next message fetches again and reports
  }

  /** Spends one of the user's message tokens; called one at a time per user (serialized). */
  private async spendMessageToken(userId: string): Promise<LimitResult> {
    if (!this.messageTokens.get(userId)?.held) {
      const result = await this.fetchMessageToken(userId);
      if (!result.allowed) return result;
    }
    this.messageTokens.get(userId)!.held = false;
    this.prefetchMessageToken(userId);
    return { allowed: true, remaining: 0, retryAfterSeconds: 0 };
  }

  // ── Alva ────────────────────────────────────────────────────────────────────────────────────

  /** The ids of the questions waiting for Alva here, the next one first. */
  alvaQueue(): number[] {
    return this.ctx.storage.sql
      .exec<{ question_id: number }>("SELECT question_id FROM alva_queue ORDER BY question_id")
      .toArray()
      .map((row) => row.question_id);
  }

  /**
   * Starts Alva's answer to `question`, or queues it while she answers another (decision 0117), or says
   * why not (the asker is not verified or over their limit, or the room's queue is full).
   */
  private async askAlva(asker: Author, question: ChatMessage): Promise<AlvaReply> {
    const refuse = (reason: string): AlvaReply => {
      for (const socket of this.socketsOf(asker.userId))
        this.send(socket, { type: "error", code: "alva_busy", message: reason });
      return { refused: reason };
    };
    const queueFull = () => this.alvaQueue().length >= ALVA_QUEUE_LIMIT;
    const full = `Alva has ${ALVA_QUEUE_LIMIT} questions waiting in this room: ask again once she has answered one.`;
    if (!asker.verified) {
      return refuse("Verify your e-mail address to ask Alva (answers are paid model calls): see the note at the top.");
    }
    // Checked before and after taking a token: a full queue should not cost the asker one, and others may ask meanwhile.
    if (queueFull()) return refuse(full);
    const limit = await rateLimit(this.env, `chat:alva:${asker.userId}`, alvaLimit);
    if (!limit.allowed) return refuse(`Alva needs a moment: ask again in ${limit.retryAfterSeconds} s.`);
    if (queueFull()) return refuse(full);
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO alva_queue (question_id) VALUES (?)", question.id);
    if (this.answering) {
      this.broadcast({ type: "alva-queue", questions: this.alvaQueue() });
      return "queued";
    }
    await this.answerNext();
    const provider = aiProvider(this.env);
    if (provider.kind === "none") return { refused: `Alva cannot answer: ${provider.reason}` };
    // Questions left waiting by a restarted object go first.
    return this.alvaQueue().includes(question.id) ? "queued" : "answering";
  }

  /**
   * Starts the answer to the oldest waiting question, unless one is being written. Called when a
   * question arrives, when an answer ends, and by the alarm (an object that restarted with questions
   * waiting). A question deleted while it waited is skipped.
   */
  private async answerNext(): Promise<void> {
    const sql = this.ctx.storage.sql;
    let dequeued = false;
    while (!this.answering) {
      const next = sql
        .exec<{ id: number }>(
          `DELETE FROM alva_queue WHERE question_id = (SELECT min(question_id) FROM alva_queue)
           RETURNING question_id AS id`,
        )
        .toArray()[0];
      if (!next) break;
      dequeued = true;
      const question = sql.exec<MessageRow>("SELECT * FROM messages WHERE id = ?", next.id).toArray()[0];
      if (question && question.deleted_at === null) this.startAnswer(question.id);
    }
    if (dequeued) this.broadcast({ type: "alva-queue", questions: this.alvaQueue() });
    await this.scheduleAlarm();
  }

  /** Writes the answer's row (before any await, so no second answer can start meanwhile) and starts streaming into it. */
  private startAnswer(questionId: number): void {
    const provider = aiProvider(this.env);
    const row = this.ctx.storage.sql
      .exec<MessageRow>(
        `INSERT INTO messages (client_id, user_id, username, author, text, created_at, answer_state, answer_model, answer_note)
         VALUES (?, ?, ?, ?, '', ?, ?, ?, ?) RETURNING *`,
        `answer-to-${questionId}`,
        ALVA_USER_ID,
        ALVA_USERNAME,
        ALVA_NAME,
        Date.now(),
        provider.kind === "none" ? "failed" : "streaming",
        provider.kind === "none" ? "" : provider.model,
        provider.kind === "none" ? `Alva cannot answer: ${provider.reason}` : null,
      )
      .one();
    this.broadcast({ type: "message", message: toMessage(row) });
    if (provider.kind === "none") return;
    const answer = { id: row.id, length: 0, controller: new AbortController(), stoppedBy: null as string | null };
    this.answering = answer;
    this.ctx.waitUntil(this.writeAnswer(answer, provider, questionId));
  }

  private async writeAnswer(
    answer: NonNullable<ChatRoom["answering"]>,
    provider: Extract<ReturnType<typeof aiProvider>, { kind: "configured" | "demo" }>,
    questionId: number,
  ): Promise<void> {
    const sql = this.ctx.storage.sql;
    let state: AlvaAnswer["state"] = "complete";
    let note: string | null = null;
    let usage = { tokensIn: 0, tokensOut: 0 };
    try {
      const workspaceId = this.meta("workspace_id");
      if (!workspaceId) throw new AnswerFailed("this room does not know its workspace.");
      const context = await loadAlvaContext(createDatabase(this.env), workspaceId);
      const conversation = sql
        .exec<MessageRow>(
          `SELECT * FROM messages WHERE id <= ? AND deleted_at IS NULL AND text <> ''
             AND (answer_state IS NULL OR answer_state <> 'streaming')
           ORDER BY id DESC LIMIT ?`,
          questionId,
          CONVERSATION_TURNS,
        )
        .toArray()
        .reverse()
        .map((message) => ({ userId: message.user_id, author: message.author, text: message.text ?? "" }));
      const result = await streamAnswer({
        provider,
        client: openAiClient(provider),
        messages: alvaMessages(context, conversation),
        callKey: `chat:${this.meta("room_id") ?? "room"}`,
        signal: answer.controller.signal,
        timeoutMs: callTimeoutMs(this.env),
        onDelta: (text) => {
          // Stored before it is sent: a reconnecting client's welcome carries everything broadcast so far.
          sql.exec("UPDATE messages SET text = text || ? WHERE id = ?", text, answer.id);
          this.broadcast({ type: "chunk", id: answer.id, offset: answer.length, text });
          answer.length += text.length;
        },
      });
      usage = result.usage;
      if (result.truncated) note = `Cut off at ${MAX_ANSWER_CHARS.toLocaleString("en")} characters.`;
      // The SDK's stream may simply end when it is aborted, without throwing.
      if (answer.controller.signal.aborted) throw answer.controller.signal.reason;
    } catch (error) {
      if (answer.controller.signal.aborted) {
        state = "stopped";
        note = `Stopped by ${answer.stoppedBy ?? "someone in the room"}.`;
      } else {
        state = "failed";
        const reason = error instanceof AnswerFailed ? error.message : "something went wrong on our side.";
        note = `Cut short: ${reason} Ask again in a moment.`;
        if (!(error instanceof AnswerFailed)) {
          logEvent("error", "alva answer failed", {
            roomId: this.meta("room_id"),
            messageId: answer.id,
            error: (error as Error).message,
          });
        }
      }
    } finally {
      if (this.answering === answer) this.answering = null;
    }
    const row = sql
      .exec<MessageRow>(
        "UPDATE messages SET answer_state = ?, answer_note = ? WHERE id = ? RETURNING *",
        state,
        note,
        answer.id,
      )
      .one();
    this.broadcast({ type: "updated", message: toMessage(row) });
    this.count({ model: provider.model, answers: 1, ...usage });
    await this.statsFlushScheduled();
    await this.answerNext();
  }

  // ── Day counts for /admin/stats (decision 0106) ─────────────────────────────────────────────

  /** Adds to today's counts in the room's own storage (a local write, committed with the message). */
  private count(add: { model?: string; messages?: number; answers?: number; tokensIn?: number; tokensOut?: number }) {
    this.ctx.storage.sql.exec(
      `INSERT INTO day_counts (day, model, messages, answers, tokens_in, tokens_out, dirty) VALUES (?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (day, model) DO UPDATE SET messages = messages + excluded.messages, answers = answers + excluded.answers,
         tokens_in = tokens_in + excluded.tokens_in, tokens_out = tokens_out + excluded.tokens_out, dirty = 1`,
      new Date().toISOString().slice(0, 10),
      add.model ?? "",
      add.messages ?? 0,
      add.answers ?? 0,
      add.tokensIn ?? 0,
      add.tokensOut ?? 0,
    );
  }

  /** The first change since a flush sets the flush's alarm; later ones find it set. */
  private async statsFlushScheduled(): Promise<void> {
    if (this.statsFlushAt !== null) return;
    this.statsFlushAt = Date.now() + STATS_FLUSH_MS;
    await this.scheduleAlarm();
  }

  /**
   * Copies the changed day counts to libSQL as absolute values (a repeated flush writes the same
   * numbers). Marked clean before the await: counts added meanwhile mark their row dirty again, and a
   * failed flush marks every row it carried dirty again for the next alarm.
   */
  async flushDayCounts(): Promise<number> {
    const sql = this.ctx.storage.sql;
    const roomId = this.meta("room_id");
    const rows = sql
      .exec<{ day: string; model: string; messages: number; answers: number; tokens_in: number; tokens_out: number }>(
        "SELECT day, model, messages, answers, tokens_in, tokens_out FROM day_counts WHERE dirty = 1",
      )
      .toArray();
    this.statsFlushAt = null;
    if (!roomId || rows.length === 0) return 0;
    sql.exec("UPDATE day_counts SET dirty = 0 WHERE dirty = 1");
    // Older days are final once flushed; the room keeps about three months of them.
    sql.exec(
      "DELETE FROM day_counts WHERE dirty = 0 AND day < ?",
      new Date(Date.now() - 100 * 86_400_000).toISOString().slice(0, 10),
    );
    try {
      const db = createDatabase(this.env);
      await db
        .insert(chatRoomDays)
        .values(
          rows.map((row) => ({
            day: row.day,
            roomId,
            model: row.model,
            messages: row.messages,
            answers: row.answers,
            tokensIn: row.tokens_in,
            tokensOut: row.tokens_out,
          })),
        )
        .onConflictDoUpdate({
          target: [chatRoomDays.day, chatRoomDays.roomId, chatRoomDays.model],
          set: {
            messages: drizzleSql`excluded.messages`,
            answers: drizzleSql`excluded.answers`,
            tokensIn: drizzleSql`excluded.tokens_in`,
            tokensOut: drizzleSql`excluded.tokens_out`,
          },
        });
      return rows.length;
    } catch (error) {
      for (const row of rows)
        sql.exec("UPDATE day_counts SET dirty = 1 WHERE day = ? AND model = ?", row.day, row.model);
      this.statsFlushAt = Date.now() + STATS_FLUSH_MS;
      console.error(
        JSON.stringify({ level: "error", msg: "chat day counts not flushed", error: (error as Error).message }),
      );
      return 0;
    }
  }

  private socketsOf(userId: string): WebSocket[] {
    return this.ctx.getWebSockets().filter((socket) => this.attachment(socket)?.userId === userId);
  }

  // ── Presence, broadcast, closing ────────────────────────────────────────────────────────────

  private presence(): Presence[] {
    const online = new Map<string, Presence>();
    for (const socket of this.ctx.getWebSockets()) {
      const who = this.attachment(socket);
      if (who && socket.readyState === WebSocket.OPEN) online.set(who.userId, { userId: who.userId, name: who.name });
    }
    return [...online.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  private send(socket: WebSocket, frame: ServerFrame): void {
    try {
      socket.send(JSON.stringify(frame));
    } catch {
      // Closing already; its close handler cleans up.
    }
  }

  /** Serialised once, sent to every socket. */
  private broadcast(frame: ServerFrame, except?: WebSocket): void {
    const text = JSON.stringify(frame);
    for (const socket of this.ctx.getWebSockets()) {
      if (socket === except || socket.readyState !== WebSocket.OPEN) continue;
      try {
        socket.send(text);
      } catch {
        // A socket closing mid-broadcast is not the sender's problem.
      }
    }
  }

  override webSocketClose(socket: WebSocket, code: number, reason: string): void {
    // 1005/1006 are reserved and cannot be sent back; answer those with a normal close.
    closeQuietly(socket, code === 1005 || code === 1006 ? 1000 : code, reason);
    this.broadcast({ type: "presence", online: this.presence() }, socket);
    // Their last socket here closed: forget the token in hand (one token, back in the bucket within a second).
    const who = this.attachment(socket);
    if (who && this.socketsOf(who.userId).every((other) => other === socket)) this.messageTokens.delete(who.userId);
  }

  override webSocketError(socket: WebSocket, error: unknown): void {
    logEvent("warn", "chat socket error", { roomId: this.meta("room_id"), error: String(error) });
    closeQuietly(socket, 1011, "Socket error");
    this.broadcast({ type: "presence", online: this.presence() }, socket);
  }

  // ── Ended sessions (decision 0080) ──────────────────────────────────────────────────────────

  /**
   * One alarm serves three purposes: the session check while sockets are open, the heartbeat while
   * Alva writes (or has questions waiting: a restarted object answers them when it beats), and flushing
   * the day counts. It is set to the earliest of them, never later than one already set.
   */
  private async scheduleAlarm(): Promise<void> {
    const due = [
      this.answering || this.alvaQueue().length > 0 ? Date.now() + ANSWER_HEARTBEAT_MS : Number.POSITIVE_INFINITY,
      this.ctx.getWebSockets().length > 0 ? this.nextSessionCheck : Number.POSITIVE_INFINITY,
      this.statsFlushAt ?? Number.POSITIVE_INFINITY,
    ];
    const wanted = Math.min(...due);
    if (wanted === Number.POSITIVE_INFINITY) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > wanted) await this.ctx.storage.setAlarm(wanted);
  }

  /** Closes sockets whose session ended (sign-out, revoke, reset, expiry) or whose user left the workspace. */
  override async alarm(): Promise<void> {
    // While Alva writes, the object stays in memory and most alarms are heartbeats; otherwise the object
    // may have been evicted since (nextSessionCheck starts afresh), so every alarm is a session check.
    if (!this.answering || Date.now() >= this.nextSessionCheck) {
      this.nextSessionCheck = Date.now() + SESSION_CHECK_MS;
      await this.closeEndedSessions();
    }
    if (this.statsFlushAt === null || Date.now() >= this.statsFlushAt) await this.flushDayCounts();
    // Questions still waiting with no answer being written: this object restarted mid-queue.
    if (!this.answering) await this.answerNext();
    await this.scheduleAlarm();
  }

  async closeEndedSessions(): Promise<number> {
    const workspaceId = this.ctx.storage.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'workspace_id'")
      .toArray()[0]?.value;
    const sockets = this.ctx.getWebSockets().map((socket) => ({ socket, who: this.attachment(socket) }));
    if (!workspaceId || sockets.length === 0) return 0;
    const live = await liveSessions(
      createDatabase(this.env),
      workspaceId,
      sockets.flatMap(({ who }) => (who ? [{ sessionId: who.sessionId, userId: who.userId }] : [])),
    );
    let closed = 0;
    for (const { socket, who } of sockets) {
      if (who && live.has(who.sessionId)) continue;
      closeQuietly(socket, 4001, "Session ended");
      closed++;
    }
    if (closed > 0) {
      this.broadcast({ type: "presence", online: this.presence() });
      logEvent("info", "chat sockets of ended sessions closed", { roomId: this.meta("room_id"), closed });
    }
    return closed;
  }
}

function roomInfo(id: string, workspaceId: string, kind: string, archived: boolean): RoomInfo | null {
  if (!id || !workspaceId || (kind !== "general" && kind !== "topic" && kind !== "alva")) return null;
  return { id, workspaceId, kind, archived };
}

/** A frame's size in bytes; a string short enough to be under any limit is not encoded to find out (UTF-8: at most 3 bytes per UTF-16 unit). */
function byteLength(frame: string | ArrayBuffer): number {
  if (typeof frame !== "string") return frame.byteLength;
  return frame.length * 3 <= MAX_MESSAGE_BYTES ? frame.length : new TextEncoder().encode(frame).byteLength;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function closeQuietly(socket: WebSocket, code: number, reason: string) {
  try {
    socket.close(code, reason);
  } catch {
    // Already closed.
  }
}
