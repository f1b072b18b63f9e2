// .dev.vars holds the local Worker's settings and secrets (git-ignored). It is made from
// .dev.vars.example on first use, with every __GENERATE__ value replaced by a fresh random secret.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
export const devVarsPath = `${root}.dev.vars`;
const examplePath = `${root}.dev.vars.example`;

const generate = (text: string) =>
  text
    .replaceAll("__GENERATE_ES256_JWK__", () => generateSigningJwk())
    .replaceAll("__GENERATE__", () => randomBytes(32).toString("base64url"));

/**
 * A fresh P-256 private key as one line of JWK JSON with a `kid`: the API's access-token signing key
 * (app/api/access-tokens.server.ts). The kid is dated so a rotated key is told apart at a glance.
 */
export function generateSigningJwk(now = new Date()): string {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = privateKey.export({ format: "jwk" });
  const kid = `${now.toISOString().slice(0, 10)}-${randomBytes(4).toString("hex")}`;
  return JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d, kid });
}

/**
 * Creates .dev.vars when it is missing, and adds variables that .dev.vars.example gained since
 * (with their comment and a generated value where marked: __GENERATE__ is a random secret,
 * __GENERATE_ES256_JWK__ a signing key). Returns what it did, for the console.
 */
export function ensureDevVars(): "created" | { added: string[] } {
  const example = readFileSync(examplePath, "utf8");
  if (!existsSync(devVarsPath)) {
    writeFileSync(devVarsPath, generate(example), { mode: 0o600 });
    return "created";
  }
  const current = readFileSync(devVarsPath, "utf8");
  const present = parseDevVars(current);
  const added: string[] = [];
  let comment: string[] = [];
  let addition = "";
  for (const line of example.split(/\r?\n/)) {
    if (line.startsWith("#")) {
      comment.push(line);
      continue;
    }
    const name = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
    if (name && !(name in present)) {
      added.push(name);
      addition += `\n${comment.join("\n")}${comment.length ? "\n" : ""}${generate(line)}`;
    }
    comment = [];
  }
  if (added.length > 0)
    writeFileSync(devVarsPath, `${current.replace(/\n*$/, "\n")}${addition.trimStart()}\n`, { mode: 0o600 });
  return { added };
}

export function parseDevVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trimStart().startsWith("#")) continue;
    vars[match[1]!] = match[2]!.replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

export function readDevVars(): Record<string, string> {
  return existsSync(devVarsPath) ? parseDevVars(readFileSync(devVarsPath, "utf8")) : {};
}
