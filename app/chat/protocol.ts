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
      /** "replay": the messages after the client's last seen id; "latest": the latest page (replace). */
      mode: "replay" | "latest";
      messages: ChatMessage[];
      hasMore: boolean;
    }
  | { type: "message"; message: ChatMessage }
  | { type: "updated"; message: ChatMessage }
  | { type: "history"; messages: ChatMessage[]; hasMore: boolean }
  | { type: "presence"; online: Presence[] }
  | { type: "typing"; userId: string; name: string }
  | { type: "error"; code: string; message: string; clientId?: string };
