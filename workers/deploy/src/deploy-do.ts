import { AidevosError, type CloudflareVersion } from "@aidevos/core";
import { appControlOf, dumpTables, registryOf } from "@aidevos/objects";
import { type DeployInput, type DeployOutput, StageDO, type StageJob, type StageLog } from "@aidevos/pipeline";
import { WideningChangeError, wideningOf } from "./widening";

/**
 * Deploy stage: the DO creator (first version) and DO updater (later versions) of one run. The
 * change itself is the app's control object's: it serialises this run's deploy with every other
 * deploy, rollback and promotion of the app, records the version in the Registry, serves it
 * locally from the sandbox and, with Cloudflare credentials, ships it through the Cloudflare API.
 * A retried attempt gets the same version back (deploys are idempotent per run).
 */
export class DeployDO extends StageDO<DeployInput, DeployOutput, Env> {
  readonly stage = "deploy";

  protected async perform(job: StageJob<DeployInput>, log: StageLog) {
    const { plan, bundle, canaryPercent, allowBreaking, newApp } = job.input;
    const app = plan.spec.name;
    // A later version (a feedback or fix run) is reviewed against the live one before it ships.
    const live = await registryOf(this.env).getApp(app);
    const widening = live ? wideningOf(live.spec, plan.spec) : [];
    if (widening.length && !job.input.allowWidening) throw new WideningChangeError(widening);
    if (widening.length)
      await log.warn(`widening deployed because options.allowWidening is set: ${widening.join("; ")}`, { widening });
    const result = await appControlOf(this.env, app).deploy({
      runId: job.runId,
      spec: plan.spec,
      bundle,
      ...(canaryPercent ? { canaryPercent } : {}),
      ...(allowBreaking ? { allowBreaking } : {}),
      ...(newApp ? { newApp } : {}),
      ...this.earlierUpload(),
    });
    // A refusal that retrying cannot fix (Cloudflare rejected the code) fails the stage with its own code.
    if (!result.ok)
      throw new AidevosError(
        result.code,
        result.message,
        ["breaking_change", "app_exists"].includes(result.code) ? 409 : 502,
      );
    const deployed = result;
    const cloudflare = deployed.cloudflare;
    if (cloudflare && deployed.shipped)
      await log.info(`shipped to Cloudflare as ${cloudflare.script}, version ${cloudflare.versionId}`);
    if (!deployed.created) await log.info(`version ${deployed.version} was already recorded for this run`);
    const verb = deployed.version === 1 ? "created" : "updated";
    const where = cloudflare
      ? `local and Cloudflare (version ${cloudflare.versionId}${cloudflare.percentage < 100 ? `, canary at ${cloudflare.percentage}%` : ""})`
      : "local";
    return {
      output: {
        name: app,
        version: deployed.version,
        url: deployed.url,
        codeHash: bundle.hash,
        created: deployed.created,
      },
      summary: `${verb} ${app} v${deployed.version} (${where}, code ${bundle.hash.slice(0, 12)}), served at ${deployed.url}`,
    };
  }

  /**
   * Before AppControlDO kept uploads, this run's instance did: an attempt that uploaded and died
   * before the Registry write hands its upload on, so the retry does not upload twice.
   */
  private earlierUpload(): { uploaded?: CloudflareVersion } {
    const [table] = dumpTables(this.ctx.storage.sql, ["cloudflare_uploads"]);
    const row = table?.rows[0];
    return row ? { uploaded: JSON.parse(String(row.deployment)) as CloudflareVersion } : {};
  }
}
