import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { enabledProviders, providerConfig, redirectUri } from "./config.server.ts";

const withVars = (vars: Record<string, string>) => ({ ...env, ...vars }) as Env;

describe("which providers are enabled", () => {
  it("enables a provider only when every credential is set", () => {
    expect(enabledProviders(env)).toEqual(["github", "google", "apple"]);
    expect(enabledProviders(withVars({ GITHUB_CLIENT_SECRET: "" }))).toEqual(["google", "apple"]);
    expect(enabledProviders(withVars({ GOOGLE_CLIENT_ID: "  " }))).toEqual(["github", "apple"]);
    expect(enabledProviders(withVars({ APPLE_KEY_ID: "" }))).toEqual(["github", "google"]);
    expect(enabledProviders(withVars({ GITHUB_CLIENT_ID: "", GOOGLE_CLIENT_ID: "", APPLE_CLIENT_ID: "" }))).toEqual([]);
  });

  it("uses the real endpoints when the URL variables are empty", () => {
    const real = withVars({
      GITHUB_OAUTH_URL: "",
      GITHUB_API_URL: "",
      GOOGLE_OAUTH_URL: "",
      GOOGLE_TOKEN_URL: "",
      GOOGLE_JWKS_URL: "",
      APPLE_OAUTH_URL: "",
    });
    expect(providerConfig(real, "github")).toMatchObject({
      authorizeUrl: "https://github.com/login/oauth/authorize",
      tokenUrl: "https://github.com/login/oauth/access_token",
      apiUrl: "https://api.github.com",
    });
    expect(providerConfig(real, "google")).toMatchObject({
      authorizeUrl: "https://accounts.google.com/o/oauth2/v2/auth",
      tokenUrl: "https://oauth2.googleapis.com/token",
      jwksUrl: "https://www.googleapis.com/oauth2/v3/certs",
      issuers: ["https://accounts.google.com", "accounts.google.com"],
    });
    expect(providerConfig(real, "apple")).toMatchObject({
      authorizeUrl: "https://appleid.apple.com/auth/authorize",
      tokenUrl: "https://appleid.apple.com/auth/token",
      jwksUrl: "https://appleid.apple.com/auth/keys",
      issuers: ["https://appleid.apple.com"],
    });
  });

  it("builds callback URLs from APP_URL", () => {
    expect(redirectUri(withVars({ APP_URL: "https://alva.example.com" }), "apple")).toBe(
      "https://alva.example.com/auth/apple/callback",
    );
  });
});
