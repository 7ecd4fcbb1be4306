import { AidevosError } from "@aidevos/core";
import { createProvider } from "@aidevos/llm";
import { type CodegenInput, type CodegenOutput, StageDO, type StageJob, type StageLog } from "@aidevos/pipeline";
import { CodeGenerator, CodeRefiner, CodeReviewer } from "./code-generator";

/** Codegen stage: generate → review, or refine from test failures on later rounds. */
export class CodegenDO extends StageDO<CodegenInput, CodegenOutput> {
  readonly stage = "codegen";

  protected async perform(job: StageJob<CodegenInput>, log: StageLog) {
    const provider = createProvider(this.env, job.model);
    const { plan, previous, failures } = job.input;
    const bundle = previous
      ? await new CodeRefiner(provider).refine(plan, previous, failures ?? [], job.round)
      : await new CodeGenerator(provider).generate(plan);
    const review = await new CodeReviewer(provider).review(bundle, job.round);
    const errors = review.filter((f) => f.severity === "error");
    for (const f of review) await log.warn(`review: ${f.rule} ${f.file ?? ""}:${f.line ?? ""} ${f.message}`);
    if (errors.length > 0) {
      throw new AidevosError(
        "review_failed",
        `code review found ${errors.length} blocking problem(s): ${errors[0]!.message}`,
      );
    }
    const sources = bundle.files.filter((f) => f.role === "source").length;
    return {
      usage: provider.usage,
      output: { bundle, review },
      summary: `${previous ? "refined" : "generated"} ${sources} source and ${bundle.files.length - sources} test files (code ${bundle.hash.slice(0, 12)}), review: ${review.length} finding(s)`,
    };
  }
}
