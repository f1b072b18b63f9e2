// Acting on chat rooms, messages, workspaces, invitations and members over the API, every answer checked
// against the OpenAPI document (tests/support/api.ts): the pages' rules through the pages' functions, so
// another user's workspace, room or message is a 404, a member doing an owner's job a 403, and nothing a
// client sends is a 500.
import { beforeAll, describe, expect, it } from "vitest";
import { workspaceMembers } from "../../db/schema.ts";
import { api, apiSignIn, expectProblem } from "../../tests/support/api.ts";
import { lastMailTo } from "../../tests/support/email-flows.ts";
import { createTestUser, ensureInstance, type TestUser, testDb } from "../../tests/worker-helpers.ts";
import { currentWorkspace } from "../onboarding/onboarding.server.ts";

beforeAll(ensureInstance);

interface Person {
  user: TestUser;
  token: string;
}

async function person(label: string): Promise<Person> {
  const user = await createTestUser({ label });
  return { user, token: (await apiSignIn(user)).accessToken };
}

/** Makes `member` a member of `workspaceId` (what accepting an invitation does; tested on the pages). */
async function join(workspaceId: string, member: Person): Promise<void> {
  await testDb()
    .insert(workspaceMembers)
    .values({ workspaceId, userId: member.user.id, role: "member", createdAt: new Date() });
}

const json = (response: Response) => response.json() as Promise<Record<string, unknown>>;

describe("the document", () => {
  it("lists the new operations", async () => {
    const document = (await json(await api("/api/v1/openapi.json"))) as { paths: Record<string, object> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/rooms/{id}",
        "/api/v1/rooms/{id}/archive",
        "/api/v1/rooms/{id}/messages/{messageId}",
        "/api/v1/workspaces/{id}/invitations",
        "/api/v1/workspaces/{id}/members/{userId}",
        "/api/v1/plans/{id}/sections/{section}",
        "/api/v1/plans/{id}/markdown",
        "/api/v1/account/export",
      ]),
    );
    expect(Object.keys(document.paths["/api/v1/rooms/{id}/messages/{messageId}"]!)).toEqual(["put", "delete"]);
  });
});

describe("chat rooms", () => {
  let owner: Person;
  let member: Person;
  let stranger: Person;
  let workspaceId: string;
  let generalId: string;

  beforeAll(async () => {
    [owner, member, stranger] = await Promise.all([person("apir_own"), person("apir_mem"), person("apir_str")]);
    workspaceId = (await currentWorkspace(testDb(), owner.user.id))!;
    await join(workspaceId, member);
    const rooms = (await json(await api(`/api/v1/workspaces/${workspaceId}/rooms`, { token: owner.token }))) as {
      rooms: { id: string; kind: string }[];
    };
    generalId = rooms.rooms.find((room) => room.kind === "general")!.id;
  });

  it("a member adds a room, renames it, archives and restores it, as on the room page", async () => {
    const created = await api(`/api/v1/workspaces/${workspaceId}/rooms`, {
      token: member.token,
      body: { name: "  launch  ", topic: "The spring launch" },
    });
    expect(created.status).toBe(201);
    const room = (await created.json()) as { id: string; name: string; topic: string; kind: string };
    expect(room).toMatchObject({ name: "launch", topic: "The spring launch", kind: "topic", archived: false });
    expect(created.headers.get("Location")).toBe(`/api/v1/rooms/${room.id}`);
    expect(await json(await api(`/api/v1/rooms/${room.id}`, { token: owner.token }))).toMatchObject({ id: room.id });

    const renamed = await api(`/api/v1/rooms/${room.id}`, {
      method: "PUT",
      token: member.token,
      body: { name: "spring" },
    });
    expect(await json(renamed)).toMatchObject({ name: "spring", topic: null });
    expect(await json(await api(`/api/v1/rooms/${room.id}`, { token: owner.token }))).toMatchObject({ name: "spring" });

    const archived = await api(`/api/v1/rooms/${room.id}/archive`, { method: "POST", token: owner.token });
    expect(await json(archived)).toMatchObject({ archived: true });
    await expectProblem(
      await api(`/api/v1/rooms/${room.id}/messages`, {
        token: member.token,
        body: { clientId: crypto.randomUUID(), text: "still here?" },
      }),
      409,
    );
    const restored = await api(`/api/v1/rooms/${room.id}/restore`, { method: "POST", token: owner.token });
    expect(await json(restored)).toMatchObject({ archived: false });
    const posted = await api(`/api/v1/rooms/${room.id}/messages`, {
      token: member.token,
      body: { clientId: crypto.randomUUID(), text: "back again" },
    });
    expect(posted.status).toBe(201);
  });

  it("the general room keeps its name and cannot be archived (409)", async () => {
    await expectProblem(
      await api(`/api/v1/rooms/${generalId}`, { method: "PUT", token: owner.token, body: { name: "random" } }),
      409,
    );
    await expectProblem(await api(`/api/v1/rooms/${generalId}/archive`, { method: "POST", token: owner.token }), 409);
  });

  it("refuses bodies the way every endpoint does: 400 unparsable, 415 not JSON, 422 invalid", async () => {
    const rooms = `/api/v1/workspaces/${workspaceId}/rooms`;
    await expectProblem(
      await api(rooms, { token: owner.token, body: "{name:", headers: { "Content-Type": "application/json" } }),
      400,
    );
    await expectProblem(
      await api(rooms, {
        token: owner.token,
        body: "name=x",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      }),
      415,
    );
    const invalid = await expectProblem(await api(rooms, { token: owner.token, body: { name: "   " } }), 422);
    expect(invalid.errors?.[0]?.pointer).toBe("/name");
    await expectProblem(await api(rooms, { token: owner.token, body: { name: "x".repeat(61) } }), 422);
  });

  it("someone outside the workspace gets 404 for its rooms, whatever they try", async () => {
    const token = stranger.token;
    await expectProblem(
      await api(`/api/v1/workspaces/${workspaceId}/rooms`, { token, body: { name: "mine now" } }),
      404,
    );
    await expectProblem(await api(`/api/v1/rooms/${generalId}`, { token }), 404);
    await expectProblem(await api(`/api/v1/rooms/${generalId}`, { method: "PUT", token, body: { name: "x" } }), 404);
    await expectProblem(await api(`/api/v1/rooms/${generalId}/archive`, { method: "POST", token }), 404);
    await expectProblem(await api(`/api/v1/rooms/${generalId}/restore`, { method: "POST", token }), 404);
    await expectProblem(
      await api(`/api/v1/rooms/${generalId}/messages/1`, { method: "PUT", token, body: { text: "hi" } }),
      404,
    );
    await expectProblem(await api(`/api/v1/rooms/${generalId}/messages/1`, { method: "DELETE", token }), 404);
    await expectProblem(await api(`/api/v1/rooms/${crypto.randomUUID()}`, { token }), 404);
    await expectProblem(await api("/api/v1/rooms/not-a-room", { token }), 404);
  });

  it("authors edit their own messages; authors and the owner delete; anyone else is refused with 403", async () => {
    const post = async (who: Person, text: string) => {
      const response = await api(`/api/v1/rooms/${generalId}/messages`, {
        token: who.token,
        body: { clientId: crypto.randomUUID(), text },
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { id: number }).id;
    };
    const mine = await post(member, "first draft");
    const theirs = await post(owner, "the owner speaks");
    const message = (id: number) => `/api/v1/rooms/${generalId}/messages/${id}`;

    const edited = await api(message(mine), { method: "PUT", token: member.token, body: { text: "  second draft " } });
    expect(edited.status).toBe(200);
    const body = (await edited.json()) as { text: string; editedAt: string | null };
    expect(body.text).toBe("second draft");
    expect(body.editedAt).not.toBeNull();

    await expectProblem(
      await api(message(mine), { method: "PUT", token: owner.token, body: { text: "mine now" } }),
      403,
    );
    await expectProblem(await api(message(theirs), { method: "DELETE", token: member.token }), 403);
    await expectProblem(await api(message(mine), { method: "PUT", token: member.token, body: { text: "   " } }), 422);
    await expectProblem(await api(message(mine), { method: "PUT", token: member.token, body: {} }), 422);
    await expectProblem(
      await api(message(mine), {
        method: "PUT",
        token: member.token,
        body: "text=x",
        headers: { "Content-Type": "text/plain" },
      }),
      415,
    );

    // The workspace's owner moderates: they delete the member's message.
    expect((await api(message(mine), { method: "DELETE", token: owner.token })).status).toBe(204);
    expect((await api(message(theirs), { method: "DELETE", token: owner.token })).status).toBe(204);
    await expectProblem(await api(message(mine), { method: "DELETE", token: member.token }), 404);
    await expectProblem(await api(message(mine), { method: "PUT", token: member.token, body: { text: "undo" } }), 404);
    await expectProblem(await api(message(999_999), { method: "DELETE", token: owner.token }), 404);
    await expectProblem(
      await api(`/api/v1/rooms/${generalId}/messages/abc`, { method: "DELETE", token: owner.token }),
      404,
    );

    const page = (await json(await api(`/api/v1/rooms/${generalId}/messages`, { token: member.token }))) as {
      messages: { id: number; deleted: boolean; text: string | null }[];
    };
    expect(page.messages.find((listed) => listed.id === mine)).toMatchObject({ deleted: true, text: null });
  });
});

describe("workspaces, invitations and members", () => {
  it("creates a workspace that becomes the current one; refuses an empty name", async () => {
    const { token } = await person("apiw_new");
    const created = await api("/api/v1/workspaces", { token, body: { name: "  Second shop " } });
    expect(created.status).toBe(201);
    const workspace = (await created.json()) as { id: string; name: string };
    expect(workspace).toMatchObject({ name: "Second shop", role: "owner", current: true });
    const list = (await json(await api("/api/v1/workspaces", { token }))) as {
      workspaces: { id: string; current: boolean }[];
    };
    expect(list.workspaces.find((listed) => listed.current)?.id).toBe(workspace.id);
    expect(list.workspaces).toHaveLength(2);
    await expectProblem(await api("/api/v1/workspaces", { token, body: { name: "" } }), 422);
    await expectProblem(
      await api("/api/v1/workspaces", { token, body: "name=x", headers: { "Content-Type": "multipart/form-data" } }),
      415,
    );
  });

  it("owners invite, list, resend and revoke; members get 403 and strangers 404", async () => {
    const [owner, member, stranger] = await Promise.all([person("apiw_own"), person("apiw_mem"), person("apiw_str")]);
    const workspaceId = (await currentWorkspace(testDb(), owner.user.id))!;
    await join(workspaceId, member);
    const invitations = `/api/v1/workspaces/${workspaceId}/invitations`;
    const email = `invitee_${crypto.randomUUID().slice(0, 8)}@example.com`;

    const sent = await api(invitations, { token: owner.token, body: { email: email.toUpperCase() } });
    expect(sent.status).toBe(201);
    const invitation = (await sent.json()) as { id: string; email: string };
    expect(invitation.email).toBe(email);
    expect((await lastMailTo(email)).text).toContain("/invitations/");

    const listed = (await json(await api(invitations, { token: owner.token }))) as { invitations: { id: string }[] };
    expect(listed.invitations.map((row) => row.id)).toEqual([invitation.id]);

    const resent = await api(`${invitations}/${invitation.id}/resend`, { method: "POST", token: owner.token });
    expect(resent.status).toBe(200);
    expect(((await resent.json()) as { id: string }).id).toBe(invitation.id);

    await expectProblem(await api(invitations, { token: member.token }), 403);
    await expectProblem(await api(invitations, { token: member.token, body: { email: "x@example.com" } }), 403);
    await expectProblem(await api(`${invitations}/${invitation.id}`, { method: "DELETE", token: member.token }), 403);
    await expectProblem(await api(invitations, { token: stranger.token }), 404);
    await expectProblem(await api(`${invitations}/${invitation.id}`, { method: "DELETE", token: stranger.token }), 404);
    await expectProblem(
      await api(`${invitations}/${invitation.id}/resend`, { method: "POST", token: stranger.token }),
      404,
    );

    await expectProblem(await api(invitations, { token: owner.token, body: { email: member.user.email } }), 409);
    const badAddress = await expectProblem(
      await api(invitations, { token: owner.token, body: { email: "nope" } }),
      422,
    );
    expect(badAddress.errors?.[0]?.pointer).toBe("/email");

    expect((await api(`${invitations}/${invitation.id}`, { method: "DELETE", token: owner.token })).status).toBe(204);
    await expectProblem(await api(`${invitations}/${invitation.id}`, { method: "DELETE", token: owner.token }), 404);
    await expectProblem(
      await api(`${invitations}/${invitation.id}/resend`, { method: "POST", token: owner.token }),
      404,
    );
    await expectProblem(
      await api(`${invitations}/${crypto.randomUUID()}`, { method: "DELETE", token: owner.token }),
      404,
    );
    expect(
      ((await json(await api(invitations, { token: owner.token }))) as { invitations: unknown[] }).invitations,
    ).toEqual([]);
  });

  it("owners remove members and hand over ownership; members only leave; the last owner cannot", async () => {
    const [owner, member, other, stranger] = await Promise.all([
      person("apiw_o2"),
      person("apiw_m2"),
      person("apiw_x2"),
      person("apiw_s2"),
    ]);
    const workspaceId = (await currentWorkspace(testDb(), owner.user.id))!;
    await join(workspaceId, member);
    await join(workspaceId, other);
    const members = `/api/v1/workspaces/${workspaceId}/members`;

    await expectProblem(await api(`${members}/${owner.user.id}`, { method: "DELETE", token: member.token }), 403);
    await expectProblem(await api(`${members}/${other.user.id}`, { method: "DELETE", token: member.token }), 403);
    await expectProblem(
      await api(`/api/v1/workspaces/${workspaceId}/transfer`, {
        token: member.token,
        body: { userId: member.user.id },
      }),
      403,
    );
    await expectProblem(await api(`${members}/${owner.user.id}`, { method: "DELETE", token: stranger.token }), 404);
    await expectProblem(await api(`${members}/${owner.user.id}`, { method: "DELETE", token: owner.token }), 409);
    await expectProblem(await api(`${members}/${stranger.user.id}`, { method: "DELETE", token: owner.token }), 404);

    expect((await api(`${members}/${other.user.id}`, { method: "DELETE", token: owner.token })).status).toBe(204);
    await expectProblem(await api(members, { token: other.token }), 404);

    const transfer = `/api/v1/workspaces/${workspaceId}/transfer`;
    await expectProblem(await api(transfer, { token: owner.token, body: { userId: stranger.user.id } }), 404);
    await expectProblem(await api(transfer, { token: owner.token, body: { userId: owner.user.id } }), 409);
    await expectProblem(await api(transfer, { token: owner.token, body: { userId: "me" } }), 422);
    expect((await api(transfer, { token: owner.token, body: { userId: member.user.id } })).status).toBe(204);
    const roles = (await json(await api(members, { token: owner.token }))) as {
      members: { userId: string; role: string }[];
    };
    expect(Object.fromEntries(roles.members.map((row) => [row.userId, row.role]))).toEqual({
      [member.user.id]: "owner",
      [owner.user.id]: "member",
    });

    // The former owner is a member now: they may leave, not remove.
    await expectProblem(await api(`${members}/${member.user.id}`, { method: "DELETE", token: owner.token }), 403);
    expect((await api(`${members}/${owner.user.id}`, { method: "DELETE", token: owner.token })).status).toBe(204);
    await expectProblem(await api(members, { token: owner.token }), 404);
  });
});
