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
  /** Model calls the run may still make (its hard bound less the calls made). */
  callsLeft?: number;
  /** False when the run neither retrieves nor learns knowledge. */
  learning?: boolean;
  /** The model updater's choice for writing code, over the configured default. */
  codeModel?: string;
  /** The model updater's choice for writing the spec, over the configured default. */
  specModel?: string;
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

/** The default model of a provider when AIDEVOS_MODEL is unset. */
const DEFAULT_MODEL = { anthropic: "claude-sonnet-4-6", "openai-compatible": "default" } as const;

function models(settings: ProviderSettings, fallback: string, review: string, options: ModelOptions) {
  const chosen = setting(settings, "AIDEVOS_MODEL") ?? fallback;
  const { codeModel: code, specModel: spec } = options;
  return {
    default: chosen,
    review: setting(settings, "AIDEVOS_REVIEW_MODEL") ?? review,
    ...(code ? { code, refine: code } : {}),
    ...(spec ? { spec } : {}),
  } satisfies Partial<Record<LlmTask, string>> & { default: string };
}

/**
 * The models the model updater chooses among for writing a run's spec and code: the configured
 * default first, then AIDEVOS_STRONG_MODEL when set. None for a replay or the offline provider,
 * which send no prompt to any model.
 */
export function configuredModels(settings: ProviderSettings, options: ModelOptions = {}): string[] {
  const name = providerName(settings, options);
  if (name !== "anthropic" && name !== "openai-compatible") return [];
  const strong = setting(settings, "AIDEVOS_STRONG_MODEL");
  return [setting(settings, "AIDEVOS_MODEL") ?? DEFAULT_MODEL[name], ...(strong ? [strong] : [])];
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
        models: models(settings, DEFAULT_MODEL.anthropic, "claude-haiku-4-5", options),
      });
      break;
    }
    case "openai-compatible": {
      const baseURL = setting(settings, "OPENAI_BASE_URL");
      if (!baseURL) throw new AidevosError("model_not_configured", "OPENAI_BASE_URL is not set", 422);
      provider = new OpenAiCompatibleProvider({
        baseURL,
        apiKey: setting(settings, "OPENAI_API_KEY"),
        models: models(settings, DEFAULT_MODEL["openai-compatible"], "default", options),
      });
      break;
    }
    default:
      provider = new OfflineProvider();
  }
  return new MeteredProvider(provider, budget, options.callsLeft);
}
