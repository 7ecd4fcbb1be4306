import { AidevosError, ModelOverloadedError, ModelRequestError, ModelUnreachableError } from "@aidevos/core";
import type Anthropic from "@anthropic-ai/sdk";

/** Statuses that mean "try later": rate limits, unavailable, Anthropic's 529 overloaded. */
const BUSY = new Set([429, 503, 529]);

/**
 * An SDK error (after the SDK's own retries) named by its cause. Connection failures and timeouts
 * (ours included: a whole answer has a deadline) are `model_unreachable`; a server still busy is
 * `model_overloaded`, also when it says so in a stream's error event; anything else the server
 * refused is `model_request_failed`.
 */
export function anthropicError(err: unknown, sdk: typeof Anthropic): unknown {
  if (err instanceof AidevosError) return err;
  if (err instanceof sdk.APIUserAbortError || err instanceof sdk.APIConnectionError)
    return new ModelUnreachableError("anthropic", err.message || "connection failed");
  if (err instanceof sdk.APIError) {
    const type = (err.error as { error?: { type?: string } } | undefined)?.error?.type;
    if (
      (err.status !== undefined && BUSY.has(err.status)) ||
      type === "overloaded_error" ||
      type === "rate_limit_error"
    )
      return new ModelOverloadedError("anthropic", err.status ?? 529, err.message);
    return new ModelRequestError(err.status ?? 0, err.message);
  }
  return err;
}
