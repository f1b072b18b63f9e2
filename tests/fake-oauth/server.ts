// A fake OAuth provider for tests only: GitHub-, Google- and Apple-shaped endpoints on a loopback port,
// so the app's real arctic code path (authorization URL, code exchange, ID token verification) runs
// end to end without the network. Never used by the app itself.
//
// Choosing the user: register a profile (POST /_fake/users → {key}) and pass `login_hint=<key>` on the
// authorize URL, or queue one for the next authorization without a hint (POST /_fake/next/<provider>),
// which is how the browser tests pick theirs. Profiles may ask for broken ID tokens (wrong aud/iss,
// expired, bad signature) to test that the app refuses them.
//
// GitHub and Google answer the authorization with a 302 back to the app. Apple answers as the real one
// does with response_mode=form_post: a page that auto-submits a POST form (code, state, and `user` JSON
// on an Apple ID's first authorization only) to the app's return URL; the token endpoint wants an ES256
// client-secret JWT signed with the team key (`applePrivateKey`), and the ID token's issuer is
// APPLE_OAUTH_URL (the real one's is https://appleid.apple.com).
//
// Paths (base = the server's URL):
//   GitHub  GITHUB_OAUTH_URL=base/github  GITHUB_API_URL=base/github-api
//   Google  GOOGLE_OAUTH_URL=base/google  GOOGLE_TOKEN_URL=base/google/token  GOOGLE_JWKS_URL=base/google/certs
//   Apple   APPLE_OAUTH_URL=base/apple    (authorize, token and keys under /auth/…)
//   Avatars base/avatar.png (PNG 2×3), base/avatar.html (wrong type), base/avatar-huge.png (over 5 MB)
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign, verify } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { png } from "../fixtures/png.ts";
import type { FakeProfile } from "./profile.ts";

export const fakeCredentials = {
  github: { clientId: "fake-github-client", clientSecret: "fake-github-secret" },
  google: { clientId: "fake-google-client.apps.example", clientSecret: "fake-google-secret" },
  apple: { clientId: "com.example.alva.fake", teamId: "FAKETEAM01", keyId: "FAKEKEY001" },
};

type Provider = "github" | "google" | "apple";

interface Grant {
  provider: Provider;
  profile: FakeProfile;
  redirectUri: string;
  codeChallenge: string | null;
}

export interface FakeOAuthServer {
  url: string;
  /** The PKCS#8 PEM of the Apple team key the app signs its client secret with (APPLE_PRIVATE_KEY). */
  applePrivateKey: string;
  /** Every variable the app needs to use this fake for all three providers. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startFakeOAuthServer(options: { port?: number } = {}): Promise<FakeOAuthServer> {
  const signing = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const impostor = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = `fake-${randomBytes(4).toString("hex")}`;
  const apple = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const applePrivateKey = apple.privateKey.export({ type: "pkcs8", format: "pem" }).toString();

  const profiles = new Map<string, FakeProfile>();
  const next = new Map<Provider, FakeProfile[]>();
  const grants = new Map<string, Grant>();
  const accessTokens = new Map<string, FakeProfile>();
  /** Apple user ids that have authorized once already (Apple sends `user` only the first time). */
  const appleAuthorized = new Set<string>();
  let base = "";

  const avatar = png(2, 3);
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      json(response, 500, { error: "server_error", error_description: String(error) });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? "/", base);
    const path = url.pathname;
    const body = request.method === "POST" ? await readBody(request) : "";

    // ── Test control ──
    if (request.method === "POST" && path === "/_fake/users") {
      const key = randomBytes(8).toString("hex");
      profiles.set(key, JSON.parse(body) as FakeProfile);
      return json(response, 200, { key });
    }
    const queued = /^\/_fake\/next\/(github|google|apple)$/.exec(path);
    if (request.method === "POST" && queued) {
      const provider = queued[1] as Provider;
      next.set(provider, [...(next.get(provider) ?? []), JSON.parse(body) as FakeProfile]);
      return json(response, 200, { queued: true });
    }

    // ── Authorization: straight back with a code (no consent screen) ──
    const authorize = {
      "/github/login/oauth/authorize": "github",
      "/google/o/oauth2/v2/auth": "google",
      "/apple/auth/authorize": "apple",
    }[path] as Provider | undefined;
    if (authorize && request.method === "GET") {
      const clientId = url.searchParams.get("client_id");
      const redirectUri = url.searchParams.get("redirect_uri");
      const state = url.searchParams.get("state") ?? "";
      if (clientId !== fakeCredentials[authorize].clientId || !redirectUri)
        return text(response, 400, "unknown client or no redirect_uri");
      const hint = url.searchParams.get("login_hint");
      const profile = hint ? profiles.get(hint) : next.get(authorize)?.shift();
      if (!profile)
        return text(
          response,
          400,
          "no fake user: register one and pass login_hint, or queue one with /_fake/next/<provider>",
        );
      let codeChallenge: string | null = null;
      if (authorize === "google") {
        if (url.searchParams.get("code_challenge_method") !== "S256" || !url.searchParams.get("code_challenge"))
          return text(response, 400, "PKCE S256 required");
        codeChallenge = url.searchParams.get("code_challenge");
      }
      const code = randomBytes(16).toString("hex");
      grants.set(code, { provider: authorize, profile, redirectUri, codeChallenge });
      if (authorize === "apple") {
        // Like appleid.apple.com after consent: a page that POSTs the answer to the return URL by itself
        // (a cross-site form post; the fake's 127.0.0.1 is another site than the app's localhost).
        if (url.searchParams.get("response_mode") !== "form_post") return text(response, 400, "form_post required");
        const fields: Record<string, string> = { code, state };
        // Apple posts the user's name only on the first authorization of this app by this Apple ID.
        const firstAuthorization = !appleAuthorized.has(profile.id);
        appleAuthorized.add(profile.id);
        if (firstAuthorization) {
          const [firstName = "", ...rest] = (profile.name ?? "").split(" ");
          fields.user = JSON.stringify({ name: { firstName, lastName: rest.join(" ") }, email: profile.email });
        }
        const inputs = Object.entries(fields)
          .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
          .join("");
        response.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
        return response.end(
          `<!doctype html><html><head><meta charset="utf-8"><title>Sign in with Apple (fake)</title></head><body>` +
            `<form method="post" action="${escapeHtml(redirectUri)}">${inputs}<noscript><button>Continue</button></noscript></form>` +
            `<script>document.forms[0].submit()</script></body></html>`,
        );
      }
      const back = new URL(redirectUri);
      back.searchParams.set("code", code);
      back.searchParams.set("state", state);
      response.writeHead(302, { Location: back.toString() });
      return response.end();
    }

    // ── Token endpoints ──
    if (
      request.method === "POST" &&
      (path === "/github/login/oauth/access_token" || path === "/google/token" || path === "/apple/auth/token")
    ) {
      const provider: Provider = path.startsWith("/github")
        ? "github"
        : path.startsWith("/google")
          ? "google"
          : "apple";
      const form = new URLSearchParams(body);
      if (!clientAuthenticated(provider, request, form)) return json(response, 401, { error: "invalid_client" });
      const code = form.get("code") ?? "";
      const grant = grants.get(code);
      grants.delete(code); // codes are single-use
      if (!grant || grant.provider !== provider || grant.redirectUri !== form.get("redirect_uri"))
        return json(response, 400, { error: "invalid_grant" });
      if (grant.codeChallenge !== null) {
        const verifier = form.get("code_verifier") ?? "";
        if (createHash("sha256").update(verifier).digest("base64url") !== grant.codeChallenge)
          return json(response, 400, { error: "invalid_grant", error_description: "PKCE" });
      }
      const accessToken = randomBytes(16).toString("hex");
      accessTokens.set(accessToken, grant.profile);
      if (provider === "github")
        return json(response, 200, {
          access_token: accessToken,
          token_type: "bearer",
          scope: form.get("scope") ?? "read:user,user:email",
        });
      const clientId = fakeCredentials[provider].clientId;
      return json(response, 200, {
        access_token: accessToken,
        token_type: "Bearer",
        expires_in: 3600,
        id_token: idToken(provider, grant.profile, clientId),
      });
    }

    // ── GitHub API ──
    if (request.method === "GET" && (path === "/github-api/user" || path === "/github-api/user/emails")) {
      const profile = accessTokens.get((request.headers.authorization ?? "").replace(/^Bearer /, ""));
      if (!profile) return json(response, 401, { message: "Bad credentials" });
      if (path === "/github-api/user") {
        return json(response, 200, {
          id: Number(profile.id) || profile.id,
          login: profile.login ?? `user${profile.id}`,
          name: profile.name ?? null,
          avatar_url: avatarUrl(profile),
          email: null,
        });
      }
      return json(
        response,
        200,
        profile.email
          ? [{ email: profile.email, primary: true, verified: profile.emailVerified ?? false, visibility: "private" }]
          : [],
      );
    }

    // ── Signing keys ──
    if (request.method === "GET" && (path === "/google/certs" || path === "/apple/auth/keys")) {
      return json(response, 200, {
        keys: [{ ...signing.publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }],
      });
    }

    // ── Avatars ──
    if (path === "/avatar.png") {
      response.writeHead(200, { "Content-Type": "image/png", "Content-Length": String(avatar.length) });
      return response.end(avatar);
    }
    if (path === "/avatar.html") {
      response.writeHead(200, { "Content-Type": "text/html" });
      return response.end("<p>not an image</p>");
    }
    if (path === "/avatar-huge.png") {
      // No Content-Length: the app must stop reading at its cap by itself.
      response.writeHead(200, { "Content-Type": "image/png" });
      const chunk = Buffer.alloc(1024 * 1024);
      response.write(avatar);
      for (let i = 0; i < 6; i++) response.write(chunk);
      return response.end();
    }
    text(response, 404, "not found");
  }

  function avatarUrl(profile: FakeProfile): string | null {
    if (!profile.avatar) return null;
    return new URL(profile.avatar, base).toString();
  }

  function clientAuthenticated(provider: Provider, request: IncomingMessage, form: URLSearchParams): boolean {
    if (provider === "apple") {
      // client_secret_post with an ES256 JWT signed by the team key.
      if (form.get("client_id") !== fakeCredentials.apple.clientId) return false;
      const parts = (form.get("client_secret") ?? "").split(".");
      if (parts.length !== 3) return false;
      const header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString()) as { alg?: string; kid?: string };
      const claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString()) as {
        iss?: string;
        sub?: string;
        exp?: number;
      };
      if (header.alg !== "ES256" || header.kid !== fakeCredentials.apple.keyId) return false;
      if (
        claims.iss !== fakeCredentials.apple.teamId ||
        claims.sub !== fakeCredentials.apple.clientId ||
        !(claims.exp! > Date.now() / 1000)
      )
        return false;
      return verify(
        "sha256",
        Buffer.from(`${parts[0]}.${parts[1]}`),
        { key: apple.publicKey, dsaEncoding: "ieee-p1363" },
        Buffer.from(parts[2]!, "base64url"),
      );
    }
    // GitHub and Google through arctic's OAuth2Client: HTTP Basic client authentication.
    const expected = fakeCredentials[provider];
    const basic = Buffer.from(`${expected.clientId}:${expected.clientSecret}`).toString("base64");
    return request.headers.authorization === `Basic ${basic}`;
  }

  function idToken(provider: "google" | "apple", profile: FakeProfile, clientId: string): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: "RS256", kid, typ: "JWT" };
    const payload: Record<string, unknown> = {
      iss: profile.token?.iss ?? `${base}/${provider}`,
      aud: profile.token?.aud ?? clientId,
      sub: profile.id,
      iat: now - 5,
      exp: profile.token?.expired ? now - 60 : now + 3600,
      email: profile.email ?? undefined,
      // Apple writes the flag as a string.
      email_verified: provider === "apple" ? String(profile.emailVerified ?? false) : (profile.emailVerified ?? false),
    };
    if (provider === "google") {
      payload.name = profile.name;
      payload.picture = avatarUrl(profile) ?? undefined;
    }
    const message = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
    const key: KeyObject = profile.token?.badSignature ? impostor.privateKey : signing.privateKey;
    return `${message}.${sign("sha256", Buffer.from(message), key).toString("base64url")}`;
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    applePrivateKey,
    env: {
      GITHUB_CLIENT_ID: fakeCredentials.github.clientId,
      GITHUB_CLIENT_SECRET: fakeCredentials.github.clientSecret,
      GITHUB_OAUTH_URL: `${base}/github`,
      GITHUB_API_URL: `${base}/github-api`,
      GOOGLE_CLIENT_ID: fakeCredentials.google.clientId,
      GOOGLE_CLIENT_SECRET: fakeCredentials.google.clientSecret,
      GOOGLE_OAUTH_URL: `${base}/google`,
      GOOGLE_TOKEN_URL: `${base}/google/token`,
      GOOGLE_JWKS_URL: `${base}/google/certs`,
      APPLE_CLIENT_ID: fakeCredentials.apple.clientId,
      APPLE_TEAM_ID: fakeCredentials.apple.teamId,
      APPLE_KEY_ID: fakeCredentials.apple.keyId,
      APPLE_PRIVATE_KEY: applePrivateKey,
      APPLE_OAUTH_URL: `${base}/apple`,
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const b64 = (value: string) => Buffer.from(value).toString("base64url");

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString()));
    request.on("error", reject);
  });
}

function json(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { "Content-Type": "application/json" });
  response.end(JSON.stringify(body));
}

function text(response: ServerResponse, status: number, body: string) {
  response.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" });
  response.end(body);
}
