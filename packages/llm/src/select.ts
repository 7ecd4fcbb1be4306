import { AidevosError, type SettingsSource, setting } from "@aidevos/core";
import { AnthropicProvider } from "./anthropic/anthropic-provider";
import { FIXTURES } from "./fixtures";
import { MeteredProvider } from "./metered";
import { OfflineProvider } from "./offline/offline-provider";
import { OpenAiCompatibleProvider } from "./openai/openai-provider";
import type { LlmProvider, LlmTask } from "./provider";
import { ReplayProvider } from "./replay/replay-provider";
import { TokenBudget } from "./usage";

/** The deployment's configuration, as Worker vars and secrets (read through `setting`). */
type ProviderSettings = SettingsSource;

/** What one run asks of its models: the one type stages, runs and providers share. */
export interface ModelOptions {
  /** A recorded fixture to replay instead of calling a model. */
  replay?: string;
  /** Tokens left in the run's budget. */
  budgetLeft?: number;
  /** False when the run neither retrieves nor learns knowledge. */
  learning?: boolean;
  /** The model updater's choice for writing code, over the configured default. */
  codeModel?: string;
}

type ProviderName = "offline" | "anthropic" | "openai-compatible" | "replay";

/** A run's provider: a replay when the run asks for one, else the configured one, else Anthropic with a key, else offline. */
export function providerName(settings: ProviderSettings, options: ModelOptions = {}): ProviderName {
  if (options.replay) return "replay";
  const chosen = setting(settings, "AIDEVOS_PROVIDER");
  if (chosen) return chosen;
  if (setting(settings, "ANTHROPIC_API_KEY")) return "anthropic";
  if (setting(settings, "OPENAI_BASE_URL")) return "openai-compatible";
  return "offline";
}

class UnknownFixtureError extends AidevosError {
  constructor(name: string) {
    super("unknown_fixture", `no recorded fixture "${name}"; known: ${Object.keys(FIXTURES).join(", ")}`, 422);
  }
}

export function assertFixture(name: string): void {
  if (!FIXTURES[name]) throw new UnknownFixtureError(name);
}

function models(settings: ProviderSettings, fallback: string, review: string, code?: string) {
  const chosen = setting(settings, "AIDEVOS_MODEL") ?? fallback;
  return {
    default: chosen,
    review: setting(settings, "AIDEVOS_REVIEW_MODEL") ?? review,
    ...(code ? { code, refine: code } : {}),
  } satisfies Partial<Record<LlmTask, string>> & { default: string };
}

/** The provider for one stage of one run, metered so the run can account for every call. */
export function createProvider(settings: ProviderSettings, options: ModelOptions = {}): MeteredProvider {
  const budget = options.budgetLeft === undefined ? undefined : new TokenBudget(options.budgetLeft);
  let provider: LlmProvider;
  switch (providerName(settings, options)) {
    case "replay": {
      const fixture = FIXTURES[options.replay!];
      if (!fixture) throw new UnknownFixtureError(options.replay!);
      provider = new ReplayProvider(fixture);
      break;
    }
    case "anthropic": {
      const apiKey = setting(settings, "ANTHROPIC_API_KEY");
      if (!apiKey)
        throw new AidevosError(
          "model_not_configured",
          "AIDEVOS_PROVIDER is anthropic but ANTHROPIC_API_KEY is not set",
          422,
        );
      provider = new AnthropicProvider({
        apiKey,
        baseURL: setting(settings, "ANTHROPIC_BASE_URL"),
        models: models(settings, "claude-sonnet-4-6", "claude-haiku-4-5", options.codeModel),
      });
      break;
    }
    case "openai-compatible": {
      const baseURL = setting(settings, "OPENAI_BASE_URL");
      if (!baseURL) throw new AidevosError("model_not_configured", "OPENAI_BASE_URL is not set", 422);
      provider = new OpenAiCompatibleProvider({
        baseURL,
        apiKey: setting(settings, "OPENAI_API_KEY"),
        models: models(settings, "default", "default", options.codeModel),
      });
      break;
    }
    default:
      provider = new OfflineProvider();
  }
  return new MeteredProvider(provider, budget);
}
