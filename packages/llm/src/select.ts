import { OfflineProvider } from "./offline/offline-provider";
import type { LlmProvider } from "./provider";

export interface ProviderSettings {
  AIDEVOS_PROVIDER?: string;
  ANTHROPIC_API_KEY?: string;
}

/** Which provider a deployment uses: the configured one, else Anthropic when a key is set, else offline. */
export function providerName(settings: ProviderSettings): "offline" | "anthropic" {
  const chosen = settings.AIDEVOS_PROVIDER?.trim();
  if (chosen === "offline" || chosen === "anthropic") return chosen;
  return settings.ANTHROPIC_API_KEY ? "anthropic" : "offline";
}

export function createProvider(settings: ProviderSettings): LlmProvider {
  const name = providerName(settings);
  if (name === "anthropic") {
    throw new Error("the anthropic provider is not available yet; unset AIDEVOS_PROVIDER to use offline mode");
  }
  return new OfflineProvider();
}
