import { AidevosError, type CloudflareVersion } from "@aidevos/core";
import { type DeployInput, type DeployOutput, StageDO, type StageJob, type StageLog } from "@aidevos/pipeline";
import { registryOf, type VersionChange } from "@aidevos/registry";
import { CloudflareApiError, CloudflareClient, CloudflareDeployer, cloudflareConfig } from "./cloudflare";
import { appHostOf } from "./hosts";

function deployer(env: Env): CloudflareDeployer | null {
  const config = cloudflareConfig(env);
  return config ? new CloudflareDeployer(new CloudflareClient(config)) : null;
}

/** Cloudflare refusing a change is an answer for the caller, not a crash (errors lose their class over RPC). */
async function onCloudflare(action: () => Promise<void>): Promise<VersionChange | null> {
  try {
    await action();
    return null;
  } catch (err) {
    if (err instanceof CloudflareApiError) return { ok: false, reason: "cloudflare_error", message: err.message };
    throw err;
  }
}

/**
 * Deploy stage: the DO creator (first version) and DO updater (later versions). Every version is
 * recorded in the Registry and served locally from the sandbox; with Cloudflare credentials it is
 * also shipped through the Cloudflare API. The Cloudflare result is kept here per run before the
 * Registry write, so a retried deploy neither uploads twice nor records a version that is not there.
 */
export class DeployDO extends StageDO<DeployInput, DeployOutput> {
  readonly stage = "deploy";

  protected async perform(job: StageJob<DeployInput>, log: StageLog) {
    const { plan, bundle } = job.input;
    const app = plan.spec.name;
    const registry = registryOf(this.env);
    await this.checkLiveData(app, job.input);
    const cloudflare = await this.shipToCloudflare(job.runId, app, job.input, log);
    const deployed = await registry.deploy({ app, spec: plan.spec, bundle, runId: job.runId, cloudflare });
    // Also on a retry that finds the version recorded: the attempt that recorded it may have died before this.
    await this.publish(app);
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

  /** Returns an app to an earlier version, on Cloudflare first (when it is there) and then in the Registry. */
  async rollback(app: string, version?: number, runId: string | null = null): Promise<VersionChange> {
    const registry = registryOf(this.env);
    const target = await registry.rollbackTarget(app, version);
    if (!target.ok) return target;
    const cf = deployer(this.env);
    const cloud = target.cloudflare;
    if (cf && cloud) {
      const refused = await onCloudflare(() => cf.activate(cloud.script, cloud.versionId));
      if (refused) return refused;
    }
    const change = await registry.rollback(app, target.version, runId);
    await this.publish(app);
    return change;
  }

  /** Puts a canary on all of the traffic. */
  async promote(app: string): Promise<VersionChange> {
    const registry = registryOf(this.env);
    const live = await registry.liveCloudflare(app);
    const cf = deployer(this.env);
    if (cf && live && live.percentage < 100) {
      const refused = await onCloudflare(() => cf.activate(live.script, live.versionId));
      if (refused) return refused;
    }
    const change = await registry.promote(app);
    await this.publish(app);
    return change;
  }

  /**
   * Refs and unique keys a new version adds must hold on the data it inherits: the live version
   * checks its data against the new spec first, and a violation fails the run with the live
   * version untouched (the new runtime would otherwise start on data that breaks its rules).
   */
  private async checkLiveData(app: string, input: DeployInput): Promise<void> {
    const problems = await appHostOf(this.env, app).checkData(app, input.plan.spec, input.bundle.hash);
    if (problems.length === 0) return;
    // Runs keep an error's code and message: the message names the spec path at fault.
    const first = `${problems[0]!.path}: ${problems[0]!.message}`;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
    throw new AidevosError("conflict", `the live data breaks the new spec: ${first}${more}`, 409, problems);
  }

  /** Tells the app's host what the Registry now says is live, so the very next request is served by it. */
  private async publish(app: string): Promise<void> {
    const live = await registryOf(this.env).live(app);
    if (live) await appHostOf(this.env, app).setLive(live);
  }

  private async shipToCloudflare(
    runId: string,
    app: string,
    input: DeployInput,
    log: StageLog,
  ): Promise<CloudflareVersion | undefined> {
    const cf = deployer(this.env);
    if (!cf) return undefined;
    this.ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS cloudflare_uploads (run_id TEXT PRIMARY KEY, deployment TEXT NOT NULL)",
    );
    const done = this.ctx.storage.sql
      .exec<{ deployment: string }>("SELECT deployment FROM cloudflare_uploads WHERE run_id = ?", runId)
      .toArray()[0];
    if (done) return JSON.parse(done.deployment) as CloudflareVersion;
    const previous = await registryOf(this.env).liveCloudflare(app);
    const deployment = await cf.deploy(app, input.bundle, previous, input.canaryPercent);
    this.ctx.storage.sql.exec(
      "INSERT INTO cloudflare_uploads (run_id, deployment) VALUES (?, ?)",
      runId,
      JSON.stringify(deployment),
    );
    await log.info(`shipped to Cloudflare as ${deployment.script}, version ${deployment.versionId}`);
    return deployment;
  }
}
