import { inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { emailVerifications, passwordResets } from "../../db/schema.ts";
import { createTestUser, ensureInstance, testDb } from "../../tests/worker-helpers.ts";
import { hashSecret, newId, randomSecret } from "../accounts/secrets.server.ts";
import { deleteExpiredEmailTokens } from "./cleanup.server.ts";

beforeAll(ensureInstance);

const HOUR = 60 * 60 * 1000;

describe("deleteExpiredEmailTokens", () => {
  it("deletes expired and used codes and reset links, and keeps live ones", async () => {
    const user = await createTestUser({ label: "cleanup" });
    const now = Date.now();
    const kinds = {
      expired: { expiresAt: now - 1, consumedAt: null },
      used: { expiresAt: now + HOUR, consumedAt: now - 5 },
      live: { expiresAt: now + HOUR, consumedAt: null },
    };
    const ids: Record<string, { verification: string; reset: string }> = {};
    for (const [kind, times] of Object.entries(kinds)) {
      ids[kind] = { verification: newId(), reset: newId() };
      const common = {
        userId: user.id,
        tokenHash: hashSecret(randomSecret()),
        expiresAt: new Date(times.expiresAt),
        consumedAt: times.consumedAt === null ? null : new Date(times.consumedAt),
        createdAt: new Date(now - HOUR),
      };
      await testDb()
        .insert(emailVerifications)
        .values({
          ...common,
          id: ids[kind].verification,
          purpose: "verify-email",
          email: user.email,
          codeHash: hashSecret("12345678"),
        });
      await testDb()
        .insert(passwordResets)
        .values({ ...common, id: ids[kind].reset, tokenHash: hashSecret(randomSecret()) });
    }

    expect(await deleteExpiredEmailTokens(testDb(), new Date(now))).toBeGreaterThanOrEqual(4);

    const verificationIds = Object.values(ids).map((entry) => entry.verification);
    const resetIds = Object.values(ids).map((entry) => entry.reset);
    const left = [
      ...(await testDb()
        .select({ id: emailVerifications.id })
        .from(emailVerifications)
        .where(inArray(emailVerifications.id, verificationIds))),
      ...(await testDb()
        .select({ id: passwordResets.id })
        .from(passwordResets)
        .where(inArray(passwordResets.id, resetIds))),
    ].map((row) => row.id);
    expect(left.sort()).toEqual([ids.live!.verification, ids.live!.reset].sort());
  });
});
