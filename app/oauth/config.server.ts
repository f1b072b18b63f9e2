// Which providers are enabled and where their endpoints are. A provider is enabled only when all of its
// credentials are set. The endpoint variables default to the real providers; tests point them at the
// fake provider in tests/fake-oauth so the real arctic code path runs against it.
import type { OAuthProvider } from "./providers.ts";
import { providerOrder } from "./providers.ts";

/** The OAuth variables. They are optional, so they are not in wrangler.toml and not in the generated Env. */
export interface OAuthEnv {
  GITHUB_CLIENT_ID?: string;
  GITHUB_CLIENT_SECRET?: string;
  GITHUB_OAUTH_URL?: string;
  GITHUB_API_URL?: string;
  GOOGLE_CLIENT_ID?: string;
  GOOGLE_CLIENT_SECRET?: string;
  GOOGLE_OAUTH_URL?: string;
  GOOGLE_TOKEN_URL?: string;
  GOOGLE_JWKS_URL?: string;
  APPLE_CLIENT_ID?: string;
  APPLE_TEAM_ID?: string;
  APPLE_KEY_ID?: string;
  APPLE_PRIVATE_KEY?: string;
  APPLE_OAUTH_URL?: string;
}

export function oauthEnv(env: Env): OAuthEnv {
  return env as unknown as OAuthEnv;
}

const value = (text: string | undefined) => (text ?? "").trim();
const base = (text: string | undefined, fallback: string) => (value(text) || fallback).replace(/\/+$/, "");

export interface GitHubConfig {
  provider: "github";
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  apiUrl: string;
}

export interface GoogleConfig {
  provider: "google";
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  /** Issuers accepted in ID tokens. */
  issuers: string[];
}

export interface AppleConfig {
  provider: "apple";
  clientId: string;
  teamId: string;
  keyId: string;
  /** PKCS#8 PEM (the .p8 file Apple hands out), newlines may be written as \n. */
  privateKey: string;
  authorizeUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  issuers: string[];
}

export type ProviderConfig = GitHubConfig | GoogleConfig | AppleConfig;

export function providerConfig(env: Env, provider: OAuthProvider): ProviderConfig | null {
  const vars = oauthEnv(env);
  switch (provider) {
    case "github": {
      const clientId = value(vars.GITHUB_CLIENT_ID);
      const clientSecret = value(vars.GITHUB_CLIENT_SECRET);
      if (!clientId || !clientSecret) return null;
      const oauth = base(vars.GITHUB_OAUTH_URL, "https://github.com");
      return {
        provider,
        clientId,
        clientSecret,
        authorizeUrl: `${oauth}/login/oauth/authorize`,
        tokenUrl: `${oauth}/login/oauth/access_token`,
        apiUrl: base(vars.GITHUB_API_URL, "https://api.github.com"),
      };
    }
    case "google": {
      const clientId = value(vars.GOOGLE_CLIENT_ID);
      const clientSecret = value(vars.GOOGLE_CLIENT_SECRET);
      if (!clientId || !clientSecret) return null;
      const oauth = base(vars.GOOGLE_OAUTH_URL, "https://accounts.google.com");
      return {
        provider,
        clientId,
        clientSecret,
        authorizeUrl: `${oauth}/o/oauth2/v2/auth`,
        tokenUrl: base(vars.GOOGLE_TOKEN_URL, "https://oauth2.googleapis.com/token"),
        jwksUrl: base(vars.GOOGLE_JWKS_URL, "https://www.googleapis.com/oauth2/v3/certs"),
        // Google documents both spellings of its issuer.
        issuers: oauth === "https://accounts.google.com" ? [oauth, "accounts.google.com"] : [oauth],
      };
    }
    case "apple": {
      const clientId = value(vars.APPLE_CLIENT_ID);
      const teamId = value(vars.APPLE_TEAM_ID);
      const keyId = value(vars.APPLE_KEY_ID);
      const privateKey = value(vars.APPLE_PRIVATE_KEY);
      if (!clientId || !teamId || !keyId || !privateKey) return null;
      const oauth = base(vars.APPLE_OAUTH_URL, "https://appleid.apple.com");
      return {
        provider,
        clientId,
        teamId,
        keyId,
        privateKey,
        authorizeUrl: `${oauth}/auth/authorize`,
        tokenUrl: `${oauth}/auth/token`,
        jwksUrl: `${oauth}/auth/keys`,
        issuers: [oauth],
      };
    }
  }
}

/** The providers whose credentials are configured, in display order. */
export function enabledProviders(env: Env): OAuthProvider[] {
  return providerOrder.filter((provider) => providerConfig(env, provider) !== null);
}

/** Where the provider sends the browser back: always built from APP_URL, never from the Host header. */
export function redirectUri(env: Env, provider: OAuthProvider): string {
  return new URL(`/auth/${provider}/callback`, env.APP_URL).toString();
}
