// Reading and saving onboarding answers, and keeping the client profile current. Everything is keyed
// by the signed-in user's current workspace (currentWorkspace), never by anything the form sends.
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { RouterContextProvider } from "react-router";
import type { Database } from "../../db/client.ts";
import { clientProfiles, images, onboardingAnswers, workspaceMembers } from "../../db/schema.ts";
import { httpError } from "../platform/http-error.ts";
import { cards, findCard } from "./cards.ts";
import { buildProfile, type ClientProfile, PROFILE_SCHEMA_VERSION, type StoredAnswer } from "./profile.ts";

/**
 * The order that makes a user's first membership their current workspace: the one they switched to
 * last (workspace_members.selected_at), else the oldest they own, else the oldest they joined. The
 * selection is a column of the membership itself, so it can never point at a workspace the user is
 * no longer a member of (see app/workspaces/).
 */
const currentFirst = [
  sql`${workspaceMembers.selectedAt} IS NULL`,
  desc(workspaceMembers.selectedAt),
  sql`${workspaceMembers.role} <> 'owner'`,
  asc(workspaceMembers.createdAt),
];

/** The user's current workspace (see currentFirst). Null only for an account that belongs to none. */
export async function currentWorkspace(db: Database, userId: string): Promise<string | null> {
  const [row] = await db
    .select({ workspaceId: workspaceMembers.workspaceId })
    .from(workspaceMembers)
    .where(eq(workspaceMembers.userId, userId))
    .orderBy(...currentFirst)
    .limit(1);
  return row?.workspaceId ?? null;
}

const NO_WORKSPACE = "Your account has no business workspace yet.";

/** currentWorkspace, or a 404 page when the account has none (it cannot be onboarded). */
export async function requireWorkspace(
  context: Readonly<RouterContextProvider>,
  db: Database,
  userId: string,
): Promise<string> {
  const workspaceId = await currentWorkspace(db, userId);
  if (!workspaceId) httpError(context, 404, NO_WORKSPACE);
  return workspaceId;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * The workspace `userId` owns (as currentWorkspace) and its answers in one query: every card page and
 * card post needs both, and a round trip to the database is most of their time.
 */
export async function loadUserWorkspaceAndAnswers(
  context: Readonly<RouterContextProvider>,
  db: Database,
  userId: string,
): Promise<{ workspaceId: string; answers: Map<string, StoredAnswer> }> {
  const current = db
    .select({ id: workspaceMembers.workspaceId })
    .from(workspaceMembers)
    .where(eq(workspaceMembers.userId, userId))
    .orderBy(...currentFirst)
    .limit(1);
  const rows = await db
    .select({
      workspaceId: workspaceMembers.workspaceId,
      cardId: onboardingAnswers.cardId,
      value: onboardingAnswers.value,
      skipped: onboardingAnswers.skipped,
    })
    .from(workspaceMembers)
    .leftJoin(onboardingAnswers, eq(onboardingAnswers.workspaceId, workspaceMembers.workspaceId))
    .where(and(eq(workspaceMembers.userId, userId), inArray(workspaceMembers.workspaceId, current)));
  const workspaceId = rows[0]?.workspaceId;
  if (!workspaceId) httpError(context, 404, NO_WORKSPACE);
  const answers = new Map<string, StoredAnswer>();
  for (const row of rows) {
    if (row.cardId !== null)
      answers.set(row.cardId, {
        cardId: row.cardId,
        value: parseJson(row.value ?? "null"),
        skipped: row.skipped ?? false,
      });
  }
  return { workspaceId, answers };
}

/** The answers of the workspace `workspaceId` (whoever asks: callers check membership). */
export async function loadAnswersOfWorkspace(db: Database, workspaceId: string): Promise<Map<string, StoredAnswer>> {
  const rows = await db.select().from(onboardingAnswers).where(eq(onboardingAnswers.workspaceId, workspaceId));
  return new Map(
    rows.map((row) => [row.cardId, { cardId: row.cardId, value: parseJson(row.value), skipped: row.skipped }]),
  );
}

/** The first card without an answer (skipped counts as answered), or null when every card has one. */
export function firstOpenCard(answers: Map<string, StoredAnswer>): string | null {
  return cards.find((card) => !answers.has(card.id))?.id ?? null;
}

/**
 * Saves one card's answer (or its skip) and the profile rebuilt from all answers, in one batch.
 * `answers` are the workspace's answers as loaded for this request; the new one replaces its card's.
 */
export async function saveAnswer(
  db: Database,
  input: {
    workspaceId: string;
    userId: string;
    cardId: string;
    value: unknown;
    skipped: boolean;
    answers: Map<string, StoredAnswer>;
  },
): Promise<ClientProfile> {
  if (!findCard(input.cardId)) throw new Error(`Unknown onboarding card ${input.cardId}`);
  const now = new Date();
  const answers = new Map(input.answers);
  answers.set(input.cardId, {
    cardId: input.cardId,
    value: input.skipped ? null : input.value,
    skipped: input.skipped,
  });
  const profile = buildProfile(answers.values(), now);
  const answerRow = {
    workspaceId: input.workspaceId,
    cardId: input.cardId,
    value: JSON.stringify(input.skipped ? null : input.value),
    skipped: input.skipped,
    updatedBy: input.userId,
    updatedAt: now,
  };
  const profileRow = {
    workspaceId: input.workspaceId,
    schemaVersion: PROFILE_SCHEMA_VERSION,
    document: JSON.stringify(profile),
    updatedAt: now,
  };
  const day = now.toISOString().slice(0, 10);
  await db.batch([
    // The funnel of /admin/stats counts a card once per workspace: when its first answer (or skip) is saved.
    db.run(sql`INSERT INTO onboarding_card_days (day, card_id, answered, skipped)
      SELECT ${day}, ${input.cardId}, ${input.skipped ? 0 : 1}, ${input.skipped ? 1 : 0}
      WHERE NOT EXISTS (SELECT 1 FROM onboarding_answers WHERE workspace_id = ${input.workspaceId} AND card_id = ${input.cardId})
      ON CONFLICT (day, card_id) DO UPDATE SET answered = answered + excluded.answered, skipped = skipped + excluded.skipped`),
    db
      .insert(onboardingAnswers)
      .values(answerRow)
      .onConflictDoUpdate({
        target: [onboardingAnswers.workspaceId, onboardingAnswers.cardId],
        set: {
          value: answerRow.value,
          skipped: answerRow.skipped,
          updatedBy: answerRow.updatedBy,
          updatedAt: answerRow.updatedAt,
        },
      }),
    db
      .insert(clientProfiles)
      .values(profileRow)
      .onConflictDoUpdate({
        target: clientProfiles.workspaceId,
        set: {
          schemaVersion: profileRow.schemaVersion,
          document: profileRow.document,
          updatedAt: profileRow.updatedAt,
          revision: sql`${clientProfiles.revision} + 1`,
        },
      }),
  ]);
  return profile;
}

/**
 * The profile, rebuilt from the answers, and written back when the stored document differs. Two
 * answers saved at the same moment can each rebuild the stored document without the other's answer;
 * the next save repairs that, and this repairs it on read, so a download is never stale.
 */
export async function loadProfile(db: Database, workspaceId: string): Promise<ClientProfile> {
  const [answers, [row]] = await Promise.all([
    loadAnswersOfWorkspace(db, workspaceId),
    db.select().from(clientProfiles).where(eq(clientProfiles.workspaceId, workspaceId)),
  ]);
  const stored =
    row && row.schemaVersion === PROFILE_SCHEMA_VERSION ? (parseJson(row.document) as ClientProfile | null) : null;
  const fresh = buildProfile(answers.values(), stored ? new Date(stored.updatedAt) : new Date());
  if (stored && JSON.stringify(stored) === JSON.stringify(fresh)) return stored;
  const now = new Date();
  const document = { ...fresh, updatedAt: now.toISOString() };
  if (answers.size > 0 || row) {
    const values = {
      workspaceId,
      schemaVersion: PROFILE_SCHEMA_VERSION,
      document: JSON.stringify(document),
      updatedAt: now,
    };
    await db
      .insert(clientProfiles)
      .values(values)
      .onConflictDoUpdate({
        target: clientProfiles.workspaceId,
        set: {
          schemaVersion: values.schemaVersion,
          document: values.document,
          updatedAt: now,
          revision: sql`${clientProfiles.revision} + 1`,
        },
      });
  }
  return document;
}

/**
 * Of `ids`, those that are images of `kind` in this workspace, in the given order. Used to keep
 * previously uploaded images on the brand card: ids come from the stored answer, but are checked
 * again in case an image was deleted meanwhile.
 */
export async function existingImageIds(
  db: Database,
  workspaceId: string,
  kind: "logo" | "brand",
  ids: string[],
): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: images.id })
    .from(images)
    .where(and(eq(images.workspaceId, workspaceId), eq(images.kind, kind), inArray(images.id, ids)));
  const found = new Set(rows.map((row) => row.id));
  return ids.filter((id) => found.has(id));
}
