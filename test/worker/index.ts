// The test-only Worker entry of the `faults` vitest project: the production gateway and classes, except
// that every pipeline stage is a test subclass with planned faults around its work (test/worker/faults.ts),
// exported under the production class name so the same wrangler.toml binds it. Production classes
// have no fault hook of their own: the subclasses wrap StageDO's protected `perform`.
import type { StageJob, StageLog } from "../../packages/pipeline/src/index";
import {
  AppControlDO as AppControl,
  CodegenDO as Codegen,
  DeployDO as Deploy,
  LearningDO as Learning,
  MonitoringDO as Monitoring,
  PlanningDO as Planning,
  RegistryDO as Registry,
  TestingDO as Testing,
} from "../../workers/gateway/src/index";
import type { DeployRequest } from "../../workers/registry/src/registry-do";
import { Faults, type WithFaults } from "./faults";

/** @public workerd loads these by name from wrangler.toml. */
export {
  AppHostDO,
  AppMonitorDO,
  AppPlatform,
  default,
  KnowledgeBaseDO,
  MonitorRelay,
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

/**
 * The Registry, except that a test can make its next version records of one app fail, as a Registry
 * write that fails (an overloaded or restarting object) would: the deploy must then leave Cloudflare
 * serving what the Registry names.
 * @public
 */
export class RegistryDO extends Registry {
  failRecordsOf(app: string, count: number): void {
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS failing_records (app TEXT PRIMARY KEY, remaining INTEGER)");
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO failing_records VALUES (?, ?)", app, count);
  }

  override async deploy(req: DeployRequest) {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS failing_records (app TEXT PRIMARY KEY, remaining INTEGER)");
    const failing = sql
      .exec<{ remaining: number }>("SELECT remaining FROM failing_records WHERE app = ?", req.app)
      .toArray()[0];
    if (failing && failing.remaining > 0) {
      sql.exec("UPDATE failing_records SET remaining = remaining - 1 WHERE app = ?", req.app);
      throw new Error(`the Registry could not record a version of ${req.app} (planned by the test)`);
    }
    return super.deploy(req);
  }
}

/** Apps whose name starts with this upload into a Workers for Platforms dispatch namespace (`NAMESPACE`). */
export const NAMESPACED_APP = "nsapp-";
const NAMESPACE = "test-apps";

/**
 * The app control, except that an app named `nsapp-…` ships into a dispatch namespace, as with
 * CLOUDFLARE_DISPATCH_NAMESPACE set: every upload is then a script upload, live at once, so a failed
 * Registry record is taken back by uploading the live version's code again.
 * @public
 */
export class AppControlDO extends AppControl {
  constructor(ctx: DurableObjectState, env: Env) {
    const namespaced = ctx.id.name?.startsWith(NAMESPACED_APP) ?? false;
    super(ctx, namespaced ? { ...env, CLOUDFLARE_DISPATCH_NAMESPACE: NAMESPACE } : env);
  }
}
