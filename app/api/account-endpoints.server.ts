// The account's own data over the API: ask for the archive /settings/account prepares ("Download my
// data"), follow it, and take it once ready. The same functions as the page (app/settings/data-export
// .server.ts): one archive at a time, prepared after the answer, kept 7 days, only ever the user's own.
import { z } from "zod";
import { latestExport, readExport, requestExport } from "../settings/data-export.server.ts";
import { apiJson, apiProblem, endpoint } from "./http.server.ts";
import { iso, timestamp } from "./resource-endpoints.server.ts";

const exportBase = { id: z.string(), requestedAt: timestamp };
export const dataExportSchema = z
  .discriminatedUnion("status", [
    z.object({ status: z.literal("none") }),
    z.object({ status: z.literal("preparing"), ...exportBase }),
    z.object({
      status: z.literal("ready"),
      ...exportBase,
      bytes: z.int(),
      expiresAt: timestamp,
      download: z.string().describe("GET it with the access token: the archive as JSON"),
    }),
    z.object({ status: z.literal("failed"), ...exportBase, error: z.string() }),
  ])
  .meta({ id: "DataExport" });

async function exportView(...args: Parameters<typeof latestExport>) {
  const state = await latestExport(...args);
  switch (state.status) {
    case "none":
      return state;
    case "ready":
      return {
        ...state,
        requestedAt: iso(state.requestedAt)!,
        expiresAt: iso(state.expiresAt)!,
        download: `/api/v1/account/exports/${state.id}`,
      };
    default:
      return { ...state, requestedAt: iso(state.requestedAt)! };
  }
}

export const getDataExport = endpoint({
  method: "GET",
  path: "/api/v1/account/export",
  operationId: "getDataExport",
  summary: "The newest archive of your data: none, being prepared, ready (with its address) or failed",
  tag: "account",
  auth: true,
  responses: { 200: { description: "The archive's state", schema: dataExportSchema } },
  async handle({ db, auth }) {
    return apiJson(await exportView(db, auth.user.id));
  },
});

export const requestDataExport = endpoint({
  method: "POST",
  path: "/api/v1/account/export",
  operationId: "requestDataExport",
  summary: "Prepare an archive of all your data (as “Download my data” on /settings/account)",
  description:
    "Answers 202 at once; poll GET /api/v1/account/export until `status` is `ready`. While one is being prepared, asking again answers with it.",
  tag: "account",
  auth: true,
  responses: {
    202: {
      description: "The archive being prepared",
      schema: dataExportSchema,
      headers: { Location: "/api/v1/account/export" },
    },
  },
  async handle({ db, env, ctx, auth, request }) {
    const work = await requestExport(env, db, { userId: auth.user.id, request });
    if (work) ctx.waitUntil(work());
    return apiJson(await exportView(db, auth.user.id), {
      status: 202,
      headers: { Location: "/api/v1/account/export" },
    });
  },
});

export const downloadDataExport = endpoint({
  method: "GET",
  path: "/api/v1/account/exports/{id}",
  operationId: "downloadDataExport",
  summary: "Your ready archive (another person's archive id is a 404, like an expired one)",
  tag: "account",
  auth: true,
  params: z.object({ id: z.string().max(64) }),
  responses: {
    200: {
      description: "The archive (format alva-data-export/1)",
      schema: z.record(z.string(), z.unknown()).meta({ id: "DataArchive" }),
    },
  },
  errors: [404],
  async handle({ db, env, auth, params, requestId }) {
    const archive = await readExport(env, db, auth.user.id, params.id);
    if (!archive) throw apiProblem(requestId, 404, "There is no such archive, or it has expired. Prepare a new one.");
    return new Response(archive.body, {
      headers: {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": `attachment; filename="alva-data-${auth.user.username}.json"`,
        "Cache-Control": "private, no-store",
      },
    });
  },
});
