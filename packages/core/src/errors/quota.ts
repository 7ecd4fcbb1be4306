import { AidevosError } from "./errors";

/**
 * A quota of the platform's (docs/security.md, "Quotas") would be passed: 507 Insufficient Storage,
 * the same status for every stored-data quota, so a client can tell it from a rate limit (429).
 */
export class QuotaExceededError extends AidevosError {
  constructor(message: string) {
    super("quota_exceeded", message, 507);
  }
}
