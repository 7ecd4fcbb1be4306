export { AnthropicProvider, type AnthropicSettings, ModelOutputError } from "./anthropic/anthropic-provider";
export { describeArchitecture, planTasks } from "./offline/architecture";
export { OfflineProvider } from "./offline/offline-provider";
export type { LlmProvider, LlmTask, StructuredCall, StructuredResult, Usage } from "./provider";
export { createProvider, type ProviderSettings, providerName } from "./select";
export { addUsage, costUsd, TokenBudget, TokenBudgetExceededError, totalTokens } from "./usage";
