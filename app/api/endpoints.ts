// Every endpoint of the JSON API, in the order the OpenAPI document lists them. A route module in
// app/routes.ts serves each; a new endpoint goes here too, or the document (and its contract test) misses it.
import * as account from "./account-endpoints.server.ts";
import * as auth from "./auth-endpoints.server.ts";
import * as chat from "./chat-endpoints.server.ts";
import { type AnyEndpoint, apiJson, endpoint } from "./http.server.ts";
import { openApiDocument } from "./openapi.server.ts";
import * as plans from "./plan-endpoints.server.ts";
import * as resources from "./resource-endpoints.server.ts";
import * as workspaces from "./workspace-endpoints.server.ts";

export const openApi = endpoint({
  method: "GET",
  path: "/api/v1/openapi.json",
  operationId: "openApi",
  summary: "This document",
  tag: "setup",
  auth: false,
  responses: { 200: { description: "OpenAPI 3.1" } },
  async handle() {
    return apiJson(openApiDocument(), { headers: { "Cache-Control": "public, max-age=300" } });
  },
});

export const endpoints: AnyEndpoint[] = [
  auth.issueToken,
  auth.refreshToken,
  auth.requestMagicLink,
  auth.verifyMagicLink,
  auth.logout,
  auth.me,
  auth.listSessions,
  auth.deleteSession,
  auth.setupStatus,
  auth.jwks,
  resources.profile,
  resources.listCards,
  resources.getCard,
  resources.putCard,
  resources.listPlansEndpoint,
  resources.generatePlan,
  resources.getPlanJob,
  resources.cancelPlanJob,
  resources.getPlan,
  plans.editPlanSection,
  plans.rewritePlanSection,
  plans.tickPlanTask,
  plans.planMarkdown,
  resources.listWorkspaces,
  workspaces.createWorkspaceEndpoint,
  resources.selectCurrentWorkspace,
  resources.listWorkspaceMembers,
  workspaces.removeWorkspaceMember,
  workspaces.transferWorkspace,
  workspaces.listInvitations,
  workspaces.createInvitation,
  workspaces.resendWorkspaceInvitation,
  workspaces.revokeWorkspaceInvitation,
  resources.listWorkspaceRooms,
  chat.createWorkspaceRoom,
  chat.getRoom,
  chat.renameWorkspaceRoom,
  chat.archiveWorkspaceRoom,
  chat.restoreWorkspaceRoom,
  resources.listRoomMessages,
  resources.postRoomMessage,
  chat.editRoomMessage,
  chat.deleteRoomMessage,
  account.getDataExport,
  account.requestDataExport,
  account.downloadDataExport,
  openApi,
];
