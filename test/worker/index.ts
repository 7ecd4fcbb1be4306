// The test-only Worker entry of the `faults` vitest project: the production gateway and classes, except
// that every pipeline stage is a test subclass with planned faults around its work (test/worker/faults.ts),
// exported under the production class name so the same wrangler.toml binds it. Production classes
// have no fault hook of their own: the subclasses wrap StageDO's protected `perform`.
import type { StageJob, StageLog } from "../../packages/pipeline/src/index";
import {
  CodegenDO as Codegen,
  DeployDO as Deploy,
  LearningDO as Learning,
  MonitoringDO as Monitoring,
  PlanningDO as Planning,
  TestingDO as Testing,
} from "../../workers/gateway/src/index";
import { Faults, type WithFaults } from "./faults";

/** @public workerd loads these by name from wrangler.toml. */
export {
  AppControlDO,
  AppHostDO,
  AppMonitorDO,
  AppPlatform,
  default,
  KnowledgeBaseDO,
  MonitorRelay,
  RegistryDO,
  RunDO,
  TrafficBufferDO,
} from "../../workers/gateway/src/index";

// Each stage's input type is its own; the wrapper passes the job through untouched.
// biome-ignore-start lint/suspicious/noExplicitAny: see above
/** @public */
export class PlanningDO extends Planning implements WithFaults {
  readonly faults = new Faults(this.ctx.storage.sql);
  protected override perform(job: StageJob<any>, log: StageLog) {
    return this.faults.around(job, () => super.perform(job, log));
  }
}

/** @public */
export class CodegenDO extends Codegen implements WithFaults {
  readonly faults = new Faults(this.ctx.storage.sql);
  protected override perform(job: StageJob<any>, log: StageLog) {
    return this.faults.around(job, () => super.perform(job, log));
  }
}

/** @public */
export class TestingDO extends Testing implements WithFaults {
  readonly faults = new Faults(this.ctx.storage.sql);
  protected override perform(job: StageJob<any>, log: StageLog) {
    return this.faults.around(
      job,
      () => super.perform(job, log),
      (step) => this.at(step),
    );
  }

  // A test may shorten the stage's deadline (time.faults.test.ts), so a hang is seen failing in seconds.
  protected override deadlineMs() {
    return this.faults.deadlineMs() ?? super.deadlineMs();
  }
}

/** Its `after` faults kill the attempt once the version is in the Registry and published. */
/** @public */
export class DeployDO extends Deploy implements WithFaults {
  readonly faults = new Faults(this.ctx.storage.sql);
  protected override perform(job: StageJob<any>, log: StageLog) {
    return this.faults.around(job, () => super.perform(job, log));
  }
}

/** @public */
export class MonitoringDO extends Monitoring implements WithFaults {
  readonly faults = new Faults(this.ctx.storage.sql);
  protected override perform(job: StageJob<any>, log: StageLog) {
    return this.faults.around(job, () => super.perform(job, log));
  }
}

/** @public */
export class LearningDO extends Learning implements WithFaults {
  readonly faults = new Faults(this.ctx.storage.sql);
  protected override perform(job: StageJob<any>, log: StageLog) {
    return this.faults.around(job, () => super.perform(job, log));
  }
}
// biome-ignore-end lint/suspicious/noExplicitAny: see above
