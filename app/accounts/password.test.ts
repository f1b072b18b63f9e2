import { describe, expect, it } from "vitest";
import { CURRENT_PARAMETERS, hashPassword, verifyPassword } from "./password.server.ts";
import { isCommonPassword, newPasswordSchema } from "./password-policy.ts";

describe("password hashing", () => {
  it("stores a self-describing Argon2id string at OWASP's parameters", async () => {
    const hash = await hashPassword("a long enough passphrase");
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await hashPassword("a long enough passphrase")).not.toBe(hash); // salted
  });

  it("verifies the right password and refuses a wrong one", async () => {
    const hash = await hashPassword("correct horse battery staple");
    expect(await verifyPassword(hash, "correct horse battery staple")).toEqual({ valid: true, needsRehash: false });
    expect((await verifyPassword(hash, "correct horse battery stapler")).valid).toBe(false);
  });

  it("treats the NFC and NFD spellings of a password as the same", async () => {
    const hash = await hashPassword("caf\u00e9 au lait"); // é as one code point
    expect((await verifyPassword(hash, "cafe\u0301 au lait")).valid).toBe(true); // e + combining accent
  });

  it("never truncates: the 256th character counts", async () => {
    const long = "x".repeat(255);
    const hash = await hashPassword(`${long}a`);
    expect((await verifyPassword(hash, `${long}b`)).valid).toBe(false);
  });

  it("asks for a rehash when the stored parameters are weaker than today's", async () => {
    const weak = await hashPassword("old password here", { m: 1024, t: 1, p: 1 });
    expect(weak).toContain("m=1024,t=1,p=1");
    expect(await verifyPassword(weak, "old password here")).toEqual({ valid: true, needsRehash: true });
    expect(await verifyPassword(weak, "wrong")).toEqual({ valid: false, needsRehash: false });
    expect(CURRENT_PARAMETERS).toEqual({ m: 19456, t: 2, p: 1 });
  });

  it.each(["", "plain-text", "$argon2id$v=19$m=1,t=1,p=1$!!$!!", "$2b$10$abcdefghijklmnopqrstuv"])(
    "refuses a malformed stored hash %j instead of throwing",
    async (stored) => {
      expect(await verifyPassword(stored, "anything")).toEqual({ valid: false, needsRehash: false });
    },
  );
});

describe("new password rules", () => {
  const check = (value: unknown) => newPasswordSchema.safeParse(value);

  it("accepts 8 to 256 characters of anything, with no composition rules", () => {
    expect(check("lowercase only words").success).toBe(true);
    expect(check("ÄÖÜ ünïcödé 密码很长很长").success).toBe(true);
    expect(check("x".repeat(256)).success).toBe(true);
  });

  it("counts characters, not bytes or UTF-16 units", () => {
    expect(check("🙂🙂🙂🙂🙂🙂🙂").success).toBe(false); // 7 characters (14 UTF-16 units)
    expect(check("🙂🙂🙂🙂🙂🙂🙂🙂").success).toBe(true);
    expect(check("é".repeat(256)).success).toBe(true);
    expect(check("é".repeat(257)).success).toBe(false);
  });

  it("refuses short and overlong passwords with clear messages", () => {
    expect(check("short").error?.issues[0]?.message).toBe("Use at least 8 characters.");
    expect(check("a".repeat(257)).error?.issues[0]?.message).toBe("Use at most 256 characters.");
  });

  it("refuses passwords from the shipped common list, whatever their case", () => {
    expect(isCommonPassword("password")).toBe(true);
    expect(isCommonPassword("Baseball")).toBe(true);
    expect(isCommonPassword("1qaz2wsx")).toBe(true);
    expect(check("sunshine").error?.issues[0]?.message).toMatch(/too common/);
    expect(isCommonPassword("correct horse battery staple")).toBe(false);
  });
});
