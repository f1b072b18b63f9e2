// The browser's connection to a room. It reconnects after any drop with exponential backoff and full
// jitter (a deploy closes every socket at once; jitter spreads the reconnections), resumes from the
// last message id it saw (the room replays what was missed), and queues messages typed while offline:
// each carries its own clientId, so sending it again after a lost acknowledgement stores it once.
import type { ChatMessage, ClientFrame, ServerFrame } from "./protocol.ts";

export type ConnectionState = "connecting" | "online" | "offline";

export interface ChatClientOptions {
  /** ws(s)://…/chat/:room/socket */
  url: string;
  onFrame: (frame: ServerFrame) => void;
  onState: (state: ConnectionState) => void;
  /** Tests shorten these. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
}

/** Full jitter: a uniformly random wait between 0 and min(cap, base · 2^attempt). */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

export class ChatClient {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private lastSeenId = 0;
  private you = "";
  /** Messages not yet acknowledged, by clientId, in the order they were typed. */
  private readonly outbox = new Map<string, ClientFrame & { type: "send" }>();

  constructor(private readonly options: ChatClientOptions) {}

  start(lastSeenId = 0): void {
    this.lastSeenId = lastSeenId;
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close(1000, "Leaving");
    this.socket = null;
  }

  /** Queues a message; it is sent now if online, else as soon as the connection is back. */
  sendMessage(text: string): string {
    const clientId = crypto.randomUUID();
    const frame = { type: "send" as const, clientId, text };
    this.outbox.set(clientId, frame);
    this.transmit(frame);
    return clientId;
  }

  /** Frames that only make sense live (typing, edits, history): dropped while offline. */
  send(frame: ClientFrame): void {
    this.transmit(frame);
  }

  get pending(): number {
    return this.outbox.size;
  }

  private transmit(frame: ClientFrame): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  private open(): void {
    this.options.onState("connecting");
    const url = new URL(this.options.url);
    if (this.lastSeenId > 0) url.searchParams.set("after", String(this.lastSeenId));
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener("message", (event) => {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(event.data));
      } catch {
        return;
      }
      this.receive(frame);
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.options.onState("offline");
      // 4001: the session ended; reconnecting would be refused. 1008/4003: not allowed here.
      if (this.stopped || event.code === 4001 || event.code === 1008) return;
      const delay = backoffDelay(
        this.attempt++,
        this.options.baseDelayMs ?? 500,
        this.options.maxDelayMs ?? 30_000,
        this.options.random,
      );
      this.timer = setTimeout(() => this.open(), delay);
    });
  }

  private receive(frame: ServerFrame): void {
    if (frame.type === "welcome") {
      this.attempt = 0;
      this.you = frame.you;
      this.options.onState("online");
      this.seen(frame.messages);
      this.options.onFrame(frame);
      // Resend what was typed offline or never acknowledged, in order.
      for (const queued of this.outbox.values()) this.transmit(queued);
      return;
    }
    if (frame.type === "message") {
      if (frame.message.userId === this.you) this.outbox.delete(frame.message.clientId);
      this.seen([frame.message]);
    }
    if (frame.type === "error" && frame.clientId) this.outbox.delete(frame.clientId);
    this.options.onFrame(frame);
  }

  private seen(messages: ChatMessage[]): void {
    for (const message of messages) if (message.id > this.lastSeenId) this.lastSeenId = message.id;
  }
}
