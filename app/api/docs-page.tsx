// GET /api/docs: the API reference, rendered on the server from the OpenAPI document itself
// (app/api/openapi.server.ts), so it works without JavaScript and under the strict CSP (no inline
// styles or scripts, no third-party assets). Each operation shows its method, path, auth, parameters,
// body and answers; schemas are listed once, as JSON Schema, at the end. With JavaScript, a small
// console sends requests to this instance's API (same origin, so `connect-src 'self'` allows it); the
// token typed there stays in the page's memory only.
import { type FormEvent, useState } from "react";
import type { Route } from "./+types/docs-page";
import { openApiDocument } from "./openapi.server.ts";

interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: unknown[];
  parameters?: { name: string; in: string; required: boolean; description?: string }[];
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string } }> }>;
}

interface Document {
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

export function loader() {
  const document = openApiDocument() as unknown as Document;
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      id: operation.operationId,
      summary: operation.summary,
      description: operation.description ?? null,
      tag: operation.tags[0] ?? "other",
      auth: operation.security.length > 0,
      parameters: (operation.parameters ?? []).map((parameter) => ({
        name: parameter.name,
        in: parameter.in,
        required: parameter.required,
        description: parameter.description ?? null,
      })),
      body: schemaName(Object.values(operation.requestBody?.content ?? {})[0]?.schema.$ref),
      responses: Object.entries(operation.responses).map(([status, response]) => {
        const [contentType, media] = Object.entries(response.content ?? {})[0] ?? [null, undefined];
        return { status, description: response.description, contentType, schema: schemaName(media?.schema.$ref) };
      }),
    })),
  );
  return {
    info: document.info,
    tags: document.tags,
    operations,
    schemas: Object.entries(document.components.schemas).map(([name, schema]) => ({
      name,
      json: JSON.stringify(schema, null, 2),
    })),
  };
}

function schemaName(ref: string | undefined): string | null {
  return ref ? ref.slice(ref.lastIndexOf("/") + 1) : null;
}

export const meta: Route.MetaFunction = () => [{ title: "API reference — Alva" }];
export const headers: Route.HeadersFunction = () => ({ "Cache-Control": "public, max-age=300" });

const methodClass: Record<string, string> = {
  GET: "bg-sky-100 text-sky-900 dark:bg-sky-900/40 dark:text-sky-100",
  POST: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900/40 dark:text-emerald-100",
  PUT: "bg-amber-100 text-amber-900 dark:bg-amber-900/40 dark:text-amber-100",
  DELETE: "bg-red-100 text-red-900 dark:bg-red-900/40 dark:text-red-100",
};

export default function ApiDocsPage({ loaderData }: Route.ComponentProps) {
  const { info, tags, operations, schemas } = loaderData;
  return (
    <article className="space-y-10" aria-labelledby="api-title">
      <header className="space-y-3">
        <h1 id="api-title" className="text-2xl font-semibold tracking-tight">
          {info.title} <span className="text-base font-normal text-zinc-500">v{info.version}</span>
        </h1>
        <p className="text-zinc-600 dark:text-zinc-400">{info.description}</p>
        <p className="text-sm">
          The machine-readable document: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1). Signing
          keys: <a href="/.well-known/jwks.json">/.well-known/jwks.json</a>.
        </p>
        <nav aria-label="Sections" className="flex flex-wrap gap-3 text-sm">
          {tags.map((tag) => (
            <a key={tag.name} href={`#tag-${tag.name}`} className="underline">
              {tag.name}
            </a>
          ))}
          <a href="#schemas" className="underline">
            schemas
          </a>
        </nav>
      </header>

      <TryIt operations={operations.map((operation) => ({ method: operation.method, path: operation.path }))} />

      {tags.map((tag) => (
        <section key={tag.name} aria-labelledby={`tag-${tag.name}`} className="space-y-4">
          <h2 id={`tag-${tag.name}`} className="text-xl font-semibold">
            {tag.name} <span className="text-base font-normal text-zinc-500">— {tag.description}</span>
          </h2>
          {operations
            .filter((operation) => operation.tag === tag.name)
            .map((operation) => (
              <section
                key={operation.id}
                id={operation.id}
                className="space-y-2 rounded-xl border border-zinc-200 p-4 dark:border-zinc-800"
              >
                <h3 className="flex flex-wrap items-center gap-2 font-mono text-sm">
                  <span className={`rounded px-2 py-0.5 font-semibold ${methodClass[operation.method] ?? ""}`}>
                    {operation.method}
                  </span>
                  <span>{operation.path}</span>
                  {operation.auth ? (
                    <span className="rounded bg-zinc-100 px-2 py-0.5 text-xs dark:bg-zinc-800">Bearer token</span>
                  ) : null}
                </h3>
                <p>{operation.summary}</p>
                {operation.description ? (
                  <p className="text-sm text-zinc-600 dark:text-zinc-400">{operation.description}</p>
                ) : null}
                {operation.parameters.length ? (
                  <ul className="text-sm">
                    {operation.parameters.map((parameter) => (
                      <li key={`${parameter.in}-${parameter.name}`}>
                        <code>{parameter.name}</code> ({parameter.in}
                        {parameter.required ? ", required" : ""})
                        {parameter.description ? `: ${parameter.description}` : ""}
                      </li>
                    ))}
                  </ul>
                ) : null}
                {operation.body ? (
                  <p className="text-sm">
                    Body (application/json): <a href={`#schema-${operation.body}`}>{operation.body}</a>
                  </p>
                ) : null}
                <ul className="text-sm">
                  {operation.responses.map((response) => (
                    <li key={response.status}>
                      <code>{response.status}</code> {response.description}
                      {response.schema ? (
                        <>
                          {" "}
                          — <a href={`#schema-${response.schema}`}>{response.schema}</a>
                        </>
                      ) : null}
                    </li>
                  ))}
                </ul>
              </section>
            ))}
        </section>
      ))}

      <section aria-labelledby="schemas" className="space-y-3">
        <h2 id="schemas" className="text-xl font-semibold">
          Schemas
        </h2>
        {schemas.map((schema) => (
          <details
            key={schema.name}
            id={`schema-${schema.name}`}
            className="rounded-lg border border-zinc-200 p-3 dark:border-zinc-800"
          >
            <summary className="cursor-pointer font-mono text-sm">{schema.name}</summary>
            <pre className="mt-2 overflow-x-auto text-xs">{schema.json}</pre>
          </details>
        ))}
      </section>
    </article>
  );
}

interface Answer {
  status: number;
  headers: string;
  body: string;
}

/** Sends one request to the API and shows the answer (needs JavaScript; the reference above does not). */
function TryIt({ operations }: { operations: { method: string; path: string }[] }) {
  const [method, setMethod] = useState("GET");
  const [path, setPath] = useState("/api/v1/auth/me");
  const [token, setToken] = useState("");
  const [body, setBody] = useState("");
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [sending, setSending] = useState(false);

  async function send(event: FormEvent) {
    event.preventDefault();
    // Only this instance's API: the console is not a proxy to anywhere else.
    if (!path.startsWith("/api/") && path !== "/.well-known/jwks.json") {
      setAnswer({ status: 0, headers: "", body: "Only paths under /api/ can be tried here." });
      return;
    }
    setSending(true);
    try {
      const headers: Record<string, string> = { Accept: "application/json" };
      if (token.trim()) headers.Authorization = `Bearer ${token.trim()}`;
      if (body.trim()) headers["Content-Type"] = "application/json";
      const response = await fetch(path, {
        method,
        headers,
        body: body.trim() && method !== "GET" ? body : undefined,
        credentials: "omit",
      });
      const text = await response.text();
      let pretty = text;
      try {
        pretty = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // not JSON: shown as it came
      }
      setAnswer({
        status: response.status,
        headers: [...response.headers].map(([name, value]) => `${name}: ${value}`).join("\n"),
        body: pretty,
      });
    } catch (error) {
      setAnswer({ status: 0, headers: "", body: String(error) });
    } finally {
      setSending(false);
    }
  }

  return (
    <section aria-labelledby="try-it" className="space-y-3 rounded-xl border border-zinc-200 p-4 dark:border-zinc-800">
      <h2 id="try-it" className="text-xl font-semibold">
        Try it
      </h2>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Sends a request to this instance. Get a token with <code>POST /api/v1/auth/token</code> and paste its{" "}
        <code>accessToken</code>; cookies are never sent.
      </p>
      <form onSubmit={send} className="space-y-2">
        <div className="flex flex-wrap gap-2">
          <label className="sr-only" htmlFor="try-method">
            Method
          </label>
          <select
            id="try-method"
            value={method}
            onChange={(event) => setMethod(event.target.value)}
            className="rounded-md border border-zinc-300 bg-white px-2 py-1 font-mono text-sm dark:border-zinc-700 dark:bg-zinc-900"
          >
            {["GET", "POST", "PUT", "DELETE"].map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
          <label className="sr-only" htmlFor="try-path">
            Path
          </label>
          <input
            id="try-path"
            list="try-paths"
            value={path}
            onChange={(event) => setPath(event.target.value)}
            className="min-w-64 flex-1 rounded-md border border-zinc-300 bg-white px-2 py-1 font-mono text-sm dark:border-zinc-700 dark:bg-zinc-900"
          />
          <datalist id="try-paths">
            {[...new Set(operations.map((operation) => operation.path))].map((operationPath) => (
              <option key={operationPath} value={operationPath} />
            ))}
          </datalist>
        </div>
        <div>
          <label htmlFor="try-token" className="block text-sm font-medium">
            Access token
          </label>
          <input
            id="try-token"
            type="password"
            autoComplete="off"
            value={token}
            onChange={(event) => setToken(event.target.value)}
            className="w-full rounded-md border border-zinc-300 bg-white px-2 py-1 font-mono text-sm dark:border-zinc-700 dark:bg-zinc-900"
          />
        </div>
        <div>
          <label htmlFor="try-body" className="block text-sm font-medium">
            JSON body
          </label>
          <textarea
            id="try-body"
            rows={3}
            value={body}
            onChange={(event) => setBody(event.target.value)}
            className="w-full rounded-md border border-zinc-300 bg-white px-2 py-1 font-mono text-sm dark:border-zinc-700 dark:bg-zinc-900"
          />
        </div>
        <button
          type="submit"
          disabled={sending}
          className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60"
        >
          {sending ? "Sending…" : "Send"}
        </button>
      </form>
      {answer ? (
        <div aria-live="polite" className="space-y-1">
          <p className="font-mono text-sm" data-testid="try-status">
            {answer.status || "no answer"}
          </p>
          <pre className="overflow-x-auto text-xs text-zinc-500">{answer.headers}</pre>
          <pre className="overflow-x-auto text-xs" data-testid="try-body">
            {answer.body}
          </pre>
        </div>
      ) : null}
    </section>
  );
}
