// Every URL of Alva. Route modules live next to their feature's server code and tests.
import { index, layout, type RouteConfig, route } from "@react-router/dev/routes";

export default [
  index("landing/landing-page.tsx"),
  route("theme", "theme/theme-action.ts"),
  route("healthz", "health/healthz.ts"),
  route("readyz", "health/readyz.ts"),
  // The names many hosts probe by default, answering exactly like the two above (app/health)
  route("health", "health/healthz.ts", { id: "health/health-alias" }),
  route("live", "health/healthz.ts", { id: "health/live-alias" }),
  route("ready", "health/readyz.ts", { id: "health/ready-alias" }),

  // First-run setup (app/setup)
  route("setup", "setup/setup-wizard.tsx"),

  // Accounts: sign-up, sign-in, sign-out (app/accounts)
  route("signup", "accounts/signup-page.tsx"),
  route("login", "accounts/login-page.tsx"),
  route("logout", "accounts/logout-action.ts"),

  // E-mail flows (app/email-flows)
  route("verify-email", "email-flows/verify-email-page.tsx"),
  route("verify-email/resend", "email-flows/verify-email-resend.tsx"),
  route("forgot-password", "email-flows/forgot-password-page.tsx"),
  route("reset-password", "email-flows/reset-password-page.tsx"),
  route("dev/outbox", "email-flows/dev-outbox-page.tsx"),
  // Passwordless sign-in by e-mail link or code, and finishing a generated profile (app/magic-links)
  route("login/link", "magic-links/request-page.tsx"),
  route("login/link/verify", "magic-links/verify-page.tsx"),
  route("welcome", "magic-links/welcome-page.tsx"),
  // Uploaded images, access-checked (app/images)
  route("images/:id", "images/image-route.ts"),
  // Social sign-in (app/oauth)
  route("auth/:provider", "oauth/start-route.ts"),
  route("auth/:provider/callback", "oauth/callback-page.tsx"),
  route("auth/apple/callback", "oauth/apple-form-post.ts"),
  route("auth/apple/finish", "oauth/apple-finish-page.tsx"),
  // The client profile's JSON Schema is public, so it lives outside the signed-in shell.
  route("onboarding/profile.schema.json", "onboarding/profile-schema.ts"),
  // Accepting an invitation to a workspace (app/workspaces); signed-out visitors see it too
  route("invitations/:token", "workspaces/invitation-page.tsx"),
  // The chat socket: upgraded in the Worker after session, Origin and membership checks (app/chat)
  route("chat/:room/socket", "chat/socket-route.ts"),
  // The plan document's JSON Schema, public like the profile's (app/plans)
  route("plans/plan.schema.json", "plans/plan-schema-route.ts"),

  // The JSON API for other clients (app/api): bearer tokens only, problem+json errors, OpenAPI document.
  route(".well-known/jwks.json", "api/jwks-route.ts"),
  route("api/v1/auth/token", "api/auth-token-route.ts"),
  route("api/v1/auth/refresh", "api/auth-refresh-route.ts"),
  route("api/v1/auth/magic-link", "api/auth-magic-link-route.ts"),
  route("api/v1/auth/magic-link/verify", "api/auth-magic-link-verify-route.ts"),
  route("api/v1/auth/logout", "api/auth-logout-route.ts"),
  route("api/v1/auth/me", "api/auth-me-route.ts"),
  route("api/v1/auth/sessions", "api/auth-sessions-route.ts"),
  route("api/v1/auth/sessions/:id", "api/auth-session-route.ts"),
  route("api/v1/setup/status", "api/setup-status-route.ts"),
  route("api/v1/profile", "api/profile-route.ts"),
  route("api/v1/onboarding/cards", "api/cards-route.ts"),
  route("api/v1/onboarding/cards/:id", "api/card-route.ts"),
  route("api/v1/plans", "api/plans-route.ts"),
  route("api/v1/plans/jobs/:id", "api/plan-job-route.ts"),
  route("api/v1/plans/jobs/:id/cancel", "api/plan-job-cancel-route.ts"),
  route("api/v1/plans/:id", "api/plan-route.ts"),
  route("api/v1/workspaces", "api/workspaces-route.ts"),
  route("api/v1/workspaces/:id/select", "api/workspace-select-route.ts"),
  route("api/v1/workspaces/:id/members", "api/workspace-members-route.ts"),
  route("api/v1/workspaces/:id/rooms", "api/workspace-rooms-route.ts"),
  route("api/v1/rooms/:id/messages", "api/room-messages-route.ts"),
  route("api/v1/openapi.json", "api/openapi-route.ts"),
  route("api/docs", "api/docs-page.tsx"),
  // Acting on workspaces, rooms, messages, plans and the account's data (issue 13)
  route("api/v1/workspaces/:id/members/:userId", "api/workspace-member-route.ts"),
  route("api/v1/workspaces/:id/transfer", "api/workspace-transfer-route.ts"),
  route("api/v1/workspaces/:id/invitations", "api/workspace-invitations-route.ts"),
  route("api/v1/workspaces/:id/invitations/:invitationId", "api/workspace-invitation-route.ts"),
  route("api/v1/workspaces/:id/invitations/:invitationId/resend", "api/workspace-invitation-resend-route.ts"),
  route("api/v1/rooms/:id", "api/room-route.ts"),
  route("api/v1/rooms/:id/archive", "api/room-archive-route.ts"),
  route("api/v1/rooms/:id/restore", "api/room-restore-route.ts"),
  route("api/v1/rooms/:id/messages/:messageId", "api/room-message-route.ts"),
  route("api/v1/plans/:id/sections/:section", "api/plan-section-route.ts"),
  route("api/v1/plans/:id/sections/:section/rewrite", "api/plan-section-rewrite-route.ts"),
  route("api/v1/plans/:id/tasks/:taskId", "api/plan-task-route.ts"),
  route("api/v1/plans/:id/markdown", "api/plan-markdown-route.ts"),
  route("api/v1/account/export", "api/account-export-route.ts"),
  route("api/v1/account/exports/:id", "api/account-export-download-route.ts"),
  route("api/*", "api/not-found-route.ts"),

  // The signed-in shell (app/shell) and what lives in it
  layout("shell/shell-layout.tsx", [
    route("dashboard", "shell/dashboard.tsx"),
    // Account settings (app/settings): every page under one heading and the settings tabs
    layout("settings/settings-layout.tsx", [
      route("settings", "settings/settings-page.tsx"),
      route("settings/profile", "settings/profile-page.tsx"),
      route("settings/sessions", "settings/sessions-page.tsx"),
      route("settings/security", "settings/security-page.tsx"),
      route("settings/password", "settings/password-page.tsx"),
      route("settings/email", "settings/email-page.tsx"),
      route("settings/connections", "settings/connections-page.tsx"),
      route("settings/account", "settings/account-page.tsx"),
    ]),
    route("settings/account/exports/:id", "settings/data-export-route.ts"),
    // The admin page (app/admin)
    route("admin", "admin/admin-page.tsx"),
    // Running the instance: users and the audit log (app/admin)
    route("admin/users", "admin/users-page.tsx"),
    route("admin/users/:id", "admin/user-page.tsx"),
    route("admin/audit", "admin/audit-page.tsx"),
    route("admin/audit.csv", "admin/audit-csv-route.ts"),
    // Running the instance: statistics, settings, system (app/admin)
    route("admin/stats", "admin/stats-page.tsx"),
    route("admin/stats/download/:chart", "admin/stats-csv-route.ts"),
    route("admin/system", "admin/system-page.tsx"),
    route("admin/settings", "admin/settings-page.tsx"),
    route("admin/settings/waitlist/download", "admin/settings-waitlist-route.ts"),
    // Onboarding questionnaire and client profile (app/onboarding)
    route("onboarding", "onboarding/onboarding-index.ts"),
    route("onboarding/summary", "onboarding/summary-page.tsx"),
    route("onboarding/profile.json", "onboarding/profile-download.ts"),
    route("onboarding/:card", "onboarding/card-page.tsx"),
    // AI marketing plans: list and generate, a job being written, a plan, edits, downloads (app/plans)
    route("plans", "plans/plans-page.tsx"),
    route("plans/jobs/:jobId", "plans/job-page.tsx"),
    route("plans/:id", "plans/plan-page.tsx"),
    route("plans/:id/sections/:section/edit", "plans/section-edit-page.tsx"),
    route("plans/:id/download/:format", "plans/plan-download.ts"),
    // Workspaces, members, invitations (app/workspaces) and chat rooms (app/chat)
    route("workspaces", "workspaces/workspaces-page.tsx"),
    route("workspaces/switch", "workspaces/switch-action.ts"),
    route("workspaces/:workspaceId/members", "workspaces/members-page.tsx"),
    route("chat", "chat/chat-index.tsx"),
    route("chat/:room", "chat/room-page.tsx"),
  ]),

  // Any other URL is a 404 rendered in the app's layout, with the request id. Keep it last.
  route("*", "platform/not-found.tsx"),
] satisfies RouteConfig;
