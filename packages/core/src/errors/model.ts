import { AidevosError } from "./errors";

/**
 * Why a model call failed, named by cause so a run's error says what to do about it: check the
 * network or URL (unreachable), wait (overloaded), look at the prompt or schema (output invalid),
 * raise the output cap or split the work (truncated), raise the budget (budget exceeded).
 */
export class ModelUnreachableError extends AidevosError {
  constructor(provider: string, cause: string) {
    super(
      "model_unreachable",
      `the ${provider} model could not be reached (connection refused, DNS or timeout): ${cause.slice(0, 300)}`,
      502,
    );
  }
}

/** 429, 503 or 529 still answered after the bounded retries. */
export class ModelOverloadedError extends AidevosError {
  constructor(provider: string, status: number, message: string) {
    super(
      "model_overloaded",
      `the ${provider} model is overloaded or rate-limited (${status} after retries): ${message.slice(0, 300)}`,
      503,
    );
  }
}

/** Any other refusal of the request by the model server (400, 401, 404, 500...). */
export class ModelRequestError extends AidevosError {
  constructor(status: number, message: string) {
    super("model_request_failed", `the model server answered ${status}: ${message.slice(0, 300)}`, 502);
  }
}

/** The answer did not match its schema after the bounded repairs. */
export class ModelOutputInvalidError extends AidevosError {
  constructor(task: string, problems: string) {
    super(
      "model_output_invalid",
      `the model's ${task} answer did not match its schema after repairs: ${problems.slice(0, 1000)}`,
      502,
    );
  }
}

/** The answer hit the output-token cap even at the largest allowed cap: a cut answer is never parsed. */
export class ModelTruncatedError extends AidevosError {
  constructor(task: string, maxTokens: number) {
    super(
      "model_truncated",
      `the model's ${task} answer was cut off at ${maxTokens} output tokens, the largest allowed; it was not used`,
      502,
    );
  }
}

export class BudgetExceededError extends AidevosError {
  constructor(limit: number, used: number) {
    super("budget_exceeded", `the run used ${used} tokens of its budget of ${limit}; it was stopped`, 422);
  }
}

/** The run reached its hard bound on model calls (AIDEVOS_RUN_MAX_MODEL_CALLS), whatever tokens were left. */
export class ModelCallLimitError extends AidevosError {
  constructor() {
    super("budget_exceeded", "the run made as many model calls as its bound allows; it was stopped", 422);
  }
}

/** The platform's model spend for today reached AIDEVOS_DAILY_SPEND_USD: no new run starts until tomorrow (UTC). */
export class SpendCapReachedError extends AidevosError {
  constructor(spentUsd: number, capUsd: number) {
    super(
      "spend_cap_reached",
      `today's model spend is $${spentUsd.toFixed(2)} of the daily cap of $${capUsd.toFixed(2)} (AIDEVOS_DAILY_SPEND_USD); new runs start again tomorrow (UTC)`,
      429,
    );
  }
}
