export { ModelRequestError } from "@aidevos/core";
export { AnthropicProvider, type AnthropicSettings } from "./anthropic/anthropic-provider";
export { FIXTURES } from "./fixtures";
export { addRunUsage, MeteredProvider, NO_RUN_USAGE } from "./metered";
export { describeArchitecture, planTasks } from "./offline/architecture";
export { OfflineProvider } from "./offline/offline-provider";
export { OpenAiCompatibleProvider, type OpenAiCompatibleSettings } from "./openai/openai-provider";
export { ModelOutputError } from "./prompting";
export { PROMPT_VERSION, prompt } from "./prompts";
export type { LlmProvider, LlmTask, StructuredCall, StructuredResult, Usage } from "./provider";
export { type Fixture, ReplayMissError, ReplayProvider } from "./replay/replay-provider";
export { fromStrict, strictSchema } from "./schema/strict";
export {
  assertFixture,
  createProvider,
  type ModelOptions,
  type ProviderName,
  type ProviderSettings,
  providerName,
  UnknownFixtureError,
} from "./select";
export { addUsage, costUsd, TokenBudget, TokenBudgetExceededError, totalTokens } from "./usage";
