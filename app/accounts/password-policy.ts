// What a new password must be (NIST 800-63B / OWASP ASVS): 8 to 256 characters, any characters, no
// composition rules, compared after NFC normalization, never truncated, and not a known common one.
import { z } from "zod";
import commonPasswordsText from "./common-passwords.txt?raw";

let commonPasswords: Set<string> | undefined;

export function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(commonPasswordsText.split("\n").filter((line) => line && !line.startsWith("#")));
  return commonPasswords.has(password.normalize("NFC").toLowerCase());
}

const characters = (value: string) => [...value.normalize("NFC")].length;

export const newPasswordSchema = z
  .string({ error: "Choose a password." })
  .refine((value) => characters(value) >= 8, "Use at least 8 characters.")
  .refine((value) => characters(value) <= 256, "Use at most 256 characters.")
  .refine((value) => !isCommonPassword(value), "That password is too common; pick one that is harder to guess.")
  .transform((value) => value.normalize("NFC"));
