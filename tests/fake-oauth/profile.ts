// What the fake OAuth provider (server.ts) answers with for one user: shared by the provider, the
// workerd tests (tests/support/oauth.ts) and the browser tests. Types only, so both runtimes import it.
export interface FakeProfile {
  /** The provider's user id (GitHub id, OIDC `sub`). */
  id: string;
  login?: string;
  name?: string;
  email?: string | null;
  emailVerified?: boolean;
  /** Absolute, or a path on the fake server such as "/avatar.png". */
  avatar?: string;
  /** Deliberately broken ID tokens. */
  token?: { aud?: string; iss?: string; expired?: boolean; badSignature?: boolean };
}
