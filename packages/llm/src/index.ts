export { ModelRequestError } from "@aidevos/core";
export { AnthropicProvider, type AnthropicSettings } from "./anthropic/anthropic-provider";
export { FIXTURES } from "./fixtures";
export { addRunUsage, NO_RUN_USAGE } from "./metered";
export { describeArchitecture, planTasks } from "./offline/architecture";
export { OpenAiCompatibleProvider } from "./openai/openai-provider";
export { ModelOutputError } from "./prompting";
export { prompt, promptVersions } from "./prompts";
export { CTX_API, HTTP_RULES, unknownCtxMembers } from "./prompts/contract";
export { modulePrompt } from "./prompts/module";
export type { LlmProvider } from "./provider";
export type { Fixture } from "./replay/replay-provider";
export { fromStrict, strictSchema } from "./schema/strict";
export {
  assertFixture,
  configuredModels,
  createProvider,
  type ModelOptions,
  providerName,
} from "./select";
export { TokenBudget, TokenBudgetExceededError, totalTokens } from "./usage";
