// .dev.vars holds the local Worker's settings and secrets (git-ignored). It is made from
// .dev.vars.example on first use, with every __GENERATE__ value replaced by a fresh random secret.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
export const devVarsPath = `${root}.dev.vars`;
const examplePath = `${root}.dev.vars.example`;

/** Creates .dev.vars when it is missing. Returns true when it was created. */
export function ensureDevVars(): boolean {
  if (existsSync(devVarsPath)) return false;
  const example = readFileSync(examplePath, "utf8");
  const filled = example.replaceAll("__GENERATE__", () => randomBytes(32).toString("base64url"));
  writeFileSync(devVarsPath, filled, { mode: 0o600 });
  return true;
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
