import type { TestProject } from "vitest/node";
import { startFakeAnthropic } from "./anthropic-server";
import { startCanary } from "./canary-server";
import { startFakeCloudflare } from "./cloudflare-server";
import { startFakeOpenAi } from "./openai-server";
import { startWebhookSink } from "./webhook-server";

declare module "vitest" {
  export interface ProvidedContext {
    anthropicUrl: string;
    openaiUrl: string;
    cloudflareUrl: string;
    webhookUrl: string;
    canaryUrl: string;
  }
}

/** Loopback fakes for the APIs that cannot be reached from here, started once for the test run. */
export default async function setup(project: TestProject) {
  const anthropic = await startFakeAnthropic();
  const openai = await startFakeOpenAi();
  const cloudflare = await startFakeCloudflare();
  const webhook = await startWebhookSink();
  const canary = await startCanary();
  project.provide("canaryUrl", canary.url);
  project.provide("webhookUrl", webhook.url);
  project.provide("cloudflareUrl", `${cloudflare.url}/client/v4`);
  project.provide("anthropicUrl", anthropic.url);
  project.provide("openaiUrl", openai.url);
  return async () => {
    await new Promise((resolve) => anthropic.server.close(resolve));
    await new Promise((resolve) => openai.server.close(resolve));
    await new Promise((resolve) => cloudflare.server.close(resolve));
    await new Promise((resolve) => webhook.server.close(resolve));
    await new Promise((resolve) => canary.server.close(resolve));
  };
}
