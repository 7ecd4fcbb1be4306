import { type AppPattern, type AppSpec, SpecDraft, ValidationError } from "@aidevos/core";
import { type LlmProvider, prompt } from "@aidevos/llm";
import type { PlanningInput } from "@aidevos/pipeline";

/** An app pattern as a worked example: what was asked, and the spec that answered it. */
interface WorkedExample {
  title: string;
  request: string;
  spec: AppPattern["spec"];
}

/**
 * Specification generator: a request, or feedback on a deployed app, becomes the AppSpec to build,
 * with the requirements and acceptance criteria the spec itself cannot express.
 */
export class SpecGenerator {
  /** `version`: the spec prompt's version the model updater chose ("spec.v3"); unset, the default. */
  constructor(
    private readonly provider: LlmProvider,
    private readonly version?: string,
  ) {}

  /**
   * `patterns`: the knowledge base's closest app patterns, whole specs of apps known to work, given
   * to the model as worked examples beside the request.
   */
  async generate(
    input: PlanningInput,
    currentSpec: AppSpec | null,
    patterns: WorkedExample[] = [],
  ): Promise<SpecDraft> {
    const { value } = await this.provider.structured({
      task: "spec",
      schema: SpecDraft,
      system: prompt("spec", this.version).text,
      input: {
        ...input,
        ...(currentSpec ? { currentSpec } : {}),
        ...(patterns.length ? { workedExamples: patterns } : {}),
      },
    });
    if (input.app && value.spec.name !== input.app) {
      throw new ValidationError([
        { path: "app", message: `the spec names app "${value.spec.name}", not "${input.app}"` },
      ]);
    }
    return input.spec ? { ...value, spec: keepGivenCode(value.spec, input.spec) } : value;
  }
}

/**
 * Code the user gave is kept, never rewritten: whatever the model answered for an action the run's
 * spec has code for, that code is what gets built (and, being given, is never sent to the refiner).
 */
function keepGivenCode(spec: AppSpec, given: AppSpec): AppSpec {
  const code = new Map((given.actions ?? []).flatMap((a) => (a.code === undefined ? [] : [[a.name, a.code] as const])));
  // A module the spec gave code for (v3) is kept the same way.
  const moduleCode = new Map(
    (given.modules ?? []).flatMap((m) => (m.code === undefined ? [] : [[m.name, m.code] as const])),
  );
  const actions = spec.actions?.map((a) => (code.has(a.name) ? { ...a, code: code.get(a.name)! } : a));
  const modules = spec.modules?.map((m) => (moduleCode.has(m.name) ? { ...m, code: moduleCode.get(m.name)! } : m));
  return { ...spec, ...(actions ? { actions } : {}), ...(modules ? { modules } : {}) };
}
