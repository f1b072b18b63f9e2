// The account lifecycle through the Worker: /settings/account's data export and account deletion,
// the admin's restore, and the cron that purges deleted accounts 30 days later.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  apiTokenFamilies,
  chatRooms,
  dataExports,
  images,
  onboardingAnswers,
  sessions,
  users,
  workspaceMembers,
  workspaces,
} from "../../db/schema.ts";
import { api, apiSignIn } from "../../tests/support/api.ts";
import { codeIn, lastMailTo, toastOf } from "../../tests/support/email-flows.ts";
import { file, pngBytes } from "../../tests/support/images.ts";
import { createTestUser, ensureInstance, getAs, postAs, send, signIn, testDb } from "../../tests/worker-helpers.ts";
import { PURGE_AFTER_MS, purgeDeletedAccounts, restoreAccount } from "../accounts/account-deletion.server.ts";
import { recordSecurityEvent } from "../accounts/security-log.server.ts";
import { ensureRooms, listRooms } from "../chat/rooms.server.ts";
import { storeImage } from "../images/images.server.ts";
import { currentWorkspace } from "../onboarding/onboarding.server.ts";
import { insertPlan } from "../plans/test-support.ts";
import { type buildArchive, deleteExpiredExports, EXPORT_LIFETIME_MS } from "./data-export.server.ts";

beforeAll(async () => {
  await ensureInstance();
  await send("/login");
}, 180_000);
vi.setConfig({ testTimeout: 60_000 });

const DAY = 24 * 60 * 60 * 1000;

async function person(label: string, options: { passwordless?: boolean } = {}) {
  const user = await createTestUser({ label });
  if (options.passwordless) await testDb().update(users).set({ passwordHash: null }).where(eq(users.id, user.id));
  // Signed in an hour ago: deletion must ask for the password even so (and always, it is tested below).
  const cookie = await signIn(user, { now: Date.now() - 60 * 60 * 1000 });
  const workspaceId = (await currentWorkspace(testDb(), user.id))!;
  await ensureRooms(testDb(), workspaceId, user.id);
  const general = (await listRooms(testDb(), workspaceId, user.id)).find((room) => room.kind === "general")!.id;
  return { user, cookie, workspaceId, general };
}

async function say(roomId: string, cookie: string, text: string) {
  const response = await postAs(`/chat/${roomId}`, cookie, { intent: "send", text, clientId: crypto.randomUUID() });
  expect(response.status).toBe(302);
}

async function join(workspaceId: string, userId: string) {
  await testDb().insert(workspaceMembers).values({ workspaceId, userId, role: "member", createdAt: new Date() });
}

async function answer(workspaceId: string, userId: string, cardId: string, value: unknown) {
  await testDb()
    .insert(onboardingAnswers)
    .values({ workspaceId, cardId, value: JSON.stringify(value), updatedBy: userId, updatedAt: new Date() });
}

async function upload(ownerId: string, workspaceId: string | null, kind: "avatar" | "logo" | "brand") {
  const stored = await storeImage(env, testDb(), {
    file: file(pngBytes(40, 40), "x.png", "image/png"),
    kind,
    ownerId,
    workspaceId,
  });
  if (!stored.ok) throw new Error(stored.message);
  return stored.image;
}

/** Asks for an archive and waits until the background work finished (send waits for waitUntil). */
async function exportFor(cookie: string) {
  const asked = await postAs("/settings/account", cookie, { intent: "export" });
  expect(asked.status).toBe(302);
  const page = await (await getAs("/settings/account", cookie)).text();
  const id = page.match(/\/settings\/account\/exports\/([\w-]+)/)?.[1];
  expect(id, "the page links the ready archive").toBeTruthy();
  const download = await getAs(`/settings/account/exports/${id}`, cookie);
  expect(download.status).toBe(200);
  expect(download.headers.get("Content-Disposition")).toMatch(/^attachment; filename="alva-data-/);
  return { id: id!, archive: await download.json<Awaited<ReturnType<typeof buildArchive>>>() };
}

describe("/settings/account", () => {
  it("sends anonymous visitors to sign in, and refuses their posts", async () => {
    const page = await send(new Request("http://localhost:5173/settings/account", { redirect: "manual" }));
    expect(page.status).toBe(302);
    expect(page.headers.get("Location")).toMatch(/^\/login/);
    const post = await send(
      new Request("http://localhost:5173/settings/account", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin" },
        body: "intent=export",
        redirect: "manual",
      }),
    );
    expect(post.headers.get("Location")).toMatch(/^\/login/);
  });

  it("refuses a cross-site post (CSRF)", async () => {
    const alice = await person("csrf");
    const response = await postAs(
      "/settings/account",
      alice.cookie,
      { intent: "export" },
      { "Sec-Fetch-Site": "cross-site" },
    );
    expect(response.status).toBe(403);
    expect(await testDb().select().from(dataExports).where(eq(dataExports.userId, alice.user.id))).toHaveLength(0);
  });
});

describe("download my data", () => {
  it("contains exactly the user's data: their answers, plans, messages, log and images — nobody else's", async () => {
    const alice = await person("exporter");
    const bob = await person("neighbour");
    await join(alice.workspaceId, bob.user.id);
    await answer(alice.workspaceId, alice.user.id, "business-name", { name: "Alice's Bakery" });
    await answer(bob.workspaceId, bob.user.id, "business-name", { name: "Bob's Secret Garage" });
    await insertPlan({ userId: alice.user.id, workspaceId: alice.workspaceId });
    await insertPlan({ userId: bob.user.id, workspaceId: bob.workspaceId });
    await say(alice.general, alice.cookie, "alice writes this");
    await say(alice.general, bob.cookie, "bob writes in alice's room");
    await say(bob.general, bob.cookie, "bob's private room");
    const avatar = await upload(alice.user.id, null, "avatar");
    await upload(bob.user.id, null, "avatar");
    await recordSecurityEvent(testDb(), {
      userId: alice.user.id,
      type: "sign-in",
      request: new Request("http://localhost/"),
    });
    await recordSecurityEvent(testDb(), {
      userId: bob.user.id,
      type: "sign-in",
      request: new Request("http://localhost/"),
    });

    const { archive } = await exportFor(alice.cookie);
    const text = JSON.stringify(archive);
    expect(archive.format).toBe("alva-data-export/1");
    expect(archive.account.email).toBe(alice.user.email);
    expect(text).not.toContain("password_hash");
    expect(text).not.toMatch(/\$argon2/);
    expect(archive.account.hasPassword).toBe(true);
    const own = archive.workspaces.find((workspace) => workspace.id === alice.workspaceId)!;
    expect(own.onboardingAnswers).toEqual([
      expect.objectContaining({ card: "business-name", value: { name: "Alice's Bakery" } }),
    ]);
    expect(own.plans).toHaveLength(1);
    expect(archive.chatMessages.map((message) => message.text)).toEqual(["alice writes this"]);
    expect(archive.images.map((image) => image.id)).toEqual([avatar.id]);
    expect(archive.images[0]!.url).toMatch(/\/images\//);
    expect(archive.securityLog.map((event) => event.type)).toEqual(["sign-in"]);
    // Nobody else's data.
    expect(text).not.toContain("Bob's Secret Garage");
    expect(text).not.toContain("bob writes");
    expect(text).not.toContain(bob.user.email);
    expect(archive.workspaces.map((workspace) => workspace.id)).toEqual([alice.workspaceId]);
  });

  it("serves an archive only to its owner (another user's archive id answers 404)", async () => {
    const alice = await person("archiveowner");
    const mallory = await person("archivethief");
    const { id } = await exportFor(alice.cookie);
    expect((await getAs(`/settings/account/exports/${id}`, mallory.cookie)).status).toBe(404);
    expect((await getAs("/settings/account/exports/not-an-id", alice.cookie)).status).toBe(404);
  });

  it("shows an archive that died while preparing as failed, and a new one can be asked for", async () => {
    const alice = await person("stale");
    await testDb()
      .insert(dataExports)
      .values({
        id: crypto.randomUUID(),
        userId: alice.user.id,
        status: "preparing",
        r2Key: `exports/${alice.user.id}/stale.json`,
        createdAt: new Date(Date.now() - 10 * 60 * 1000),
      });
    const page = await (await getAs("/settings/account", alice.cookie)).text();
    expect(page).toContain("Preparing your archive failed");
    expect(page).toContain("Prepare a new archive");
    await exportFor(alice.cookie);
  });

  it("while an archive is being prepared, the page asks the browser to reload it (works without JavaScript)", async () => {
    const alice = await person("refresh");
    await testDb()
      .insert(dataExports)
      .values({
        id: crypto.randomUUID(),
        userId: alice.user.id,
        status: "preparing",
        r2Key: `exports/${alice.user.id}/busy.json`,
        createdAt: new Date(),
      });
    const page = await getAs("/settings/account", alice.cookie);
    expect(page.headers.get("Refresh")).toBe("3; url=/settings/account");
    expect(await page.text()).toContain("Preparing your archive");
  });

  it("cron removes archives after their lifetime, R2 object included", async () => {
    const alice = await person("expiring");
    const { id } = await exportFor(alice.cookie);
    const [row] = await testDb().select().from(dataExports).where(eq(dataExports.id, id));
    expect(await env.IMAGES.head(row!.r2Key)).not.toBeNull();
    await deleteExpiredExports(env, testDb(), new Date(Date.now() + EXPORT_LIFETIME_MS + 1000));
    expect(await env.IMAGES.head(row!.r2Key)).toBeNull();
    expect(await testDb().select().from(dataExports).where(eq(dataExports.id, id))).toHaveLength(0);
  });
});

describe("delete my account", () => {
  it("asks for the password even right after signing in, and a wrong one deletes nothing", async () => {
    const alice = await person("wrongpass");
    const fresh = await signIn(alice.user);
    const blank = await postAs("/settings/account", fresh, { intent: "delete" });
    expect(blank.status).toBe(401);
    const wrong = await postAs("/settings/account", fresh, { intent: "delete", password: "not it at all" });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("That password isn");
    const [row] = await testDb().select().from(users).where(eq(users.id, alice.user.id));
    expect(row!.deletedAt).toBeNull();
  });

  it("marks the account deleted, ends sessions and API sign-ins at once, mails the removal date", async () => {
    const alice = await person("leaver");
    const other = await signIn(alice.user);
    const tokens = await apiSignIn(alice.user);
    await say(alice.general, alice.cookie, "hello before leaving");

    const response = await postAs("/settings/account", alice.cookie, {
      intent: "delete",
      password: alice.user.password,
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/");
    expect(toastOf(response)?.message).toMatch(/will be removed for good on \d{4}-\d\d-\d\d/);

    const [row] = await testDb().select().from(users).where(eq(users.id, alice.user.id));
    expect(row!.deletedAt).not.toBeNull();
    expect(await testDb().select().from(sessions).where(eq(sessions.userId, alice.user.id))).toHaveLength(0);
    const families = await testDb().select().from(apiTokenFamilies).where(eq(apiTokenFamilies.userId, alice.user.id));
    expect(families).toHaveLength(1);
    expect(families[0]!.revokedAt).not.toBeNull();
    // The account check answers 403 (account deleted) before the revoked sign-in is looked at.
    expect((await api("/api/v1/auth/me", { token: tokens.accessToken })).status).toBe(403);
    for (const cookie of [alice.cookie, other]) {
      const page = await getAs("/settings", cookie);
      expect(page.headers.get("Location")).toMatch(/^\/login/);
    }
    const mail = await lastMailTo(alice.user.email);
    expect(mail.subject).toBe("Your Alva account was deleted");
    expect(mail.text).toMatch(/removed for good/);
  });

  it("shows the deleted account's chat messages as 'deleted user' to the others, and restoring brings the name back", async () => {
    const owner = await person("roomowner");
    const leaver = await person("roomleaver");
    await join(owner.workspaceId, leaver.user.id);
    await say(owner.general, leaver.cookie, "a message from someone who leaves");
    await postAs("/settings/account", leaver.cookie, { intent: "delete", password: leaver.user.password });

    const page = await (await getAs(`/chat/${owner.general}`, owner.cookie)).text();
    expect(page).toContain("a message from someone who leaves");
    expect(page).toContain("deleted user");
    expect(page).not.toContain(leaver.user.username);

    expect(
      await restoreAccount(env, testDb(), { userId: leaver.user.id, request: new Request("http://localhost/") }),
    ).toBe(true);
    const after = await (await getAs(`/chat/${owner.general}`, owner.cookie)).text();
    expect(after).toContain(leaver.user.username);
    const [row] = await testDb().select().from(users).where(eq(users.id, leaver.user.id));
    expect(row!.deletedAt).toBeNull();
  });

  it("refuses while the account is the only owner of a workspace others use, until it is handed over", async () => {
    const owner = await person("soleowner");
    const mate = await person("mate");
    await join(owner.workspaceId, mate.user.id);
    const page = await (await getAs("/settings/account", owner.cookie)).text();
    expect(page).toContain("only owner of workspaces other people use");
    const refused = await postAs("/settings/account", owner.cookie, {
      intent: "delete",
      password: owner.user.password,
    });
    expect(refused.status).toBe(409);
    const [row] = await testDb().select().from(users).where(eq(users.id, owner.user.id));
    expect(row!.deletedAt).toBeNull();
  });

  it("a passwordless account confirms with a mailed code; a wrong code deletes nothing", async () => {
    const alice = await person("nopass", { passwordless: true });
    const sent = await postAs("/settings/account", alice.cookie, { intent: "send-code" });
    expect(sent.status).toBe(302);
    const code = codeIn(await lastMailTo(alice.user.email));
    const wrongCode = code === "00000000" ? "11111111" : "00000000";
    expect((await postAs("/settings/account", alice.cookie, { intent: "delete", code: wrongCode })).status).toBe(401);
    const done = await postAs("/settings/account", alice.cookie, { intent: "delete", code });
    expect(done.status).toBe(302);
    const [row] = await testDb().select().from(users).where(eq(users.id, alice.user.id));
    expect(row!.deletedAt).not.toBeNull();
  });
});

describe("purge after 30 days", () => {
  it("removes the account, its lone workspaces with their rooms, its images in R2 — and keeps other members' data", async () => {
    const leaver = await person("purged");
    const owner = await person("stays");
    await join(owner.workspaceId, leaver.user.id);
    await say(owner.general, owner.cookie, "the owner's message survives");
    await say(owner.general, leaver.cookie, "the leaver's message");
    await say(leaver.general, leaver.cookie, "in the leaver's own room");
    const avatar = await upload(leaver.user.id, null, "avatar");
    const lonelyLogo = await upload(leaver.user.id, leaver.workspaceId, "logo");
    const sharedBrand = await upload(leaver.user.id, owner.workspaceId, "brand");
    await answer(owner.workspaceId, leaver.user.id, "business-name", { name: "Kept" });
    await exportFor(leaver.cookie);
    const [archiveRow] = await testDb().select().from(dataExports).where(eq(dataExports.userId, leaver.user.id));

    await postAs("/settings/account", leaver.cookie, { intent: "delete", password: leaver.user.password });
    // Not yet: 29 days later nothing is removed.
    await purgeDeletedAccounts(env, testDb(), new Date(Date.now() + PURGE_AFTER_MS - DAY));
    expect(await testDb().select().from(users).where(eq(users.id, leaver.user.id))).toHaveLength(1);

    await purgeDeletedAccounts(env, testDb(), new Date(Date.now() + PURGE_AFTER_MS + 1000));
    expect(await testDb().select().from(users).where(eq(users.id, leaver.user.id))).toHaveLength(0);
    expect(await testDb().select().from(workspaces).where(eq(workspaces.id, leaver.workspaceId))).toHaveLength(0);
    expect(await testDb().select().from(chatRooms).where(eq(chatRooms.workspaceId, leaver.workspaceId))).toHaveLength(
      0,
    );
    const tablesLeft = await runInDurableObject(
      env.CHAT_ROOM.getByName(leaver.general),
      (_room, state) =>
        state.storage.sql
          .exec<{ n: number }>(
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf%' ESCAPE '\\'",
          )
          .one().n,
    );
    expect(tablesLeft, "the room's Durable Object storage is gone").toBe(0);
    for (const image of [avatar, lonelyLogo]) {
      expect(await env.IMAGES.head(image.r2Key)).toBeNull();
      expect(await testDb().select().from(images).where(eq(images.id, image.id))).toHaveLength(0);
    }
    expect(await env.IMAGES.head(archiveRow!.r2Key)).toBeNull();

    // The other workspace keeps its brand image (now the owner's), its answers and its messages.
    const [brand] = await testDb().select().from(images).where(eq(images.id, sharedBrand.id));
    expect(brand!.ownerId).toBe(owner.user.id);
    expect(await env.IMAGES.head(sharedBrand.r2Key)).not.toBeNull();
    const answers = await testDb()
      .select()
      .from(onboardingAnswers)
      .where(eq(onboardingAnswers.workspaceId, owner.workspaceId));
    expect(answers).toHaveLength(1);
    const page = await (await getAs(`/chat/${owner.general}`, owner.cookie)).text();
    expect(page).toContain("message survives");
    expect(page).toContain("deleted user");
  });

  it("hands a lone workspace that gained a member after the deletion to that member instead of deleting it", async () => {
    const leaver = await person("handover");
    const latecomer = await person("latecomer");
    await postAs("/settings/account", leaver.cookie, { intent: "delete", password: leaver.user.password });
    await join(leaver.workspaceId, latecomer.user.id);
    await purgeDeletedAccounts(env, testDb(), new Date(Date.now() + PURGE_AFTER_MS + 1000));
    const [workspace] = await testDb().select().from(workspaces).where(eq(workspaces.id, leaver.workspaceId));
    expect(workspace!.ownerId).toBe(latecomer.user.id);
  });
});
