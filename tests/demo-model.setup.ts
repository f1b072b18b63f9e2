// Vitest global setup for the workerd tests: starts the offline demo model (scripts/demo-model.ts) so
// app/plans/demo-model.test.ts can drive the app's generation path against it.
import type { TestProject } from "vitest/node";
import { startDemoModel } from "../scripts/demo-model.ts";

declare module "vitest" {
  export interface ProvidedContext {
    demoModelUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const demo = await startDemoModel({ port: 0, chunkDelayMs: 0 });
  project.provide("demoModelUrl", demo.url);
  return () => demo.close();
}
