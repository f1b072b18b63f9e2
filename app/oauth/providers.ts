// The social sign-in providers Alva knows, with their display names. Safe to import in components.
import type { OAuthProvider } from "../../db/schema.ts";

export type { OAuthProvider };

export const providerOrder: readonly OAuthProvider[] = ["github", "google", "apple"];

export const providerLabels: Record<OAuthProvider, string> = {
  github: "GitHub",
  google: "Google",
  apple: "Apple",
};

export function isOAuthProvider(value: unknown): value is OAuthProvider {
  return typeof value === "string" && (providerOrder as readonly string[]).includes(value);
}
