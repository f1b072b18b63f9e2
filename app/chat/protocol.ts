// The chat protocol between the browser (chat-client.ts) and a ChatRoom object: JSON text frames.
// Client frames are checked with zod in the object; anything else gets an error frame and the socket
// stays open. Shared by both sides so they cannot drift apart.
import { z } from "zod";

export const MAX_MESSAGE_CHARS = 4000;
/** Messages per page of history (and in the first page a new connection gets). */
export const HISTORY_PAGE = 50;
/** A reconnecting client gets at most this many missed messages; past it, the latest page instead. */
export const REPLAY_LIMIT = 200;

const messageId = z.number().int().positive();

export const clientFrame = z.discriminatedUnion("type", [
  // The text's length is checked by the object (to answer "too long" rather than "malformed").
  z.object({ type: z.literal("send"), clientId: z.string().min(1).max(64), text: z.string() }),
  z.object({ type: z.literal("edit"), id: messageId, text: z.string() }),
  z.object({ type: z.literal("delete"), id: messageId }),
  z.object({ type: z.literal("history"), before: messageId }),
  z.object({ type: z.literal("read"), id: messageId }),
  z.object({ type: z.literal("typing") }),
  // Stops Alva's answer `id` while it streams; anyone in the room may.
  z.object({ type: z.literal("stop"), id: messageId }),
]);
export type ClientFrame = z.infer<typeof clientFrame>;

export interface ChatMessage {
  id: number;
  clientId: string;
  userId: string;
  username: string;
  author: string;
  /** Null once deleted. */
  text: string | null;
  createdAt: number;
  editedAt: number | null;
  deleted: boolean;
  /** Set on Alva's answers only. */
  answer: AlvaAnswer | null;
}

export interface AlvaAnswer {
  /** "streaming" while the model writes; the text grows through "chunk" frames until it settles. */
  state: "streaming" | "complete" | "stopped" | "failed";
  /** The model that wrote it ("alva-demo" is the offline demo model, not an AI). */
  model: string;
  /** Why it stopped early ("Stopped by Ann.", "Cut short: …"), or null. */
  note: string | null;
}

export interface Presence {
  userId: string;
  name: string;
}

export type ServerFrame =
  | {
      type: "welcome";
      you: string;
      online: Presence[];
      /**
       * "replay": the messages after the client's last seen id, plus recent earlier ones that may have
       * changed since (edited, deleted, Alva's answers), to replace by id; "latest": the latest page (replace).
       */
      mode: "replay" | "latest";
      messages: ChatMessage[];
      hasMore: boolean;
      /** The questions waiting for Alva (message ids), the next one first. */
      alvaQueue: number[];
    }
  | { type: "message"; message: ChatMessage }
  | { type: "updated"; message: ChatMessage }
  /**
   * More of Alva's answer `id`: `text` starts at character `offset` of the answer. A client that already
   * has those characters (it joined mid-answer and got them in its welcome) skips them.
   */
  | { type: "chunk"; id: number; offset: number; text: string }
  | { type: "history"; messages: ChatMessage[]; hasMore: boolean }
  /** Alva's queue changed: the questions (message ids) she answers after the current one, the next one first. */
  | { type: "alva-queue"; questions: number[] }
  | { type: "presence"; online: Presence[] }
  | { type: "typing"; userId: string; name: string }
  | { type: "error"; code: string; message: string; clientId?: string };

/**
 * The answer's text after a "chunk" frame: the piece is appended where it starts; characters the text
 * already has (a welcome sent mid-answer carried them) are skipped. Null when the piece starts past the
 * end (a gap: never happens on one socket, whose frames arrive in order).
 */
export function appendChunk(text: string, offset: number, piece: string): string | null {
  if (offset > text.length) return null;
  const end = offset + piece.length;
  return end <= text.length ? text : text + piece.slice(text.length - offset);
}
