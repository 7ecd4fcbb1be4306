import type { TestProject } from "vitest/node";
import { startFakeAnthropic } from "./anthropic-server";
import { startFakeCloudflare } from "./cloudflare-server";
import { startFakeOpenAi } from "./openai-server";

declare module "vitest" {
  export interface ProvidedContext {
    anthropicUrl: string;
    openaiUrl: string;
    cloudflareUrl: string;
  }
}

/** Loopback fakes for the APIs that cannot be reached from here, started once for the test run. */
export default async function setup(project: TestProject) {
  const anthropic = await startFakeAnthropic();
  const openai = await startFakeOpenAi();
  const cloudflare = await startFakeCloudflare();
  project.provide("cloudflareUrl", `${cloudflare.url}/client/v4`);
  project.provide("anthropicUrl", anthropic.url);
  project.provide("openaiUrl", openai.url);
  return async () => {
    await new Promise((resolve) => anthropic.server.close(resolve));
    await new Promise((resolve) => openai.server.close(resolve));
    await new Promise((resolve) => cloudflare.server.close(resolve));
  };
}
