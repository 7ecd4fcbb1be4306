import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { FaultPoint, FiredFault, WithFaults } from "../worker/faults";

/** Bindings of the pipeline stages; in the `faults` project each is a test subclass (test/worker/index.ts). */
export type StageBinding = "PLANNING" | "CODEGEN" | "TESTING" | "DEPLOY" | "MONITORING" | "LEARNING";

/** The run id POST /v1/runs gives a run with this idempotency key, known before the run exists. */
export function runIdFor(idempotencyKey: string): string {
  return env.RUNS.idFromName(`idempotency:${idempotencyKey}`).toString();
}

/** Runs `read` inside the stage object of one run (each run has its own instance of every stage). */
async function inStage<R>(stage: StageBinding, runId: string, read: (stage: WithFaults) => R): Promise<R> {
  const ns = env[stage] as unknown as DurableObjectNamespace;
  return runInDurableObject(ns.get(ns.idFromName(runId)), (instance) => {
    const faulty = instance as unknown as Partial<WithFaults>;
    if (!faulty.faults) throw new Error(`${stage} is not a test subclass: run this file in the "faults" project`);
    return read(faulty as WithFaults);
  });
}

/** The next `count` attempts of a run's stage die at `point`. */
export function planFaults(stage: StageBinding, runId: string, count: number, point: FaultPoint = "before") {
  return inStage(stage, runId, (s) => s.faults.plan(count, point));
}

/** A deadline for a run's stage object, in place of AIDEVOS_STAGE_TIMEOUT_MS. */
export function setStageDeadline(stage: StageBinding, runId: string, ms: number) {
  return inStage(stage, runId, (s) => s.faults.setDeadline(ms));
}

/** The faults that fired in a run's stage, as that stage object recorded them. */
export function faultsFired(stage: StageBinding, runId: string): Promise<FiredFault[]> {
  return inStage(stage, runId, (s) => s.faults.fired());
}

/** Attempts per round as the stage's own jobs table counts them. */
export function attemptsStored(stage: StageBinding, runId: string) {
  return inStage(stage, runId, (s) => s.faults.attemptsStored());
}
