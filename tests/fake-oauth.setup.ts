// Vitest global setup for the workerd tests of app/oauth: starts the fake OAuth provider
// (tests/fake-oauth/server.ts) and provides its variables, which vitest.config.ts binds into the
// Worker's env so GitHub, Google and Apple are enabled and point at the fake.
import type { TestProject } from "vitest/node";
import { startFakeOAuthServer } from "./fake-oauth/server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    fakeOAuthEnv: Record<string, string>;
  }
}

export default async function setup(project: TestProject) {
  const fake = await startFakeOAuthServer();
  project.provide("fakeOAuthEnv", fake.env);
  return () => fake.close();
}
