import { type DeployInput, type DeployOutput, StageDO, type StageJob, type StageLog } from "@aidevos/pipeline";
import { registryOf } from "@aidevos/registry";

/**
 * Deploy stage: the DO creator (first version) and DO updater (later versions) of the local
 * target. The Registry write is keyed by run, so a retried deploy never makes a second version;
 * the app's hosts load the new class on their next request and keep their data.
 */
export class DeployDO extends StageDO<DeployInput, DeployOutput> {
  readonly stage = "deploy";

  protected async perform(job: StageJob<DeployInput>, log: StageLog) {
    const { plan, bundle } = job.input;
    const deployed = await registryOf(this.env).deploy({
      app: plan.spec.name,
      spec: plan.spec,
      bundle,
      runId: job.runId,
    });
    if (!deployed.created) await log.info(`version ${deployed.version} was already recorded for this run`);
    const verb = deployed.version === 1 ? "created" : "updated";
    return {
      output: {
        name: plan.spec.name,
        version: deployed.version,
        url: deployed.url,
        codeHash: bundle.hash,
        created: deployed.created,
      },
      summary: `${verb} ${plan.spec.name} v${deployed.version} (local, code ${bundle.hash.slice(0, 12)}), served at ${deployed.url}`,
    };
  }
}
