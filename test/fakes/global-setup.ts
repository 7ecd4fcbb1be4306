import type { TestProject } from "vitest/node";
import { startFakeAnthropic } from "./anthropic-server";

declare module "vitest" {
  export interface ProvidedContext {
    anthropicUrl: string;
  }
}

/** Loopback fakes for the APIs that cannot be reached from here, started once for the test run. */
export default async function setup(project: TestProject) {
  const anthropic = await startFakeAnthropic();
  project.provide("anthropicUrl", anthropic.url);
  return () => new Promise<void>((resolve) => anthropic.server.close(() => resolve()));
}
