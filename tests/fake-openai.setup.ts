// Vitest global setup for the workerd tests of plans: starts the fake OpenAI-compatible server
// (tests/fake-openai/server.ts), whose URL vitest.config.ts binds as OPENAI_BASE_URL.
import type { TestProject } from "vitest/node";
import { startFakeOpenAiServer } from "./fake-openai/server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    fakeOpenAiUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const fake = await startFakeOpenAiServer();
  project.provide("fakeOpenAiUrl", fake.url);
  return () => fake.close();
}
