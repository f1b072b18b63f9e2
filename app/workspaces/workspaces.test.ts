import { and, eq, isNull } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { users, workspaceInvitations, workspaceMembers } from "../../db/schema.ts";
import { lastMailTo, type Mail } from "../../tests/support/email-flows.ts";
import { createTestUser, ensureInstance, getAs, postAs, send, signIn, testDb } from "../../tests/worker-helpers.ts";
import { currentWorkspace } from "../onboarding/onboarding.server.ts";
import { invitationLimit } from "./invitations.server.ts";

// The first request builds the whole app inside workerd: slow on a loaded machine, so warm up first.
beforeAll(async () => {
  await ensureInstance();
  await send("/login");
}, 180_000);
// Each test drives several accounts through many requests; a shared, loaded machine needs the room.
vi.setConfig({ testTimeout: 60_000 });

async function person(label: string) {
  const user = await createTestUser({ label });
  const cookie = await signIn(user);
  const workspaceId = (await currentWorkspace(testDb(), user.id))!;
  return { user, cookie, workspaceId };
}

async function role(workspaceId: string, userId: string) {
  const [row] = await testDb()
    .select({ role: workspaceMembers.role })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)));
  return row?.role ?? null;
}

/** The path of the invitation link in `mail`. */
function invitationPath(mail: Mail): string {
  const link = mail.text.match(/https?:\/\/\S+\/invitations\/[a-z2-7]{32}/)?.[0];
  expect(link, "an invitation link").toBeDefined();
  return new URL(link!).pathname;
}

/** The owner invites `email`; returns the invitation link's path. */
async function invite(owner: { cookie: string; workspaceId: string }, email: string): Promise<string> {
  const response = await postAs(`/workspaces/${owner.workspaceId}/members`, owner.cookie, { intent: "invite", email });
  expect(response.status).toBe(302);
  return invitationPath(await lastMailTo(email));
}

/** An owner and a member who joined through an invitation. */
async function team() {
  const owner = await person("owner");
  const member = await person("member");
  const path = await invite(owner, member.user.email);
  expect((await postAs(path, member.cookie, {})).status).toBe(302);
  return { owner, member };
}

describe("workspaces", () => {
  it("creates a workspace that becomes current and starts its own onboarding", async () => {
    const alice = await person("ws");
    const response = await postAs("/workspaces", alice.cookie, { name: "Client B" });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/onboarding");
    const created = await currentWorkspace(testDb(), alice.user.id);
    expect(created).not.toBe(alice.workspaceId);
    expect(await role(created!, alice.user.id)).toBe("owner");
    expect((await getAs("/onboarding", alice.cookie)).headers.get("Location")).toMatch(/^\/onboarding\/business-name/);

    // Switching back from the header's form
    const back = await postAs("/workspaces/switch", alice.cookie, {
      workspaceId: alice.workspaceId,
      redirectTo: "/chat",
    });
    expect(back.headers.get("Location")).toBe("/chat");
    expect(await currentWorkspace(testDb(), alice.user.id)).toBe(alice.workspaceId);
  });

  it("refuses a workspace without a name with 400", async () => {
    const alice = await person("ws");
    expect((await postAs("/workspaces", alice.cookie, { name: "  " })).status).toBe(400);
  });

  it("answers 404 for another workspace's id on every page and action", async () => {
    const alice = await person("ws");
    const mallory = await person("mallory");
    expect((await postAs("/workspaces/switch", mallory.cookie, { workspaceId: alice.workspaceId })).status).toBe(404);
    expect(await currentWorkspace(testDb(), mallory.user.id)).toBe(mallory.workspaceId);
    expect((await getAs(`/workspaces/${alice.workspaceId}/members`, mallory.cookie)).status).toBe(404);
    const attempts: Record<string, string>[] = [
      { intent: "invite", email: "someone@example.com" },
      { intent: "leave" },
      { intent: "remove", userId: alice.user.id },
      { intent: "transfer", userId: mallory.user.id },
      { intent: "revoke", invitationId: crypto.randomUUID() },
      { intent: "resend", invitationId: crypto.randomUUID() },
    ];
    for (const fields of attempts) {
      expect((await postAs(`/workspaces/${alice.workspaceId}/members`, mallory.cookie, fields)).status).toBe(404);
    }
    expect(await role(alice.workspaceId, mallory.user.id)).toBeNull();
  });

  it("says why on the 404 page, with the request id to quote", async () => {
    const alice = await person("ws");
    const mallory = await person("mallory");
    const pages = [
      [`/workspaces/${alice.workspaceId}/members`, "There is no such workspace, or you are not a member of it."],
      [`/invitations/${"x".repeat(43)}`, "This invitation link is not valid any more"],
    ];
    for (const [path, message] of pages) {
      const response = await getAs(path!, mallory.cookie);
      expect(response.status).toBe(404);
      const html = await response.text();
      expect(html).toContain(`data-testid="error-message">${message}`);
      expect(html).toContain(`data-testid="request-id">${response.headers.get("X-Request-Id")}</code>`);
    }
  });
});

describe("invitations", () => {
  it("lets an existing account with the invited address join once; the link then dies", async () => {
    const { owner, member } = await team();
    expect(await role(owner.workspaceId, member.user.id)).toBe("member");
    expect(await currentWorkspace(testDb(), member.user.id)).toBe(owner.workspaceId);
    const members = await (await getAs(`/workspaces/${owner.workspaceId}/members`, member.cookie)).text();
    expect(members).toContain(owner.user.username);
    // Single use
    const path = invitationPath(await lastMailTo(member.user.email));
    expect((await getAs(path, member.cookie)).status).toBe(404);
  });

  it("stores only a hash of the token", async () => {
    const owner = await person("owner");
    const path = await invite(owner, "hash-check@example.com");
    const token = path.split("/").pop()!;
    const rows = await testDb()
      .select()
      .from(workspaceInvitations)
      .where(eq(workspaceInvitations.workspaceId, owner.workspaceId));
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it("works for someone without an account: the page shows, then they sign up and join", async () => {
    const owner = await person("owner");
    const email = `newcomer_${crypto.randomUUID().slice(0, 8)}@example.com`;
    const path = await invite(owner, email);
    const page = await send(path);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(email);
    expect(html).toContain(`/login?redirectTo=${encodeURIComponent(path)}`);
    // Accepting signed out sends to sign-in, coming back here
    const anonymous = await send(
      new Request(new URL(path, "http://localhost:5173"), {
        method: "POST",
        headers: { "Sec-Fetch-Site": "same-origin" },
        redirect: "manual",
      }),
    );
    expect(anonymous.headers.get("Location")).toBe(`/login?redirectTo=${encodeURIComponent(path)}`);

    const signup = await send(
      new Request("http://localhost:5173/signup", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin" },
        body: new URLSearchParams({
          username: email.split("@")[0]!,
          email,
          displayName: "",
          password: "correct horse battery staple",
          confirmPassword: "correct horse battery staple",
        }),
        redirect: "manual",
      }),
    );
    expect(signup.status).toBe(302);
    const [account] = await testDb().select({ id: users.id }).from(users).where(eq(users.email, email));
    const cookie = await signIn({ id: account!.id });
    expect((await postAs(path, cookie, {})).status).toBe(302);
    expect(await role(owner.workspaceId, account!.id)).toBe("member");
  });

  it("refuses a different signed-in account with 403 and keeps the link usable", async () => {
    const owner = await person("owner");
    const invited = await person("invited");
    const other = await person("other");
    const path = await invite(owner, invited.user.email);
    expect((await postAs(path, other.cookie, {})).status).toBe(403);
    expect(await role(owner.workspaceId, other.user.id)).toBeNull();
    expect((await postAs(path, invited.cookie, {})).status).toBe(302);
  });

  it("resend replaces the link; revoke and expiry kill it", async () => {
    const owner = await person("owner");
    const invited = await person("invited");
    const first = await invite(owner, invited.user.email);
    const [row] = await testDb()
      .select()
      .from(workspaceInvitations)
      .where(eq(workspaceInvitations.workspaceId, owner.workspaceId));
    await postAs(`/workspaces/${owner.workspaceId}/members`, owner.cookie, { intent: "resend", invitationId: row!.id });
    const second = invitationPath(await lastMailTo(invited.user.email));
    expect(second).not.toBe(first);
    expect((await getAs(first, invited.cookie)).status).toBe(404);

    await testDb()
      .update(workspaceInvitations)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(workspaceInvitations.id, row!.id));
    expect((await postAs(second, invited.cookie, {})).status).toBe(404);

    const third = await invite(owner, invited.user.email);
    const [open] = await testDb()
      .select()
      .from(workspaceInvitations)
      .where(and(eq(workspaceInvitations.workspaceId, owner.workspaceId), isNull(workspaceInvitations.revokedAt)));
    await postAs(`/workspaces/${owner.workspaceId}/members`, owner.cookie, {
      intent: "revoke",
      invitationId: open!.id,
    });
    expect((await postAs(third, invited.cookie, {})).status).toBe(404);
    expect(await role(owner.workspaceId, invited.user.id)).toBeNull();
  });

  it("only owners invite, and invitations are rate-limited per workspace", async () => {
    const { owner, member } = await team();
    const byMember = await postAs(`/workspaces/${owner.workspaceId}/members`, member.cookie, {
      intent: "invite",
      email: "x@example.com",
    });
    expect(byMember.status).toBe(403);
    let last = 0;
    for (let i = 0; i < invitationLimit.capacity; i++) {
      last = (
        await postAs(`/workspaces/${owner.workspaceId}/members`, owner.cookie, {
          intent: "invite",
          email: `burst${i}_${crypto.randomUUID().slice(0, 6)}@example.com`,
        })
      ).status;
    }
    expect(last).toBe(429); // the team() invitation took one token
  });

  it("refuses a malformed address with 400", async () => {
    const owner = await person("owner");
    const response = await postAs(`/workspaces/${owner.workspaceId}/members`, owner.cookie, {
      intent: "invite",
      email: "not an address",
    });
    expect(response.status).toBe(400);
  });
});

describe("members", () => {
  it("owners remove members; members cannot remove anyone", async () => {
    const { owner, member } = await team();
    expect(
      (
        await postAs(`/workspaces/${owner.workspaceId}/members`, member.cookie, {
          intent: "remove",
          userId: owner.user.id,
        })
      ).status,
    ).toBe(403);
    const removed = await postAs(`/workspaces/${owner.workspaceId}/members`, owner.cookie, {
      intent: "remove",
      userId: member.user.id,
    });
    expect(removed.status).toBe(302);
    expect(await role(owner.workspaceId, member.user.id)).toBeNull();
    // Their current workspace falls back to their own
    expect(await currentWorkspace(testDb(), member.user.id)).toBe(member.workspaceId);
    expect((await getAs(`/workspaces/${owner.workspaceId}/members`, member.cookie)).status).toBe(404);
  });

  it("members leave; the last owner cannot; ownership can be transferred, then the old owner can leave", async () => {
    const { owner, member } = await team();
    const lastOwner = await postAs(`/workspaces/${owner.workspaceId}/members`, owner.cookie, { intent: "leave" });
    expect(lastOwner.status).toBe(409);
    expect(await role(owner.workspaceId, owner.user.id)).toBe("owner");

    const transferred = await postAs(`/workspaces/${owner.workspaceId}/members`, owner.cookie, {
      intent: "transfer",
      userId: member.user.id,
    });
    expect(transferred.status).toBe(302);
    expect(await role(owner.workspaceId, member.user.id)).toBe("owner");
    expect(await role(owner.workspaceId, owner.user.id)).toBe("member");

    const left = await postAs(`/workspaces/${owner.workspaceId}/members`, owner.cookie, { intent: "leave" });
    expect(left.status).toBe(302);
    expect(await role(owner.workspaceId, owner.user.id)).toBeNull();
  });
});
