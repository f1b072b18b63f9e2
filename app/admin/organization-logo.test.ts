// The organization's logo: set, replaced and removed on /admin/settings, served to anyone (it is the
// one public image), shown in the header and at the top of e-mails. Runs against the settings test
// database (settingsDatabaseUrl) like settings.test.ts: the logo is instance-wide.
import { env } from "cloudflare:workers";
import { desc, eq } from "drizzle-orm";
import { beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { createDatabase } from "../../db/client.ts";
import {
  auditLog,
  devOutbox,
  images,
  instance,
  organizations,
  type Role,
  users,
  waitlist,
  workspaceMembers,
} from "../../db/schema.ts";
import { file, pngBytes, svgBytes } from "../../tests/support/images.ts";
import { origin, send, TEST_PASSWORD } from "../../tests/worker-helpers.ts";
import { PURGE_AFTER_MS, purgeDeletedAccounts } from "../accounts/account-deletion.server.ts";
import { createAccount } from "../accounts/accounts.server.ts";
import { hashPassword } from "../accounts/password.server.ts";
import { createSession, sessionCookieName } from "../accounts/session.server.ts";
import { deleteUnreferencedImages } from "../images/cleanup.server.ts";
import { imageUrl, MAX_IMAGE_BYTES, storeImage } from "../images/images.server.ts";
import { forgetOrganizationName } from "./instance-settings.server.ts";

declare module "vitest" {
  // biome-ignore lint/suspicious/noExportsInTest: a type augmentation, not an export.
  export interface ProvidedContext {
    settingsDatabaseUrl: string;
    databaseToken: string;
  }
}

const own = {
  TURSO_DATABASE_URL: inject("settingsDatabaseUrl"),
  TURSO_AUTH_TOKEN: inject("databaseToken"),
} satisfies Partial<Env>;
const db = () => createDatabase(own);
const randomIp = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}`;

let passwordHash: Promise<string> | undefined;

async function account(role: Role = "user") {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const name = `logo_${role}_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  const user = await createAccount(db(), {
    username: name,
    email: `${name}@example.com`,
    displayName: null,
    passwordHash: await passwordHash,
    role,
    emailVerifiedAt: new Date(),
  });
  const { token } = await createSession(db(), { userId: user.id, persistent: true, request: new Request(origin) });
  return { user, cookie: `${sessionCookieName(false)}=${token}` };
}

const get = (path: string, cookie = "") =>
  send(new Request(new URL(path, origin), { headers: { Cookie: cookie }, redirect: "manual" }), own);

/** The settings page's multipart form, as a browser without JavaScript posts it. */
function postForm(cookie: string, fields: Record<string, string | File>, headers: Record<string, string> = {}) {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  return send(
    new Request(new URL("/admin/settings", origin), {
      method: "POST",
      body,
      headers: { Cookie: cookie, "Sec-Fetch-Site": "same-origin", "CF-Connecting-IP": randomIp(), ...headers },
      redirect: "manual",
    }),
    own,
  );
}

const uploadLogo = (cookie: string, bytes = pngBytes(200, 80), headers: Record<string, string> = {}) =>
  postForm(cookie, { intent: "logo", logo: file(bytes, "logo.png", "image/png") }, headers);

async function currentLogoId(): Promise<string | null> {
  const [row] = await db()
    .select({ logoImageId: organizations.logoImageId })
    .from(instance)
    .innerJoin(organizations, eq(organizations.id, instance.organizationId));
  return row?.logoImageId ?? null;
}

async function imageRow(id: string) {
  const [row] = await db().select().from(images).where(eq(images.id, id));
  return row;
}

async function setLogo(id: string | null) {
  const [row] = await db().select().from(instance).limit(1);
  await db().update(organizations).set({ logoImageId: id }).where(eq(organizations.id, row!.organizationId));
}

beforeAll(async () => {
  const [row] = await db().select().from(instance).limit(1);
  if (row) return;
  const organizationId = crypto.randomUUID();
  await db().batch([
    db().insert(organizations).values({ id: organizationId, name: "Settings organization", createdAt: new Date() }),
    db().insert(instance).values({ id: 1, organizationId, setupCompletedAt: new Date() }),
  ]);
});

// Each test starts without a logo; the header's one-minute cache (this isolate's) forgets the last one.
beforeEach(async () => {
  await setLogo(null);
  forgetOrganizationName();
});

describe("setting the logo on /admin/settings", () => {
  it("uploads, replaces and removes it, deleting the old image (row and R2) and auditing each change", async () => {
    const { user, cookie } = await account("admin");
    const page = await (await get("/admin/settings", cookie)).text();
    expect(page).toMatch(/enctype="multipart\/form-data"/i);
    expect(page).toContain("No logo yet");

    let response = await uploadLogo(cookie);
    expect(response.status).toBe(302);
    const first = await currentLogoId();
    expect(first).not.toBeNull();
    const firstRow = await imageRow(first!);
    expect(firstRow).toMatchObject({ kind: "logo", workspaceId: null, ownerId: user.id, contentType: "image/png" });
    expect(await env.IMAGES.head(firstRow!.r2Key)).not.toBeNull();
    expect(await (await get("/admin/settings", cookie)).text()).toContain('data-testid="current-organization-logo"');

    response = await uploadLogo(cookie, pngBytes(120, 120));
    expect(response.status).toBe(302);
    const second = await currentLogoId();
    expect(second).not.toBe(first);
    expect(await imageRow(first!)).toBeUndefined();
    expect(await env.IMAGES.head(firstRow!.r2Key)).toBeNull();

    const secondRow = await imageRow(second!);
    response = await postForm(cookie, { intent: "logo-remove" });
    expect(response.status).toBe(302);
    expect(await currentLogoId()).toBeNull();
    expect(await imageRow(second!)).toBeUndefined();
    expect(await env.IMAGES.head(secondRow!.r2Key)).toBeNull();

    const audited = await db()
      .select()
      .from(auditLog)
      .where(eq(auditLog.actorId, user.id))
      .orderBy(desc(auditLog.createdAt), desc(auditLog.id));
    const logoChanges = audited.filter((row) => row.action === "settings.organization-logo");
    expect(logoChanges.map((row) => JSON.parse(row.detail!))).toEqual([
      { from: second, to: null },
      { from: first, to: second },
      { from: null, to: first },
    ]);
  });

  it("shows a bad file as a message under the field (400/413/415), never a 500, and keeps the logo there was", async () => {
    const { cookie } = await account("admin");
    await uploadLogo(cookie);
    const kept = await currentLogoId();
    const imagesBefore = (await db().select({ id: images.id }).from(images)).length;

    const svg = await postForm(cookie, { intent: "logo", logo: file(svgBytes(), "logo.png", "image/png") });
    expect(svg.status).toBe(415);
    const svgPage = await svg.text();
    expect(svgPage).toContain("not a PNG, JPEG, WebP or GIF");
    expect(svgPage).toMatch(/id="settings-logo-error"/);

    const big = new Uint8Array(MAX_IMAGE_BYTES + 1);
    big.set(pngBytes(), 0);
    const tooLarge = await postForm(cookie, { intent: "logo", logo: file(big, "big.png", "image/png") });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.text()).toContain("larger than 5 MB");

    const nothing = await postForm(cookie, {
      intent: "logo",
      logo: new File([], "", { type: "application/octet-stream" }),
    });
    expect(nothing.status).toBe(400);
    expect(await nothing.text()).toContain("Choose an image file for the logo.");

    expect(await currentLogoId()).toBe(kept);
    expect((await db().select({ id: images.id }).from(images)).length).toBe(imagesBefore);
  });

  it("answers 403 to users and moderators, sends signed-out visitors to sign in, and refuses a cross-site post", async () => {
    for (const role of ["user", "moderator"] as const) {
      const { cookie } = await account(role);
      expect((await uploadLogo(cookie)).status, role).toBe(403);
      expect((await postForm(cookie, { intent: "logo-remove" })).status, role).toBe(403);
    }
    const signedOut = await uploadLogo("");
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers.get("Location")).toMatch(/^\/login\?redirectTo=/);

    const { cookie } = await account("admin");
    expect((await uploadLogo(cookie, pngBytes(), { "Sec-Fetch-Site": "cross-site" })).status).toBe(403);
    expect((await postForm(cookie, { intent: "logo" }, { "Sec-Fetch-Site": "cross-site" })).status).toBe(403);
    expect(await currentLogoId()).toBeNull();
  });
});

describe("the logo is public, and only it", () => {
  it("serves the organization's logo to a signed-out visitor (no cookie), cacheable by an e-mail proxy", async () => {
    const { cookie } = await account("admin");
    await uploadLogo(cookie);
    const id = (await currentLogoId())!;
    for (const size of ["original", "thumb"] as const) {
      const response = await get(imageUrl(id, size));
      expect(response.status, size).toBe(200);
      expect(response.headers.get("Content-Type")).toBe("image/png");
      expect(response.headers.get("Cache-Control")).toBe("public, max-age=86400");
      expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
      await response.arrayBuffer();
    }
  });

  it("keeps every other image private: another logo, a workspace logo, a brand image, an avatar", async () => {
    const { user } = await account("admin");
    const [membership] = await db().select().from(workspaceMembers).where(eq(workspaceMembers.userId, user.id));
    const store = async (kind: "logo" | "brand" | "avatar", options: { organization?: true } = {}) => {
      const result = await storeImage({ ...env, ...own }, db(), {
        file: file(pngBytes(), "x.png", "image/png"),
        kind,
        ownerId: user.id,
        workspaceId: kind === "avatar" || options.organization ? null : (membership?.workspaceId ?? null),
        ...options,
      });
      if (!result.ok) throw new Error(result.message);
      return result.image.id;
    };
    const current = await store("logo", { organization: true });
    await setLogo(current);
    // An organization-shaped logo the organization does not point at (a replaced one, or one forged
    // into the table): still refused to strangers.
    const other = await store("logo", { organization: true });
    const privateOnes = [other, await store("avatar")];
    if (membership) privateOnes.push(await store("logo"), await store("brand"));

    expect((await get(imageUrl(current))).status).toBe(200);
    for (const id of privateOnes) {
      expect((await get(imageUrl(id))).status, id).toBe(404);
      expect((await get(imageUrl(id, "thumb"))).status, id).toBe(404);
    }
    // A workspace's logo is not made public by pointing the organization at it: only a logo without a workspace is.
    if (membership) {
      const workspaceLogo = privateOnes[2]!;
      await setLogo(workspaceLogo);
      expect((await get(imageUrl(workspaceLogo))).status).toBe(404);
    }
    // Once replaced, the old logo is as private as any other image.
    await setLogo(other);
    expect((await get(imageUrl(current))).status).toBe(404);
    expect((await get(imageUrl(other))).status).toBe(200);
  });

  it("is kept by the unreferenced-image cleanup", async () => {
    const { cookie } = await account("admin");
    await uploadLogo(cookie);
    const id = (await currentLogoId())!;
    await deleteUnreferencedImages({ ...env, ...own }, db(), new Date(Date.now() + 2 * 86_400_000));
    expect(await imageRow(id)).toBeDefined();
  });
});

describe("where the logo shows", () => {
  it("appears in the header next to the organization's name, with an empty alt", async () => {
    const { cookie } = await account("admin");
    await uploadLogo(cookie);
    const id = (await currentLogoId())!;
    const html = await (await get("/settings", cookie)).text();
    const header = html.slice(html.indexOf("<header"), html.indexOf("</header>"));
    expect(header).toContain(`src="${imageUrl(id, "thumb").replace("&", "&amp;")}"`);
    expect(header).toMatch(/<img[^>]*alt=""[^>]*data-testid="organization-logo"/);
  });

  it("treats a logo whose image row is gone as no logo", async () => {
    const { cookie } = await account("admin");
    await setLogo(crypto.randomUUID());
    forgetOrganizationName();
    const page = await (await get("/admin/settings", cookie)).text();
    expect(page).not.toContain('data-testid="organization-logo"');
    expect(page).not.toContain('data-testid="current-organization-logo"');
    expect(page).toContain("No logo yet");
  });

  it("opens the HTML part of e-mails with the logo at an absolute URL; the text part has no picture", async () => {
    const { cookie } = await account("admin");
    await uploadLogo(cookie);
    const id = (await currentLogoId())!;
    const waiting = `logo_${crypto.randomUUID().slice(0, 8)}@example.com`;
    const [entry] = await db().insert(waitlist).values({ email: waiting }).returning();
    expect((await postForm(cookie, { intent: "invite", waitlistId: String(entry!.id) })).status).toBe(302);
    const [mail] = await db().select().from(devOutbox).where(eq(devOutbox.to, waiting)).orderBy(desc(devOutbox.id));
    const src = new URL(imageUrl(id, "thumb"), env.APP_URL).href;
    expect(mail!.html).toContain(`<img src="${src.replace("&", "&amp;")}" alt="`);
    expect(mail!.text).not.toContain("/images/");
    // The URL works without cookies, as an e-mail client fetches it.
    expect((await get(new URL(src).pathname + new URL(src).search)).status).toBe(200);
  });
});

describe("when the uploading admin's account is purged", () => {
  it("passes the logo to another admin instead of deleting it", async () => {
    const uploader = await account("admin");
    const other = await account("admin");
    await uploadLogo(uploader.cookie);
    const id = (await currentLogoId())!;
    const { r2Key } = (await imageRow(id))!;
    await db()
      .update(users)
      .set({ deletedAt: new Date(Date.now() - PURGE_AFTER_MS - 60_000) })
      .where(eq(users.id, uploader.user.id));
    await purgeDeletedAccounts({ ...env, ...own }, db());
    expect(await db().select().from(users).where(eq(users.id, uploader.user.id))).toHaveLength(0);
    const kept = await imageRow(id);
    expect(kept).toBeDefined();
    expect(kept!.ownerId).not.toBe(uploader.user.id);
    expect((await db().select().from(users).where(eq(users.id, kept!.ownerId)))[0]?.role).toBe("admin");
    expect(await env.IMAGES.head(r2Key)).not.toBeNull();
    expect(await currentLogoId()).toBe(id);
    expect(other.user.id).toBeTruthy();
  });
});
