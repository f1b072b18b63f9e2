// The API signing key `npm run dev` writes into .dev.vars: one line of JSON, a P-256 private JWK with a
// kid, that signs and verifies as ES256 (what app/api/access-tokens.server.ts imports).
import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateSigningJwk } from "./dev-vars.ts";

describe("generateSigningJwk", () => {
  it("makes a one-line P-256 private JWK with a dated kid that signs and verifies", () => {
    const text = generateSigningJwk(new Date("2026-11-30T12:00:00Z"));
    expect(text).not.toContain("\n");
    const jwk = JSON.parse(text) as { kty: string; crv: string; d: string; kid: string };
    expect(jwk).toMatchObject({ kty: "EC", crv: "P-256" });
    expect(jwk.kid).toMatch(/^2026-11-30-[0-9a-f]{8}$/);
    const privateKey = createPrivateKey({ key: jwk, format: "jwk" });
    const { d: _private, ...publicJwk } = jwk;
    const publicKey = createPublicKey({ key: publicJwk, format: "jwk" });
    const signature = sign("sha256", Buffer.from("message"), { key: privateKey, dsaEncoding: "ieee-p1363" });
    expect(verify("sha256", Buffer.from("message"), { key: publicKey, dsaEncoding: "ieee-p1363" }, signature)).toBe(
      true,
    );
  });

  it("makes a new key each time", () => {
    expect(JSON.parse(generateSigningJwk()).d).not.toBe(JSON.parse(generateSigningJwk()).d);
  });
});
