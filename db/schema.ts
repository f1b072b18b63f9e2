// The relational data of Alva, stored in Turso (libSQL). Later features add their tables here;
// `npm run db:generate` turns changes into a migration under migrations/.
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** People who asked to hear when Alva opens, from the landing page. One row per (lowercased) e-mail. */
export const waitlist = sqliteTable(
  "waitlist",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    email: text("email").notNull().unique(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch('subsec') * 1000)`),
    /** When an admin invited this address from /admin/settings (the invitation itself is in admin_invitations). */
    invitedAt: integer("invited_at", { mode: "timestamp_ms" }),
  },
  (table) => [index("waitlist_time").on(table.createdAt)],
);

// ── Accounts ────────────────────────────────────────────────────────────────────────────────
// Times are Unix milliseconds. Secrets (session secrets, codes, reset tokens) are stored only as
// SHA-256 hex digests; the plain values exist only in the cookie or e-mail that carries them.

/** The instance itself: one row (id = 1) once the first-run setup has finished. */
export const instance = sqliteTable(
  "instance",
  {
    id: integer("id").primaryKey(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id),
    setupCompletedAt: integer("setup_completed_at", { mode: "timestamp_ms" }).notNull(),
  },
  // The primary key makes a second setup fail; the check makes the row unique by construction.
  (table) => [check("instance_singleton", sql`${table.id} = 1`)],
);

export const organizations = sqliteTable("organizations", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** Shown in the app header and in e-mails; an `images` row of kind "logo" with no workspace. */
  logoImageId: text("logo_image_id"),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

export const roles = ["user", "moderator", "admin"] as const;
export type Role = (typeof roles)[number];

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    /** Lowercase letters, digits and `_`, stored lowercase: unique case-insensitively. */
    username: text("username").notNull().unique(),
    /** Stored lowercased. */
    email: text("email").notNull().unique(),
    displayName: text("display_name"),
    /** Self-describing PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash); null for passwordless accounts. */
    passwordHash: text("password_hash"),
    role: text("role", { enum: roles }).notNull().default("user"),
    emailVerifiedAt: integer("email_verified_at", { mode: "timestamp_ms" }),
    /** Accounts created by a magic link or a provider start with a generated username to replace. */
    mustChooseUsername: integer("must_choose_username", { mode: "boolean" }).notNull().default(false),
    /** The user's picture, stored in R2 (see `images`). */
    avatarImageId: text("avatar_image_id"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /** Set by an admin: the account cannot sign in or use the API until enabled again. */
    disabledAt: integer("disabled_at", { mode: "timestamp_ms" }),
    /** Deleted by its owner or an admin: signed out and refused at once, purged 30 days later (restorable until then). */
    deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
  },
  // The admin list's keyset pages (app/admin/user-list.server.ts): newest first, optionally by role.
  (table) => [
    index("users_created").on(table.createdAt, table.id),
    index("users_role_created").on(table.role, table.createdAt, table.id),
  ],
);

/** A business: every account gets a personal one at sign-up; onboarding, plans and chat hang off it. */
export const workspaces = sqliteTable(
  "workspaces",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  // The onboarding funnel of /admin/stats follows the workspaces created in a period.
  (table) => [index("workspaces_created").on(table.createdAt)],
);

export const workspaceMembers = sqliteTable(
  "workspace_members",
  {
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["owner", "member"] }).notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /** When the member last switched to this workspace: the most recent is their current one. */
    selectedAt: integer("selected_at", { mode: "timestamp_ms" }),
  },
  (table) => [
    primaryKey({ columns: [table.workspaceId, table.userId] }),
    index("workspace_members_user").on(table.userId),
  ],
);

export const sessions = sqliteTable(
  "sessions",
  {
    /** The public half of the token (also in the cookie); the secret half is only hashed here. */
    id: text("id").primaryKey(),
    secretHash: text("secret_hash").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    lastActiveAt: integer("last_active_at", { mode: "timestamp_ms" }).notNull(),
    /** Idle timeout: moved forward (at most hourly) while the session is used. */
    idleExpiresAt: integer("idle_expires_at", { mode: "timestamp_ms" }).notNull(),
    /** Absolute cap: never moves. */
    absoluteExpiresAt: integer("absolute_expires_at", { mode: "timestamp_ms" }).notNull(),
    /** "Remember me": a persistent cookie; otherwise a browser-session cookie. */
    persistent: integer("persistent", { mode: "boolean" }).notNull(),
    ip: text("ip"),
    device: text("device").notNull(),
  },
  (table) => [index("sessions_user").on(table.userId)],
);

/** Codes and links sent by e-mail to prove an address: verification of a new account or a new address. */
export const emailVerifications = sqliteTable(
  "email_verifications",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose", { enum: ["verify-email", "change-email"] }).notNull(),
    /** The address being proved (for change-email: the new one). */
    email: text("email").notNull(),
    codeHash: text("code_hash").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    attempts: integer("attempts").notNull().default(0),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    consumedAt: integer("consumed_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [index("email_verifications_user").on(table.userId)],
);

export const passwordResets = sqliteTable(
  "password_resets",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull().unique(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    consumedAt: integer("consumed_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [index("password_resets_user").on(table.userId)],
);

export const securityEventTypes = [
  "sign-in",
  "sign-in-failed",
  "sign-out",
  "password-changed",
  "password-reset",
  "email-changed",
  "email-verified",
  "session-revoked",
  "account-created",
  "role-changed",
  "magic-link-sign-in",
  "provider-linked",
  "provider-unlinked",
  "password-set",
  "api-sign-in",
  "api-token-reuse",
  "data-exported",
  "account-deleted",
  "account-restored",
  "account-disabled",
  "account-enabled",
  "signed-out-by-admin",
] as const;
export type SecurityEventType = (typeof securityEventTypes)[number];

/** What happened to an account, shown to its owner at /settings/security. Never holds secrets. */
export const securityEvents = sqliteTable(
  "security_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: text("type", { enum: securityEventTypes }).notNull(),
    ip: text("ip"),
    device: text("device"),
    detail: text("detail"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [index("security_events_user_time").on(table.userId, table.createdAt)],
);

/**
 * Every admin and moderator action: who did what to whom, when and from where. Append-only: the
 * app has no code that updates or deletes a row. Actor and target are copied as labels too, so an
 * entry still reads right after either account is purged (the ids then point nowhere, on purpose:
 * no foreign keys, no cascade).
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    actorId: text("actor_id").notNull(),
    /** The actor's username when it happened. */
    actorLabel: text("actor_label").notNull(),
    /** A dotted verb such as `user.disable`, `user.role`, `settings.signup-policy`, `chat.message-delete`. */
    action: text("action").notNull(),
    targetUserId: text("target_user_id"),
    /** The target's username (or another short description of the target) when it happened. */
    targetLabel: text("target_label"),
    /** Short JSON with the details (old and new values); never secrets. */
    detail: text("detail"),
    ip: text("ip"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [
    index("audit_log_time").on(table.createdAt),
    index("audit_log_actor_time").on(table.actorId, table.createdAt),
    index("audit_log_action_time").on(table.action, table.createdAt),
  ],
);

/** Development mail transport: messages land here and at /dev/outbox instead of being sent. */
export const devOutbox = sqliteTable("dev_outbox", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  to: text("to").notNull(),
  subject: text("subject").notNull(),
  text: text("text").notNull(),
  html: text("html").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

// ── Passwordless and social sign-in ──────────────────────────────────────────────────────────

/** E-mailed sign-in links: the token (in the link) and a short code (typed in the asking browser). */
export const magicLinks = sqliteTable(
  "magic_links",
  {
    id: text("id").primaryKey(),
    /** Lowercased; may belong to no account yet (the account is created when the link is used). */
    email: text("email").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    codeHash: text("code_hash").notNull(),
    /** SHA-256 of a random value kept in the requesting browser's cookie: the code works only there. */
    browserHash: text("browser_hash").notNull(),
    attempts: integer("attempts").notNull().default(0),
    redirectTo: text("redirect_to"),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    consumedAt: integer("consumed_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [index("magic_links_email").on(table.email)],
);

export const oauthProviders = ["github", "google", "apple"] as const;
export type OAuthProvider = (typeof oauthProviders)[number];

/** A provider account linked to a user, identified by (provider, provider user id), never by e-mail. */
export const oauthAccounts = sqliteTable(
  "oauth_accounts",
  {
    provider: text("provider", { enum: oauthProviders }).notNull(),
    providerUserId: text("provider_user_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** What the provider said at link time, for display only. */
    email: text("email"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.provider, table.providerUserId] }),
    index("oauth_accounts_user").on(table.userId),
  ],
);

// ── Onboarding and images ────────────────────────────────────────────────────────────────────

/** Uploaded images: bytes in R2 under `r2Key`, metadata here. Served only through access-checked routes. */
export const images = sqliteTable(
  "images",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Null for a user's avatar; the business's workspace for logos and brand images. */
    workspaceId: text("workspace_id").references(() => workspaces.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["logo", "brand", "avatar"] }).notNull(),
    /** Generated, content-addressed key (never derived from the uploaded file name). */
    r2Key: text("r2_key").notNull(),
    contentType: text("content_type").notNull(),
    bytes: integer("bytes").notNull(),
    width: integer("width").notNull(),
    height: integer("height").notNull(),
    sha256: text("sha256").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [index("images_workspace").on(table.workspaceId), index("images_owner").on(table.ownerId)],
);

/** One answer per onboarding card per workspace; `value` is the card's JSON value. */
export const onboardingAnswers = sqliteTable(
  "onboarding_answers",
  {
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    cardId: text("card_id").notNull(),
    /** JSON; `null` JSON for a skipped optional card. */
    value: text("value").notNull(),
    skipped: integer("skipped", { mode: "boolean" }).notNull().default(false),
    updatedBy: text("updated_by").references(() => users.id, { onDelete: "set null" }),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.workspaceId, table.cardId] })],
);

/** The client profile assembled from the answers (versioned JSON document), kept current as they change. */
export const clientProfiles = sqliteTable("client_profiles", {
  workspaceId: text("workspace_id")
    .primaryKey()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  schemaVersion: integer("schema_version").notNull(),
  /** Goes up by one with every saved answer; a plan job records the revision it read. */
  revision: integer("revision").notNull().default(1),
  document: text("document").notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

// ── AI marketing plans ──────────────────────────────────────────────────────────────────────────
// A job is one request to the model (a whole plan, or one section of an existing plan); a plan is what
// a successful whole-plan job produced; every change to a plan (a regenerated or hand-edited section)
// adds a version, and older versions stay readable.

export const planJobStatuses = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type PlanJobStatus = (typeof planJobStatuses)[number];

export const planJobs = sqliteTable(
  "plan_jobs",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    requestedBy: text("requested_by").references(() => users.id, { onDelete: "set null" }),
    /** "plan" writes a new plan; "section" rewrites one section of `planId` following `instruction`. */
    kind: text("kind", { enum: ["plan", "section"] }).notNull(),
    planId: text("plan_id"),
    section: text("section"),
    instruction: text("instruction"),
    /** The client profile revision the job reads (client_profiles.revision when it was created). */
    profileRevision: integer("profile_revision").notNull(),
    status: text("status", { enum: planJobStatuses }).notNull(),
    /** Times the consumer claimed it (a redelivery after a crash claims again once the lease expired). */
    attempts: integer("attempts").notNull().default(0),
    /** Why it failed, in words a user understands (no stack, no secrets). */
    lastError: text("last_error"),
    /** A running job belongs to whoever claimed it until this time; after it, another delivery may claim it. */
    leaseExpiresAt: integer("lease_expires_at", { mode: "timestamp_ms" }),
    /** After this the job is given up whatever its attempts. */
    deadlineAt: integer("deadline_at", { mode: "timestamp_ms" }).notNull(),
    cancelRequested: integer("cancel_requested", { mode: "boolean" }).notNull().default(false),
    /** JSON object of the sections finished so far while running ({ [sectionKey]: content }). */
    partial: text("partial"),
    model: text("model"),
    tokensIn: integer("tokens_in"),
    tokensOut: integer("tokens_out"),
    /** The plan this job produced (kind "plan") or changed (kind "section"). */
    resultPlanId: text("result_plan_id"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    startedAt: integer("started_at", { mode: "timestamp_ms" }),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
  },
  (table) => [
    index("plan_jobs_workspace").on(table.workspaceId, table.createdAt),
    // /admin/stats: jobs, generation times and tokens per day (covering: no table lookups), and the
    // queue's health by status.
    index("plan_jobs_stats").on(
      table.createdAt,
      table.kind,
      table.status,
      table.model,
      table.startedAt,
      table.finishedAt,
      table.tokensIn,
      table.tokensOut,
    ),
    index("plan_jobs_status").on(table.status, table.createdAt),
    // One live whole-plan job per profile revision: a second click gets the same job (the database
    // enforces it, not a read before the write).
    uniqueIndex("plan_jobs_one_live_per_revision")
      .on(table.workspaceId, table.profileRevision)
      .where(sql`${table.kind} = 'plan' AND ${table.status} IN ('queued', 'running')`),
    // One live section job per plan and section.
    uniqueIndex("plan_jobs_one_live_per_section")
      .on(table.planId, table.section)
      .where(sql`${table.kind} = 'section' AND ${table.status} IN ('queued', 'running')`),
  ],
);

export const plans = sqliteTable(
  "plans",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    /** The job that wrote version 1; unique, so a job that runs twice cannot make two plans. */
    jobId: text("job_id").notNull().unique(),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    profileRevision: integer("profile_revision").notNull(),
    model: text("model").notNull(),
    currentVersion: integer("current_version").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [index("plans_workspace").on(table.workspaceId, table.createdAt)],
);

export const planVersions = sqliteTable(
  "plan_versions",
  {
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    /** JSON, a PlanDocument (app/plans/plan-schema.ts). */
    document: text("document").notNull(),
    /** What made this version: "generated", "regenerated channelStrategy: focus on Instagram", "edited …". */
    change: text("change").notNull(),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.planId, table.version] })],
);

/** A ticked roadmap task (by its stable id, see roadmapTaskId); no row means not done. */
export const planTaskTicks = sqliteTable(
  "plan_task_ticks",
  {
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id, { onDelete: "cascade" }),
    taskId: text("task_id").notNull(),
    doneBy: text("done_by").references(() => users.id, { onDelete: "set null" }),
    doneAt: integer("done_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.planId, table.taskId] })],
);

// ── Teams and chat ─────────────────────────────────────────────────────────────────────────────
// Messages live in each room's Durable Object (workers/chat-room.ts); the database knows the rooms.

/** An e-mailed invitation to join a workspace: single use, bound to `email`, valid until `expiresAt`. */
export const workspaceInvitations = sqliteTable(
  "workspace_invitations",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    /** Lowercased; only an account with this address can accept. */
    email: text("email").notNull(),
    /** SHA-256 of the token in the link; replaced when the invitation is resent (the old link dies). */
    tokenHash: text("token_hash").notNull().unique(),
    invitedBy: text("invited_by").references(() => users.id, { onDelete: "set null" }),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    acceptedAt: integer("accepted_at", { mode: "timestamp_ms" }),
    acceptedBy: text("accepted_by").references(() => users.id, { onDelete: "set null" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    sentAt: integer("sent_at", { mode: "timestamp_ms" }).notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [
    // At most one open invitation per address and workspace: inviting again resends it.
    uniqueIndex("workspace_invitations_one_open")
      .on(table.workspaceId, table.email)
      .where(sql`${table.acceptedAt} IS NULL AND ${table.revokedAt} IS NULL`),
  ],
);

export const chatRoomKinds = ["general", "topic", "alva"] as const;
export type ChatRoomKind = (typeof chatRoomKinds)[number];

/** A room of a workspace; its id names its ChatRoom Durable Object. "alva" rooms belong to one member. */
export const chatRooms = sqliteTable(
  "chat_rooms",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: chatRoomKinds }).notNull(),
    name: text("name").notNull(),
    topic: text("topic"),
    /** The member whose private "Ask Alva" room this is; null for shared rooms. */
    ownerId: text("owner_id").references(() => users.id, { onDelete: "cascade" }),
    archivedAt: integer("archived_at", { mode: "timestamp_ms" }),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [
    index("chat_rooms_workspace").on(table.workspaceId),
    uniqueIndex("chat_rooms_one_general").on(table.workspaceId).where(sql`${table.kind} = 'general'`),
    uniqueIndex("chat_rooms_one_alva_per_member")
      .on(table.workspaceId, table.ownerId)
      .where(sql`${table.kind} = 'alva'`),
  ],
);

/**
 * One API sign-in (app/api): a chain of refresh tokens, each replacing the last. Listed beside browser
 * sessions; revoking it (or password reset, sign-out everywhere) stops its access tokens at their next
 * request, because every API request looks its family up. 7 days idle, 30 days absolute.
 */
export const apiTokenFamilies = sqliteTable(
  "api_token_families",
  {
    /** Public id: the access token's `sid`, and what DELETE /api/v1/auth/sessions/:id names. */
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }).notNull(),
    /** Sliding: moved forward at every refresh, never past absoluteExpiresAt. */
    idleExpiresAt: integer("idle_expires_at", { mode: "timestamp_ms" }).notNull(),
    absoluteExpiresAt: integer("absolute_expires_at", { mode: "timestamp_ms" }).notNull(),
    /** Set once: sign-out, revocation, a reused refresh token, password reset. Never cleared. */
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    revokedReason: text("revoked_reason"),
    ip: text("ip"),
    device: text("device").notNull(),
  },
  (table) => [index("api_token_families_user").on(table.userId)],
);

/**
 * Refresh tokens by SHA-256 (the token itself leaves the server once). A used token keeps its row with
 * `rotatedAt` set, so presenting it again is recognised as reuse (docs/decisions/0090-api-tokens.md).
 */
export const apiRefreshTokens = sqliteTable(
  "api_refresh_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    familyId: text("family_id")
      .notNull()
      .references(() => apiTokenFamilies.id, { onDelete: "cascade" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    rotatedAt: integer("rotated_at", { mode: "timestamp_ms" }),
  },
  (table) => [index("api_refresh_tokens_family").on(table.familyId)],
);

/** Idempotency-Key of POST /api/v1/plans: the same key from the same user answers with the same job. */
export const apiIdempotencyKeys = sqliteTable(
  "api_idempotency_keys",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    /** SHA-256 of method, path and body: the same key with another request is refused (422). */
    requestHash: text("request_hash").notNull(),
    status: integer("status").notNull(),
    body: text("body").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.key] })],
);

// ── The account lifecycle ─────────────────────────────────────────────────────────────────────

/**
 * "Download my data" archives (/settings/account): built in the background into R2 under
 * `exports/<user id>/<id>.json`, downloadable by their owner for EXPORT_LIFETIME, then removed by cron.
 */
export const dataExports = sqliteTable(
  "data_exports",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    status: text("status", { enum: ["preparing", "ready", "failed"] }).notNull(),
    r2Key: text("r2_key").notNull(),
    bytes: integer("bytes"),
    /** Why it failed, in words for the user (never a stack trace). */
    error: text("error"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
  },
  (table) => [index("data_exports_user_time").on(table.userId, table.createdAt)],
);

/**
 * A code mailed to a passwordless account to confirm a dangerous action (deleting the account) in
 * place of a password. One per user; a new one replaces the old. Stored as SHA-256 only.
 */
export const identityCodes = sqliteTable("identity_codes", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  codeHash: text("code_hash").notNull(),
  attempts: integer("attempts").notNull().default(0),
  expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
});

// ── Instance settings and statistics (/admin/settings, /admin/stats) ───────────────────────────────

export const signupPolicies = ["open", "invite-only", "closed", "domains"] as const;
export type SignupPolicy = (typeof signupPolicies)[number];
export const signInMethods = ["password", "magic-link", "github", "google", "apple"] as const;
export type SignInMethod = (typeof signInMethods)[number];

/**
 * What an admin set at /admin/settings: one row (id = 1), absent until the first change, so a fresh
 * instance runs with the defaults (open sign-up, every configured method, the built-in plan limit).
 */
export const instanceSettings = sqliteTable(
  "instance_settings",
  {
    id: integer("id").primaryKey(),
    signupPolicy: text("signup_policy", { enum: signupPolicies }).notNull().default("open"),
    /** JSON array of lowercased domains for the "domains" policy. */
    signupDomains: text("signup_domains").notNull().default("[]"),
    /** JSON array of the sign-in methods shown (and accepted). */
    signInMethods: text("sign_in_methods").notNull().default('["password","magic-link","github","google","apple"]'),
    /** Plans (model calls) a workspace may start per day; null = the built-in PLAN_GENERATION_LIMIT. */
    planLimitPerDay: integer("plan_limit_per_day"),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [check("instance_settings_singleton", sql`${table.id} = 1`)],
);

/**
 * An admin's invitation to create an account (from the waitlist): lets that address sign up even when
 * sign-up is invite-only. Like workspace invitations: single use, bound to `email`, token stored hashed.
 */
export const adminInvitations = sqliteTable(
  "admin_invitations",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    invitedBy: text("invited_by").references(() => users.id, { onDelete: "set null" }),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    acceptedAt: integer("accepted_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [index("admin_invitations_email").on(table.email)],
);

/**
 * Each account's last active UTC day (YYYY-MM-DD), written when a session's activity is refreshed (at
 * most hourly per session, and on a new day): weekly and monthly actives are a count over its index,
 * and it survives the deletion of ended sessions (decision 0105).
 */
export const userLastActive = sqliteTable(
  "user_last_active",
  {
    userId: text("user_id").primaryKey(),
    day: text("day").notNull(),
  },
  (table) => [index("user_last_active_day").on(table.day)],
);

/** Accounts active per UTC day: counted once per account and day, as user_last_active moves to a new day. */
export const activeUserDays = sqliteTable("active_user_days", {
  day: text("day").primaryKey(),
  users: integer("users").notNull().default(0),
});

/**
 * Onboarding cards first answered or skipped per UTC day (a later change of the answer is not counted
 * again): the funnel of /admin/stats without reading every answer.
 */
export const onboardingCardDays = sqliteTable(
  "onboarding_card_days",
  {
    day: text("day").notNull(),
    cardId: text("card_id").notNull(),
    answered: integer("answered").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.day, table.cardId] })],
);

/**
 * Each chat room's counts per UTC day, flushed by the room (workers/chat-room.ts) from its own storage
 * on an alarm: absolute values, so a repeated flush is harmless. Messages themselves never leave the room.
 */
export const chatRoomDays = sqliteTable(
  "chat_room_days",
  {
    day: text("day").notNull(),
    roomId: text("room_id").notNull(),
    /** Messages by members (Alva's answers not included). */
    messages: integer("messages").notNull().default(0),
    /** Alva's answers, per model, with the tokens the provider reported. */
    model: text("model").notNull().default(""),
    answers: integer("answers").notNull().default(0),
    tokensIn: integer("tokens_in").notNull().default(0),
    tokensOut: integer("tokens_out").notNull().default(0),
  },
  (table) => [
    primaryKey({ columns: [table.day, table.roomId, table.model] }),
    // Covers the per-day sums of /admin/stats: no table lookups for a 90-day range.
    index("chat_room_days_totals").on(
      table.day,
      table.model,
      table.messages,
      table.answers,
      table.tokensIn,
      table.tokensOut,
    ),
  ],
);
