import { z } from "zod";
import { AppSpec } from "../appspec";
import { ContractChange } from "../contract/diff";

/** One generated file. `source` files are deployed; `test` files only run in the testing stage. */
export const GeneratedFile = z.strictObject({
  path: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_./-]{0,127}\.js$/, "must be a relative .js module path"),
  role: z.enum(["source", "test"]),
  content: z.string().max(512 * 1024),
});
export type GeneratedFile = z.infer<typeof GeneratedFile>;

/**
 * What a model writes: one action's module source, never a bundle or a hash (the compiler writes the
 * rest of the app and computes the hash from the files). A plain object, so a stray key (a made-up
 * `hash`, say) is dropped rather than failing the answer.
 */
export const ActionCode = z.object({
  code: z.string().min(1).max(100_000),
});
export type ActionCode = z.infer<typeof ActionCode>;

/**
 * What a refiner answers for one failing action: its whole code again and, when a failure's cause is
 * in a shared module the action imports (one a model wrote, shown in the call), that module's whole
 * fixed code. Modules it was not shown are not the refiner's to change (code-generator.ts drops them).
 */
export const RefinedCode = ActionCode.extend({
  modules: z
    .array(z.object({ name: z.string().max(64), code: z.string().min(1).max(100_000) }))
    .max(20)
    .optional(),
});
export type RefinedCode = z.infer<typeof RefinedCode>;

/**
 * The code of one app version. `mainModule` is the Worker entry that serves the app when the
 * source is deployed on its own; `className` is the Durable Object class that holds its data.
 */
export const CodeBundle = z.strictObject({
  mainModule: z.string(),
  className: z.string().regex(/^[A-Z][A-Za-z0-9_]*$/),
  files: z.array(GeneratedFile).min(1).max(64),
  /** SHA-256 (hex) over paths and contents of the source files: the identity of a version. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type CodeBundle = z.infer<typeof CodeBundle>;

export const Route = z.strictObject({
  method: z.enum(["GET", "POST", "PATCH", "PUT", "DELETE"]),
  path: z.string(),
  summary: z.string(),
});
export type Route = z.infer<typeof Route>;

export const Architecture = z.strictObject({
  durableObject: z.strictObject({
    className: z.string(),
    partition: z.enum(["single", "perKey"]),
    instancePerKey: z.boolean(),
  }),
  routes: z.array(Route),
  tables: z.array(z.strictObject({ name: z.string(), columns: z.array(z.string()), purpose: z.string() })),
  bindings: z.array(z.string()),
  notes: z.array(z.string()),
});
export type Architecture = z.infer<typeof Architecture>;

export const CodingTask = z.strictObject({
  id: z.string(),
  file: z.string(),
  description: z.string(),
});
export type CodingTask = z.infer<typeof CodingTask>;

/** The specification generator's answer: the AppSpec plus what the spec cannot express. */
export const SpecDraft = z.strictObject({
  spec: AppSpec,
  requirements: z.array(z.string().max(2000)).max(50),
  acceptanceCriteria: z.array(z.string().max(2000)).max(50),
});
export type SpecDraft = z.infer<typeof SpecDraft>;

/** What planning hands to codegen: the spec plus what the spec cannot express. */
export const Plan = z.strictObject({
  spec: AppSpec,
  requirements: z.array(z.string()),
  acceptanceCriteria: z.array(z.string()),
  architecture: Architecture,
  tasks: z.array(CodingTask),
});
export type Plan = z.infer<typeof Plan>;

export const ReviewFinding = z.strictObject({
  severity: z.enum(["error", "warning"]),
  rule: z.string(),
  file: z.string().optional(),
  line: z.int().optional(),
  message: z.string(),
});
export type ReviewFinding = z.infer<typeof ReviewFinding>;

export const TestKind = z.enum(["contract", "unit", "examples", "integration", "security", "performance"]);
export type TestKind = z.infer<typeof TestKind>;

/**
 * One request a check sent and what came back: enough for a user to replay it. Bodies are cut to
 * their first 300 characters, so a report never carries a whole answer (or a whole upload).
 */
export const Exchange = z.strictObject({
  method: z.string(),
  path: z.string(),
  body: z.string().max(300).optional(),
  status: z.int().optional(),
  answer: z.string().max(300).optional(),
});
export type Exchange = z.infer<typeof Exchange>;

/** The first 300 characters of a request's or an answer's body, as text. */
export function excerpt(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return text === undefined ? undefined : text.slice(0, 300);
}

export const TestCaseResult = z.strictObject({
  name: z.string(),
  ok: z.boolean(),
  message: z.string().optional(),
  durationMs: z.number(),
  /** The request that failed the case and its answer, when one did. */
  exchange: Exchange.optional(),
});
export type TestCaseResult = z.infer<typeof TestCaseResult>;

/**
 * What a check the platform derives for action code found (docs/appspec.md, "What gates a deploy"):
 * fuzzed input, an undeclared 5xx, a route's shape, performance against its baseline, static
 * review. A finding is not a failed gate: it never refuses code the spec gave (unless the run is
 * `strict`); on code a model wrote it sends the action back to the refiner.
 */
export const TestFinding = z.strictObject({
  check: z.enum(["fuzz", "status", "route", "performance", "review"]),
  name: z.string(),
  message: z.string(),
  /** The action whose code it is about; absent when it names no action's code. */
  action: z.string().optional(),
  exchange: Exchange.optional(),
});
export type TestFinding = z.infer<typeof TestFinding>;

export const TestReport = z.strictObject({
  kind: TestKind,
  ok: z.boolean(),
  passed: z.int(),
  failed: z.int(),
  durationMs: z.number(),
  cases: z.array(TestCaseResult),
  /** Set when the suite could not run at all (syntax error, endless loop, thrown import). */
  error: z.string().optional(),
  /** Measured figures per subject, e.g. latency percentiles per route for performance tests. */
  figures: z.record(z.string(), z.record(z.string(), z.number())).optional(),
  /** For `contract`: the new version's changes against the live version's contract. */
  changes: z.array(ContractChange).optional(),
  /** Findings of checks derived for action code: warnings, apart from the gate's cases. */
  findings: z.array(TestFinding).optional(),
});
export type TestReport = z.infer<typeof TestReport>;

/** SHA-256 of a text, in hex. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** SHA-256 over the paths and contents of the source files: equal code, equal hash. */
export async function bundleHash(files: readonly Pick<GeneratedFile, "path" | "role" | "content">[]): Promise<string> {
  const sources = files.filter((f) => f.role === "source").sort((a, b) => (a.path < b.path ? -1 : 1));
  return sha256Hex(sources.map((f) => `${f.path}\u0000${f.content}\u0000`).join(""));
}

/** A report from its cases: passed and failed counted, ok only when nothing failed. */
export function testReport(
  kind: TestKind,
  cases: TestCaseResult[],
  startedAt: number,
  extra: Pick<TestReport, "error" | "figures" | "changes" | "findings"> = {},
): TestReport {
  const failed = cases.filter((c) => !c.ok).length;
  const { findings, ...rest } = extra;
  return {
    kind,
    ok: failed === 0 && extra.error === undefined,
    passed: cases.length - failed,
    failed,
    durationMs: Date.now() - startedAt,
    cases,
    ...rest,
    ...(findings?.length ? { findings } : {}),
  };
}
