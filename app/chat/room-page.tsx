import { useEffect, useMemo, useReducer, useRef, useState } from "react";
import { Form, Link } from "react-router";
import { requireUser } from "../accounts/auth.server.ts";
import { DEMO_MODEL } from "../ai/models.ts";
import { withDatabase } from "../platform/database.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import type { Route } from "./+types/room-page";
import { ChatClient, type ConnectionState } from "./chat-client.ts";
import { MessageText } from "./message-text.tsx";
import { formatUntil, muteDurations, muteLabels } from "./moderation.ts";
import { appendChunk, type ChatMessage, MAX_MESSAGE_CHARS, type Presence, type ServerFrame } from "./protocol.ts";
import { canModerate, roomAction } from "./room-actions.server.ts";
import { ensureRooms, listRooms, memberUsernames, requireRoom } from "./rooms.server.ts";

export const meta: Route.MetaFunction = ({ loaderData }) => [
  { title: loaderData ? `#${loaderData.room.name} — Chat — Alva` : "Chat — Alva" },
];
export const headers: Route.HeadersFunction = () => ({ "Cache-Control": "no-store" });

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  const { env } = args.context.get(requestInfo);
  return withDatabase(args.context, async (db) => {
    const { room, role } = await requireRoom(args.context, db, args.params.room, user.id);
    await ensureRooms(db, room.workspaceId, user.id);
    const [rooms, usernames] = await Promise.all([
      listRooms(db, room.workspaceId, user.id),
      memberUsernames(db, room.workspaceId),
    ]);
    const stub = env.CHAT_ROOM.getByName(room.id);
    const [page, unread] = await Promise.all([
      stub.latest(),
      Promise.all(
        rooms.map((other) => (other.id === room.id ? 0 : env.CHAT_ROOM.getByName(other.id).unreadCount(user.id))),
      ),
    ]);
    const lastId = page.messages.at(-1)?.id;
    if (lastId) await stub.markRead(user.id, lastId);
    const moderator = canModerate({ room, role }, user);
    const [mutes, mutedUntil, alvaQueue] = await Promise.all([
      moderator ? stub.mutes() : [],
      stub.mutedUntil(user.id),
      stub.alvaQueue(),
    ]);
    return {
      room,
      rooms: rooms.map((other, index) => ({ ...other, unread: unread[index] ?? 0 })),
      messages: page.messages,
      hasMore: page.hasMore,
      alvaQueue,
      me: { userId: user.id, moderator },
      mutes,
      mutedUntil,
      usernames,
      /** The no-JavaScript form's message id: a resubmitted form is stored once. */
      formClientId: crypto.randomUUID(),
    };
  });
}

export async function action(args: Route.ActionArgs) {
  const { user } = requireUser(args);
  return roomAction(args, user);
}

type View = {
  messages: ChatMessage[];
  hasMore: boolean;
  online: Presence[];
  /** The questions waiting for Alva, the next one first. */
  alvaQueue: number[];
};

function byId(messages: Iterable<ChatMessage>): ChatMessage[] {
  const unique = new Map<number, ChatMessage>();
  for (const message of messages) unique.set(message.id, message);
  return [...unique.values()].sort((a, b) => a.id - b.id);
}

function reduce(view: View, frame: ServerFrame): View {
  switch (frame.type) {
    case "welcome":
      return {
        online: frame.online,
        messages: frame.mode === "latest" ? frame.messages : byId([...view.messages, ...frame.messages]),
        hasMore: frame.mode === "latest" ? frame.hasMore : view.hasMore,
        alvaQueue: frame.alvaQueue,
      };
    case "message":
    case "updated":
      return { ...view, messages: byId([...view.messages, frame.message]) };
    case "chunk":
      return {
        ...view,
        messages: view.messages.map((message) => {
          if (message.id !== frame.id || message.text === null) return message;
          const text = appendChunk(message.text, frame.offset, frame.text);
          return text === null || text === message.text ? message : { ...message, text };
        }),
      };
    case "history":
      return { ...view, messages: byId([...frame.messages, ...view.messages]), hasMore: frame.hasMore };
    case "presence":
      return { ...view, online: frame.online };
    case "alva-queue":
      return { ...view, alvaQueue: frame.questions };
    default:
      return view;
  }
}

const smallInput = "rounded-md border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900";

const stateLabel: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  online: "Live",
  offline: "Offline: reconnecting; messages you send wait and go out when it is back",
};

// Keyed by room: moving to another room starts a fresh view and connection, never mixing two rooms.
export default function RoomPage(props: Route.ComponentProps) {
  return <RoomView key={props.loaderData.room.id} {...props} />;
}

function RoomView({ loaderData, actionData }: Route.ComponentProps) {
  const { room, rooms, me, usernames } = loaderData;
  const [view, dispatch] = useReducer(reduce, {
    messages: loaderData.messages,
    hasMore: loaderData.hasMore,
    online: [],
    alvaQueue: loaderData.alvaQueue,
  });
  const [connection, setConnection] = useState<ConnectionState | null>(null);
  const [typing, setTyping] = useState<Record<string, { name: string; until: number }>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [queued, setQueued] = useState(0);
  const client = useRef<ChatClient | null>(null);
  const [draft, setDraft] = useState("");

  useEffect(() => {
    const url = new URL(`/chat/${room.id}/socket`, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const live = new ChatClient({
      url: url.href,
      onState: (state) => {
        setConnection(state);
        setQueued(live.pending);
      },
      onFrame: (frame) => {
        if (frame.type === "typing") {
          setTyping((now) => ({ ...now, [frame.userId]: { name: frame.name, until: Date.now() + 4000 } }));
          return;
        }
        if (frame.type === "error") setProblem(frame.message);
        if (frame.type === "message") {
          setTyping((now) => {
            const { [frame.message.userId]: _gone, ...rest } = now;
            return rest;
          });
          live.send({ type: "read", id: frame.message.id });
        }
        setQueued(live.pending);
        dispatch(frame);
      },
    });
    client.current = live;
    live.start(loaderData.messages.at(-1)?.id ?? 0);
    return () => live.stop();
  }, [room.id, loaderData.messages]);

  // Forget typing indicators that went quiet.
  useEffect(() => {
    const timer = setInterval(() => {
      setTyping((now) => {
        const fresh = Object.fromEntries(Object.entries(now).filter(([, who]) => who.until > Date.now()));
        return Object.keys(fresh).length === Object.keys(now).length ? now : fresh;
      });
    }, 1000);
    return () => clearInterval(timer);
  }, []);

  const typingNames = Object.entries(typing)
    .filter(([userId]) => userId !== me.userId)
    .map(([, who]) => who.name);
  const known = useMemo(() => new Set(usernames), [usernames]);
  const live = connection !== null;

  function submit(event: React.FormEvent<HTMLFormElement>) {
    if (!client.current) return; // no JavaScript yet: the form posts
    event.preventDefault();
    const text = draft.trim();
    if (!text) return;
    if (text.length > MAX_MESSAGE_CHARS) {
      setProblem(`A message holds at most ${MAX_MESSAGE_CHARS.toLocaleString("en")} characters.`);
      return;
    }
    client.current.sendMessage(text);
    setQueued(client.current.pending);
    setProblem(null);
    setDraft("");
  }

  return (
    <div className="grid gap-6 lg:grid-cols-[14rem_1fr]">
      <noscript>
        <meta httpEquiv="refresh" content="15" />
      </noscript>
      <nav aria-label="Rooms" className="space-y-3">
        {/* A phone shows the rooms as a wrapped row above the conversation; wider screens a column. */}
        <ul className="flex flex-wrap gap-1 lg:block lg:space-y-1" data-testid="rooms">
          {rooms.map((other) => (
            <li key={other.id}>
              <Link
                to={`/chat/${other.id}`}
                className={`flex justify-between gap-2 rounded-md px-2 py-1 text-sm ${other.id === room.id ? "bg-zinc-100 font-medium dark:bg-zinc-800" : "hover:bg-zinc-50 dark:hover:bg-zinc-900"} ${other.archived ? "text-zinc-600 dark:text-zinc-400" : ""}`}
              >
                <span># {other.name}</span>
                {other.unread > 0 ? (
                  <span className="rounded-full bg-brand-600 px-2 text-xs text-white" data-testid="unread">
                    {other.unread}
                  </span>
                ) : null}
              </Link>
            </li>
          ))}
        </ul>
        <details className="text-sm">
          <summary className="cursor-pointer px-2 text-zinc-600 dark:text-zinc-400">Add a room</summary>
          <Form method="post" className="mt-2 space-y-2">
            <input type="hidden" name="intent" value="create-room" />
            <label className="block">
              <span className="sr-only">New room name</span>
              <input name="name" required maxLength={60} placeholder="New room" className={`w-full ${smallInput}`} />
            </label>
            <input
              name="topic"
              maxLength={200}
              placeholder="Topic (optional)"
              aria-label="Topic"
              className={`w-full ${smallInput}`}
            />
            <button type="submit" className="underline">
              Add room
            </button>
          </Form>
        </details>
      </nav>

      <section aria-labelledby="room-title" className="min-w-0 space-y-4">
        <header className="flex flex-wrap items-baseline justify-between gap-2">
          <div>
            <h1 id="room-title" className="text-xl font-semibold">
              # {room.name}
            </h1>
            {room.topic ? <p className="text-sm text-zinc-600 dark:text-zinc-400">{room.topic}</p> : null}
          </div>
          <p className="text-sm" data-testid="connection" data-state={connection ?? "static"}>
            {connection ? stateLabel[connection] : "Refreshes every 15 seconds"}
            {queued > 0 ? ` · ${queued} waiting to send` : ""}
          </p>
        </header>
        {room.kind === "topic" ? <RoomSettings room={room} /> : null}
        {room.kind === "alva" ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Alva answers every message here, from your workspace's profile and latest plan. In other rooms, write @alva
            to ask.
          </p>
        ) : null}
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="online">
          {view.online.length > 0 ? `Online: ${view.online.map((who) => who.name).join(", ")}` : null}
        </p>

        {view.hasMore && live ? (
          <button
            type="button"
            className="text-sm underline"
            onClick={() => {
              const oldest = view.messages[0]?.id;
              if (oldest) client.current?.send({ type: "history", before: oldest });
            }}
          >
            Earlier messages
          </button>
        ) : null}
        <ol className="space-y-3" data-testid="messages" aria-live="polite">
          {view.messages.map((message) => (
            <MessageItem
              key={message.id}
              message={message}
              mine={message.userId === me.userId}
              canDelete={message.userId === me.userId || me.moderator}
              canMute={me.moderator && message.userId !== me.userId && message.answer === null}
              waiting={view.alvaQueue.indexOf(message.id)}
              known={known}
              client={client.current}
            />
          ))}
        </ol>
        <p className="h-5 text-sm text-zinc-600 dark:text-zinc-400" data-testid="typing">
          {typingNames.length > 0 ? `${typingNames.join(", ")} ${typingNames.length > 1 ? "are" : "is"} typing…` : ""}
        </p>

        {problem || actionData?.error ? (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            {problem ?? actionData?.error}
          </p>
        ) : null}
        {loaderData.mutedUntil ? (
          <p role="note" className="text-sm text-amber-800 dark:text-amber-300" data-testid="muted-note">
            {`A moderator muted you in this room until ${formatUntil(loaderData.mutedUntil)}.`}
          </p>
        ) : null}
        {me.moderator && loaderData.mutes.length > 0 ? (
          <section aria-labelledby="mutes-title" className="text-sm">
            <h2 id="mutes-title" className="font-medium">
              Muted here
            </h2>
            <ul className="mt-1 space-y-1">
              {loaderData.mutes.map((mute) => (
                <li key={mute.userId} className="flex flex-wrap items-center gap-2">
                  <span>{`@${mute.username} until ${formatUntil(mute.until)} (by @${mute.by})`}</span>
                  <Form method="post">
                    <input type="hidden" name="intent" value="unmute" />
                    <input type="hidden" name="userId" value={mute.userId} />
                    <button type="submit" className="underline">
                      {`Unmute @${mute.username}`}
                    </button>
                  </Form>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        {room.archived ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            This room is archived: it can be read, not written to.
          </p>
        ) : (
          <Form method="post" onSubmit={submit} className="flex gap-2" data-testid="composer">
            <input type="hidden" name="intent" value="send" />
            <input type="hidden" name="clientId" value={loaderData.formClientId} />
            <label htmlFor="message" className="sr-only">
              Message
            </label>
            <textarea
              id="message"
              name="text"
              required
              rows={2}
              maxLength={MAX_MESSAGE_CHARS}
              value={draft}
              onChange={(event) => {
                setDraft(event.target.value);
                client.current?.send({ type: "typing" });
              }}
              onKeyDown={(event) => {
                if (event.key === "Enter" && !event.shiftKey) {
                  event.preventDefault();
                  event.currentTarget.form?.requestSubmit();
                }
              }}
              placeholder={
                room.kind === "alva" ? "Ask Alva" : "Write a message (Markdown; @name mentions; @alva asks Alva)"
              }
              className="min-w-0 flex-1 rounded-md border border-zinc-300 px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900"
            />
            <button
              type="submit"
              className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700"
            >
              Send
            </button>
          </Form>
        )}
      </section>
    </div>
  );
}

function RoomSettings({ room }: { room: { name: string; topic: string | null; archived: boolean } }) {
  return (
    <details className="text-sm">
      <summary className="cursor-pointer text-zinc-600 dark:text-zinc-400">Room settings</summary>
      <Form method="post" className="mt-2 flex flex-wrap items-end gap-2">
        <input type="hidden" name="intent" value="rename" />
        <input
          name="name"
          defaultValue={room.name}
          required
          maxLength={60}
          aria-label="Room name"
          className={smallInput}
        />
        <input name="topic" defaultValue={room.topic ?? ""} maxLength={200} aria-label="Topic" className={smallInput} />
        <button type="submit" className="underline">
          Rename
        </button>
      </Form>
      <Form method="post" className="mt-2">
        <input type="hidden" name="intent" value={room.archived ? "restore" : "archive"} />
        <button type="submit" className="underline">
          {room.archived ? "Restore room" : "Archive room"}
        </button>
      </Form>
    </details>
  );
}

function MessageItem({
  message,
  mine,
  canDelete,
  canMute,
  waiting,
  known,
  client,
}: {
  message: ChatMessage;
  mine: boolean;
  canDelete: boolean;
  canMute: boolean;
  /** Its place in Alva's queue (0: answered next), or -1 when it is not waiting for her. */
  waiting: number;
  known: Set<string>;
  client: ChatClient | null;
}) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(message.text ?? "");
  const answer = message.answer;
  const streaming = answer?.state === "streaming" && !message.deleted;
  return (
    <li
      id={`message-${message.id}`}
      className="space-y-1"
      data-testid="message"
      data-id={message.id}
      data-answer={answer?.state}
      // Screen readers announce the answer once it is complete, not every piece as it streams.
      aria-busy={streaming || undefined}
    >
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        <strong className="text-zinc-800 dark:text-zinc-200">{message.author}</strong> @{message.username} ·{" "}
        <time dateTime={new Date(message.createdAt).toISOString()}>
          {new Date(message.createdAt).toISOString().slice(11, 16)} UTC
        </time>
        {message.editedAt ? " · edited" : ""}
        {answer ? (
          <span className="ml-1 rounded bg-zinc-100 px-1 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">
            {answer.model === DEMO_MODEL ? "offline demo model, not an AI" : `AI · ${answer.model}`}
          </span>
        ) : null}
      </p>
      {message.deleted ? (
        <p className="text-sm italic text-zinc-600 dark:text-zinc-400">message deleted</p>
      ) : editing ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            client?.send({ type: "edit", id: message.id, text });
            setEditing(false);
          }}
          className="flex gap-2"
        >
          <input
            value={text}
            onChange={(event) => setText(event.target.value)}
            aria-label="Edit message"
            className={`min-w-0 flex-1 ${smallInput}`}
          />
          <button type="submit" className="text-sm underline">
            Save
          </button>
        </form>
      ) : (
        <div data-testid="message-text">
          <MessageText text={message.text ?? ""} members={known} />
        </div>
      )}
      {waiting >= 0 && !message.deleted ? (
        <p className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="alva-queued">
          {waiting === 0
            ? "Waiting for Alva: she answers this next."
            : `Waiting for Alva: she answers this after ${waiting} other question${waiting > 1 ? "s" : ""}.`}
        </p>
      ) : null}
      {streaming ? (
        <Form
          method="post"
          className="flex items-center gap-3 text-xs text-zinc-600 dark:text-zinc-400"
          data-testid="alva-writing"
        >
          <span>Alva is writing…</span>
          <input type="hidden" name="intent" value="stop" />
          <input type="hidden" name="id" value={message.id} />
          <button
            type="submit"
            className="underline"
            onClick={(event) => {
              if (!client) return; // no JavaScript yet: the form posts
              event.preventDefault();
              client.send({ type: "stop", id: message.id });
            }}
          >
            Stop
          </button>
        </Form>
      ) : answer?.note && !message.deleted ? (
        <p
          className={`text-xs ${answer.state === "failed" ? "text-red-700 dark:text-red-400" : "text-zinc-600 dark:text-zinc-400"}`}
        >
          {answer.note}
        </p>
      ) : null}
      {!client && !message.deleted && !streaming && canDelete ? (
        <Form method="post" className="text-xs text-zinc-600 dark:text-zinc-400">
          <input type="hidden" name="intent" value="delete" />
          <input type="hidden" name="id" value={message.id} />
          <button type="submit" className="underline">
            Delete
          </button>
        </Form>
      ) : null}
      {canMute ? (
        <details className="text-xs text-zinc-600 dark:text-zinc-400">
          <summary className="cursor-pointer">{`Mute @${message.username}`}</summary>
          <Form method="post" className="mt-1 flex flex-wrap items-center gap-2">
            <input type="hidden" name="intent" value="mute" />
            <input type="hidden" name="userId" value={message.userId} />
            <label htmlFor={`mute-${message.id}`}>For</label>
            <select
              id={`mute-${message.id}`}
              name="minutes"
              defaultValue="60"
              className="rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
            >
              {muteDurations.map((minutes) => (
                <option key={minutes} value={minutes}>
                  {muteLabels[minutes]}
                </option>
              ))}
            </select>
            <button type="submit" className="underline">
              Mute
            </button>
          </Form>
        </details>
      ) : null}
      {client && !message.deleted && !streaming ? (
        <p className="flex gap-3 text-xs text-zinc-600 dark:text-zinc-400">
          {mine ? (
            <button type="button" className="underline" onClick={() => setEditing(!editing)}>
              Edit
            </button>
          ) : null}
          {canDelete ? (
            <button type="button" className="underline" onClick={() => client.send({ type: "delete", id: message.id })}>
              Delete
            </button>
          ) : null}
        </p>
      ) : null}
    </li>
  );
}
