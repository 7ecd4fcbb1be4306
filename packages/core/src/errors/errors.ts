/** One problem with an input, named by its path (`spec.entities.0.name`). */
export interface ErrorDetail {
  path: string;
  message: string;
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503 | 507;

/**
 * Every error AIDevOS reports on purpose. The gateway turns it into
 * `{ error: { code, message, details } }` with `status`; anything else is a 500.
 */
export class AidevosError extends Error {
  // Plain fields, not parameter properties: Node code (the OpenAPI lint, the CLI) strips types only.
  readonly code: string;
  readonly status: ErrorStatus;
  readonly details: ErrorDetail[];
  constructor(code: string, message: string, status: ErrorStatus = 400, details: ErrorDetail[] = []) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = details;
  }

  toJSON() {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export class InvalidJsonError extends AidevosError {
  constructor(message = "request body is not valid JSON") {
    super("invalid_json", message, 400);
  }
}

export class ValidationError extends AidevosError {
  constructor(details: ErrorDetail[], message = `invalid input: ${details.map((d) => d.path || "(body)").join(", ")}`) {
    super("validation_failed", message, 400, details);
  }
}

export class UnauthorizedError extends AidevosError {
  constructor(message = "missing or wrong bearer token (Authorization: Bearer <AIDEVOS_API_TOKEN>)") {
    super("unauthorized", message, 401);
  }
}

export class NotFoundError extends AidevosError {
  constructor(what: string) {
    super("not_found", `${what} not found`, 404);
  }
}

export class ConflictError extends AidevosError {
  constructor(message: string) {
    super("conflict", message, 409);
  }
}

/**
 * A run from free text builds a new app; it never lands on an app that exists (issue 31). Offline,
 * free text naming an existing app is refused the same way: only a spec can say what to change.
 */
export class AppExistsError extends AidevosError {
  constructor(app: string, why: string) {
    super("app_exists", `app "${app}" exists: ${why}`, 409);
  }
}

export class PayloadTooLargeError extends AidevosError {
  constructor(limitBytes: number) {
    super("payload_too_large", `request body is larger than ${limitBytes} bytes`, 413);
  }
}

/** Live records break the rules of the version a change would make live; details name each record. */
export class ConstraintViolationError extends AidevosError {
  constructor(message: string, details: ErrorDetail[]) {
    super("constraint_violation", message, 409, details);
  }
}

export class IdempotencyKeyReusedError extends AidevosError {
  constructor() {
    super("idempotency_key_reused", "this Idempotency-Key was already used with a different request body", 422);
  }
}

/** Offline mode builds apps from an AppSpec only; free text needs a model. */
export class OfflineNeedsSpecError extends AidevosError {
  constructor() {
    super(
      "spec_required",
      "offline mode needs an AppSpec in `spec` (see docs/appspec.md); to build from free text, set the ANTHROPIC_API_KEY secret (or .dev.vars) so a model can write the spec",
      422,
    );
  }
}

/**
 * Offline, free text without a spec that no pattern covers well enough: names the closest patterns
 * (details, best first) so the user can pick one, or send a spec.
 */
export class OfflineNeedsSpecFromPatternsError extends AidevosError {
  constructor(threshold: number, closest: { id: string; title: string; score: number }[]) {
    super(
      "offline_needs_spec",
      `offline mode builds free text only from a knowledge-base pattern that matches it with score ${threshold} or more; none does. Send an AppSpec in \`spec\` (see docs/appspec.md), name a pattern's app, or set the ANTHROPIC_API_KEY secret so a model can write the spec`,
      422,
      closest.map((p) => ({ path: `pattern:${p.id}`, message: `${p.title} (score ${p.score})` })),
    );
  }
}

/** Errors from zod, named path by path. */
export function detailsFromIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  prefix = "",
): ErrorDetail[] {
  return issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join("."),
    message: issue.message,
  }));
}

export class UnsupportedMediaTypeError extends AidevosError {
  constructor() {
    super("unsupported_media_type", "send the body as JSON (Content-Type: application/json)", 415);
  }
}

/**
 * A pipeline stage's attempt ran past its deadline (AIDEVOS_STAGE_TIMEOUT_MS): the run fails with
 * it at once (a retry would hang the same way), naming the step the stage was at.
 */
export class StageTimeoutError extends AidevosError {
  constructor(stage: string, deadlineMs: number, step: string | null) {
    super(
      "stage_timeout",
      `${stage} did not finish within ${deadlineMs} ms${step ? `; it was at ${step}` : " (before its first step)"}`,
      500,
    );
  }
}
