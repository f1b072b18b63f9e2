// The OpenAPI 3.1 document, made from the endpoints themselves (app/api/endpoints.ts): the paths,
// methods, parameters and the zod schemas the handlers validate with, converted by zod 4's own
// z.toJSONSchema (JSON Schema 2020-12, which OpenAPI 3.1 uses). Nothing here is written by hand but the
// prose, so the document cannot drift from what the handlers accept and answer.
import { type ZodType, z } from "zod";
import { endpoints } from "./endpoints.ts";
import { type AnyEndpoint, type ProblemStatus, problemSchema } from "./http.server.ts";

const COMPONENTS = "#/components/schemas/";

/** Answers every authenticated endpoint may give besides its own (403: the account is disabled or deleted). */
const AUTHENTICATED_ERRORS: ProblemStatus[] = [401, 403, 429, 503];
const ALWAYS_ERRORS: ProblemStatus[] = [429, 503];

const errorDescriptions: Record<ProblemStatus, string> = {
  400: "Malformed request (the body is not valid JSON, or a header is not valid)",
  401: "No valid access token (see WWW-Authenticate), or wrong credentials",
  403: "Not allowed, or the account is disabled or deleted (`type` ends in account-disabled / account-deleted)",
  404: "Not found, or not yours (the same answer)",
  405: "Method not allowed",
  409: "Conflicts with the resource's state",
  412: "Precondition failed",
  413: "Body too large (64 KB)",
  415: "Body not sent as application/json",
  422: "Validation failed; `errors` points at the fields",
  429: "Rate limited; see Retry-After",
  500: "Our fault; quote requestId",
  503: "Temporarily unavailable; see Retry-After",
};

let cached: Record<string, unknown> | undefined;

/** The document (made once per isolate). */
export function openApiDocument(): Record<string, unknown> {
  cached ??= buildDocument(endpoints);
  return cached;
}

function schemaId(schema: ZodType): string | undefined {
  const id = (schema.meta() as { id?: unknown } | undefined)?.id;
  return typeof id === "string" ? id : undefined;
}

/** A component name for `schema`: its own id, or one made from the operation (registered as a clone). */
function named(schema: ZodType, fallback: string, registry: z.core.$ZodRegistry<{ id?: string }>): string {
  const id = schemaId(schema) ?? fallback;
  if (!registry.has(schema)) registry.add(schema, { id });
  return id;
}

function buildDocument(list: AnyEndpoint[]): Record<string, unknown> {
  // Every schema with an `id` becomes a component; schemas an endpoint uses without one get a name
  // from the operation. One registry holds them all, so nested ids become $refs between components.
  const registry = z.registry<{ id?: string }>();
  const refs = new Map<ZodType, string>();
  const use = (schema: ZodType, fallback: string) => {
    const id = named(schema, fallback, registry);
    refs.set(schema, id);
    return { $ref: `${COMPONENTS}${id}` };
  };
  use(problemSchema, "Problem");
  // Nested schemas named with .meta({ id }) live in zod's global registry; each must be a component too,
  // or z.toJSONSchema refers to them through a "__shared" document that does not exist here.
  for (const [id, schema] of z.globalRegistry._idmap) if (!registry.has(schema)) registry.add(schema, { id });

  const paths: Record<string, Record<string, unknown>> = {};
  const requestBodies = new Set<string>();
  for (const endpoint of list) {
    const operation: Record<string, unknown> = {
      operationId: endpoint.operationId,
      summary: endpoint.summary,
      ...(endpoint.description ? { description: endpoint.description } : {}),
      tags: [endpoint.tag],
      security: endpoint.auth ? [{ bearer: [] }] : [],
    };
    const parameters = [
      ...parametersOf(endpoint.params, "path"),
      ...parametersOf(endpoint.query, "query"),
      ...(endpoint.operationId === "generatePlan"
        ? [
            {
              name: "Idempotency-Key",
              in: "header",
              required: false,
              description: "Retrying with the same key answers as the first request did",
              schema: { type: "string", minLength: 1, maxLength: 200 },
            },
          ]
        : []),
    ];
    if (parameters.length) operation.parameters = parameters;
    if (endpoint.body) {
      operation.requestBody = {
        required: true,
        content: { "application/json": { schema: use(endpoint.body, `${capitalize(endpoint.operationId)}Request`) } },
      };
      requestBodies.add(refs.get(endpoint.body)!);
    }
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(endpoint.responses)) {
      const contentType =
        spec.contentType ?? (endpoint.operationId === "jwks" ? "application/jwk-set+json" : "application/json");
      responses[status] = {
        description: spec.description,
        ...(spec.schema
          ? { content: { [contentType]: { schema: use(spec.schema, `${capitalize(endpoint.operationId)}${status}`) } } }
          : {}),
        ...(spec.headers
          ? {
              headers: Object.fromEntries(
                Object.entries(spec.headers).map(([name, description]) => [
                  name,
                  { description, schema: { type: "string" } },
                ]),
              ),
            }
          : {}),
      };
    }
    // What the conventions answer by themselves (http.server.ts): a body can be refused four ways, a
    // query string can be invalid, a path parameter that cannot be an id names nothing.
    const errors = new Set<ProblemStatus>([
      ...(endpoint.errors ?? []),
      ...(endpoint.auth ? AUTHENTICATED_ERRORS : ALWAYS_ERRORS),
      ...(endpoint.body ? ([400, 413, 415, 422] as const) : []),
      ...(endpoint.query ? ([422] as const) : []),
      ...(endpoint.params ? ([404] as const) : []),
    ]);
    for (const status of [...errors].sort()) {
      responses[String(status)] = {
        description: errorDescriptions[status],
        content: { "application/problem+json": { schema: { $ref: `${COMPONENTS}Problem` } } },
      };
    }
    operation.responses = responses;
    paths[endpoint.path] ??= {};
    paths[endpoint.path]![endpoint.method.toLowerCase()] = operation;
  }

  const convert = (io: "input" | "output") =>
    z.toJSONSchema(registry, {
      target: "draft-2020-12",
      io,
      unrepresentable: "any",
      uri: (id) => `${COMPONENTS}${id}`,
    }) as { schemas: Record<string, Record<string, unknown>> };
  // A request body is described as a client writes it (its input: a field with a default or a
  // transform of an absent value is optional); everything else as the server answers it.
  const output = convert("output").schemas;
  const input = convert("input").schemas;
  const schemas = Object.fromEntries(
    Object.entries(output).map(([id, outputSchema]) => {
      const schema = requestBodies.has(id) ? input[id]! : outputSchema;
      // Inside an OpenAPI document a component is addressed by its place; its own $id and $schema
      // would make validators resolve references against the wrong base.
      const { $id: _id, $schema: _schema, ...rest } = schema;
      return [id, rest];
    }),
  );

  return {
    openapi: "3.1.0",
    info: {
      title: "Alva API",
      version: "1.0.0",
      description:
        "Bearer tokens from POST /api/v1/auth/token; errors are RFC 9457 problem documents. See the README's API section.",
    },
    servers: [{ url: "/" }],
    tags: [
      { name: "auth", description: "Signing in, tokens, sign-ins" },
      { name: "setup", description: "The instance" },
      { name: "onboarding", description: "The questionnaire and the client profile" },
      { name: "plans", description: "Marketing plans and plan requests" },
      { name: "workspaces", description: "Workspaces and members" },
      { name: "chat", description: "Chat rooms and messages" },
      { name: "account", description: "Your data" },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
    },
  };
}

function parametersOf(schema: ZodType | undefined, place: "path" | "query") {
  if (!schema || !(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, ZodType>).map(([name, field]) => {
    const { $schema: _schema, ...fieldSchema } = z.toJSONSchema(field, {
      target: "draft-2020-12",
      io: "input",
      unrepresentable: "any",
    }) as Record<string, unknown>;
    return {
      name,
      in: place,
      required: place === "path" || !field.safeParse(undefined).success,
      schema: fieldSchema,
    };
  });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
