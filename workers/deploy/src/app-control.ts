import { DurableObject } from "cloudflare:workers";
import {
  AidevosError,
  AppExistsError,
  type AppSpec,
  type CloudflareVersion,
  type CodeBundle,
  contractDiff,
  setting,
  type VersionChange,
} from "@aidevos/core";
import { appHostOf, registryOf } from "@aidevos/objects";
import { PLATFORM_TOKEN_SECRET, type SandboxOptions } from "@aidevos/sandbox";
import { AppAccessStore } from "./app-access";
import { CloudflareApiError, CloudflareClient, CloudflareDeployer, cloudflareConfig } from "./cloudflare";
import type { StagedUpload } from "./cloudflare/deployer";
import { publishLive } from "./publish";

/** A run's request to make its bundle the app's next version. */
interface AppDeploy {
  runId: string;
  spec: AppSpec;
  bundle: CodeBundle;
  /** On Cloudflare: the share of traffic the new version starts on. */
  canaryPercent?: number;
  /** An upload an earlier attempt of this run made before uploads were kept here (by DeployDO). */
  uploaded?: CloudflareVersion;
  /** The run's `options.allowBreaking`: a breaking change against the live version is deployed anyway. */
  allowBreaking?: boolean;
  /** A run from free text that named no app: refused when the app exists (it was free when the run began). */
  newApp?: boolean;
}

/**
 * What a deploy did: the version recorded, and what Cloudflare holds for it (when it is shipped
 * there); or why it was refused for good (an error thrown across RPC would lose its class and code).
 */
type AppDeployResult = ({ ok: true } & AppDeployed) | { ok: false; code: string; message: string };

interface AppDeployed {
  version: number;
  created: boolean;
  url: string;
  cloudflare?: CloudflareVersion;
  /** True when this call uploaded to Cloudflare (false when an earlier attempt of the run had). */
  shipped: boolean;
}

function deployer(env: Env, sandbox: SandboxOptions = {}): CloudflareDeployer | null {
  const config = cloudflareConfig(env);
  return config
    ? new CloudflareDeployer(
        new CloudflareClient(config),
        sandbox,
        setting(env, "AIDEVOS_SCRIPT_NAME"),
        setting(env, "AIDEVOS_APP_SCRIPT_PREFIX"),
      )
    : null;
}

/**
 * What the uploaded app's sandbox holds (the app is its own host there): the spec's outbound origins
 * (the guard's allow-listed fetch, as AppPlatform does locally), its files under `apps/<app>/` of
 * APP_FILES (where the host's AppPlatform keeps them locally) and the channel room quotas, which the
 * platform's host holds locally.
 */
function uploadSandbox(env: Env, app: string, spec: AppSpec): SandboxOptions {
  return {
    outboundOrigins: spec.outbound ?? [],
    filesPrefix: `apps/${app}/`,
    roomLimits: {
      maxMembers: setting(env, "AIDEVOS_MAX_ROOM_MEMBERS"),
      maxFramesPerSecond: setting(env, "AIDEVOS_MAX_FRAMES_PER_SECOND"),
    },
  };
}

/** Where the platform token of the app's Worker is kept, and whether the Worker has it yet. */
const PLATFORM_TOKEN = "platform-token";
interface PlatformToken {
  token: string;
  shipped: boolean;
}

/** What the platform's calls into the app's Worker carry: 256 random bits. */
function newPlatformToken(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
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
 * The control object of one app (named after it). Every change of what the app serves — a run's
 * deploy, a rollback, a promotion — goes through here and runs one at a time: the Cloudflare
 * side, the Registry record and the push of the live pointer to the app's host happen as one step,
 * so Cloudflare, the Registry, the host and the history agree on the order of changes.
 * Durable Object gates do not hold across calls to other objects, hence the explicit queue.
 * This object alone uses the Cloudflare token.
 */
export class AppControlDO extends DurableObject<Env> {
  /** The tail of the queue of changes: each change starts when the one before it has settled. */
  private tail: Promise<unknown> = Promise.resolve();
  private accessStore: AppAccessStore | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(
        "CREATE TABLE IF NOT EXISTS cloudflare_uploads (run_id TEXT PRIMARY KEY, deployment TEXT NOT NULL)",
      );
    });
  }

  /** The app's secrets and keys (app-access.ts); they belong to the app, not to a version. */
  private get access(): AppAccessStore {
    this.accessStore ??= new AppAccessStore(this.ctx.storage, this.env, this.app);
    return this.accessStore;
  }

  /** Seals and keeps a secret value; on Cloudflare it also becomes a secret of the app's Worker. */
  async setSecret(name: string, value: string): Promise<VersionChange | null> {
    await this.access.setSecret(name, value);
    return this.onAppWorker((cf, script) => cf.putSecret(script, name, value));
  }

  async deleteSecret(name: string): Promise<VersionChange | null> {
    this.access.deleteSecret(name);
    return this.onAppWorker((cf, script) => cf.deleteSecret(script, name));
  }

  /**
   * A change to the app's Worker on Cloudflare, when it is shipped there: null when done (or not
   * shipped), else Cloudflare's refusal for the caller (the message never carries a value).
   */
  private async onAppWorker(change: (cf: CloudflareDeployer, script: string) => Promise<void>) {
    const cf = deployer(this.env);
    const live = cf ? await registryOf(this.env).liveCloudflare(this.app) : null;
    return cf && live ? onCloudflare(() => change(cf, live.script)) : null;
  }

  /**
   * The token the platform's calls into the app's Worker on Cloudflare carry (a schedule run now
   * through the dispatch namespace): made once, set as the Worker's secret, asked for only by the
   * platform (never answered by the API, never logged). Null when the app is not on Cloudflare.
   */
  async platformToken(): Promise<{ ok: true; token: string } | { ok: false; message: string } | null> {
    const cf = deployer(this.env);
    const live = cf ? await registryOf(this.env).liveCloudflare(this.app) : null;
    if (!cf || !live) return null;
    try {
      return { ok: true, token: await this.shipPlatformToken(cf, live.script) };
    } catch (err) {
      if (err instanceof CloudflareApiError) return { ok: false, message: err.message };
      throw err;
    }
  }

  /** The token is kept before it is sent, so every call (and a retry after a failed PUT) sends the same one. */
  private async shipPlatformToken(cf: CloudflareDeployer, script: string): Promise<string> {
    const kept = this.ctx.storage.kv.get<PlatformToken>(PLATFORM_TOKEN);
    const token = kept?.token ?? newPlatformToken();
    if (kept?.shipped) return token;
    this.ctx.storage.kv.put(PLATFORM_TOKEN, { token, shipped: false } satisfies PlatformToken);
    await cf.putSecret(script, PLATFORM_TOKEN_SECRET, token);
    this.ctx.storage.kv.put(PLATFORM_TOKEN, { token, shipped: true } satisfies PlatformToken);
    return token;
  }

  async listSecrets(declared: string[]) {
    return this.access.listSecrets(declared);
  }

  /** The decrypted values: asked for only by the app's hosts (AppPlatform), never answered by the API. */
  async secretValues(): Promise<Record<string, string>> {
    return this.access.secretValues();
  }

  async createKey(): Promise<{ id: string; key: string }> {
    const made = await this.access.createKey();
    await this.pushKeys();
    return made;
  }

  async listKeys() {
    return this.access.listKeys();
  }

  /** False when there was no such key. The app's host hears of it before this answers: revocation is immediate. */
  async revokeKey(id: string): Promise<boolean> {
    const gone = this.access.revokeKey(id);
    if (gone) await this.pushKeys();
    return gone;
  }

  /** The digests of the app's keys, for its host; `generation` orders answers against pushes. */
  async keyDigests(): Promise<{ digests: string[]; generation: number }> {
    return { digests: this.access.keyDigests(), generation: this.keysGeneration() };
  }

  private keysGeneration(): number {
    return this.ctx.storage.kv.get<number>("keys-generation") ?? 0;
  }

  private async pushKeys(): Promise<void> {
    const generation = this.keysGeneration() + 1;
    this.ctx.storage.kv.put("keys-generation", generation);
    await appHostOf(this.env, this.app).setKeyDigests(this.access.keyDigests(), generation);
  }

  /** Records a run's bundle as the next version (once per run, however often it is asked) and serves it. */
  async deploy(request: AppDeploy): Promise<AppDeployResult> {
    return this.oneAtATime(() => this.record(request)).catch((err) => {
      if (err instanceof AidevosError) return { ok: false as const, code: err.code, message: err.message };
      throw err;
    });
  }

  /**
   * Upload, record, go live, in that order: a version upload waits on Cloudflare until the Registry
   * has recorded it, then is rolled out (a rollout Cloudflare refuses takes the record back); a script
   * upload is live at once, so a record that fails takes it back on Cloudflare (the new Worker deleted,
   * or the previous version uploaded again). Cloudflare and the Registry then never name different versions.
   */
  private async record(request: AppDeploy): Promise<AppDeployResult> {
    const app = this.app;
    await this.checkNew(app, request);
    await this.checkContract(app, request);
    await this.checkLiveData(app, request);
    const registry = registryOf(this.env);
    const { cloudflare, shipped } = await this.shipToCloudflare(app, request);
    const staged = this.ctx.storage.kv.get<StagedUpload>(`staged:${request.runId}`);
    let deployed: Awaited<ReturnType<typeof registry.deploy>>;
    try {
      deployed = await registry.deploy({
        app,
        spec: request.spec,
        bundle: request.bundle,
        runId: request.runId,
        cloudflare,
      });
    } catch (err) {
      if (staged && !staged.rollout) await this.takeBack(app, request.runId, staged);
      throw err;
    }
    if (staged?.rollout) {
      // Not when a later version went live since (a retry of a run recorded long ago): it stays recorded, not live.
      if ((await registry.live(app))?.version === deployed.version) {
        try {
          await deployer(this.env)!.goLive(staged.deployment.script, staged);
        } catch (err) {
          await registry.unrecord(app, request.runId);
          throw err;
        }
      }
    }
    // Also when the version was already recorded: the attempt that recorded it may have died before this.
    await publishLive(this.env, app);
    return { ok: true, ...deployed, ...(cloudflare ? { cloudflare } : {}), shipped };
  }

  /**
   * A new app's run (free text that named no app) lands only where no app is: under this object's
   * one-change-at-a-time queue, nothing can take the name between this check and the write. A retry
   * of a run that already made its version is let through (the Registry returns that version).
   */
  private async checkNew(app: string, request: AppDeploy): Promise<void> {
    if (!request.newApp) return;
    const existing = await registryOf(this.env).getApp(app);
    if (existing && !existing.versions.some((v) => v.runId === request.runId))
      throw new AppExistsError(app, "a run from free text builds a new app and never deploys over one it did not name");
  }

  /**
   * A script upload went live but the Registry did not record it: Cloudflare goes back to what the
   * Registry names. A first version's Worker is deleted; otherwise the live version's code is
   * uploaded again (with the migration back, for a renamed class), and the Registry's record of the live
   * version then names that upload. The run's upload is forgotten, so a retry uploads again. A failure
   * here is logged; the record's own error is what the run reports.
   */
  private async takeBack(app: string, runId: string, staged: StagedUpload): Promise<void> {
    const script = staged.deployment.script;
    try {
      const registry = registryOf(this.env);
      const live = await registry.live(app);
      const previous = live ? await registry.liveCloudflare(app) : null;
      if (!live || !previous || staged.createdScript) {
        await deployer(this.env)!.deleteScript(script);
        // The token went with the Worker: the next first upload sets it again.
        const token = this.ctx.storage.kv.get<PlatformToken>(PLATFORM_TOKEN);
        if (token) this.ctx.storage.kv.put(PLATFORM_TOKEN, { ...token, shipped: false } satisfies PlatformToken);
      } else {
        const [bundle, specs] = await Promise.all([registry.getBundle(app, live.version), registry.specs(app)]);
        if (!bundle || !specs) throw new Error(`v${live.version} of ${app} has no code to upload again`);
        const cf = deployer(this.env, uploadSandbox(this.env, app, specs.spec))!;
        const restored = await cf.deploy(script, bundle, staged.deployment);
        // The upload again is a new Cloudflare version, and a class renamed back moved the migration tag on:
        // the next deploy builds on both (its old_tag, its rollout), so the Registry must name them.
        await registry.restoredOnCloudflare(app, live.version, restored);
      }
      this.ctx.storage.sql.exec("DELETE FROM cloudflare_uploads WHERE run_id = ?", runId);
      this.ctx.storage.kv.delete(`staged:${runId}`);
    } catch (err) {
      const why = err instanceof Error ? err.message : "the call failed";
      console.warn(`${script} on Cloudflare could not be taken back after a failed Registry write: ${why}`);
    }
  }

  /**
   * Returns the app to an earlier version, on Cloudflare first (when it is there) and then in the
   * Registry. Unless `force`, the live data is first held to the target's rules, as a deploy holds
   * it to a new version's: a rollback has no contract diff to stop it, and the older version would
   * otherwise serve records its own rules refuse (duplicates of a unique key, values off its enum).
   */
  async rollback(version?: number, runId: string | null = null, force = false): Promise<VersionChange> {
    return this.oneAtATime(async () => {
      const app = this.app;
      const registry = registryOf(this.env);
      const target = await registry.rollbackTarget(app, version);
      if (!target.ok) return target;
      if (!force) {
        const refused = await this.checkRollbackData(app, target.version);
        if (refused) return refused;
      }
      const cf = deployer(this.env);
      const cloud = target.cloudflare;
      if (cf && cloud) {
        const refused = await onCloudflare(() => cf.activate(cloud.script, cloud.versionId));
        if (refused) return refused;
      }
      const change = await registry.rollback(app, target.version, runId);
      await publishLive(this.env, app);
      return change;
    });
  }

  /** Puts a canary on all of the traffic. */
  async promote(): Promise<VersionChange> {
    return this.oneAtATime(async () => {
      const app = this.app;
      const registry = registryOf(this.env);
      const live = await registry.liveCloudflare(app);
      const cf = deployer(this.env);
      if (cf && live && live.percentage < 100) {
        const refused = await onCloudflare(() => cf.activate(live.script, live.versionId));
        if (refused) return refused;
      }
      const change = await registry.promote(app);
      await publishLive(this.env, app);
      return change;
    });
  }

  /**
   * Refs and unique keys a new version adds must hold on the data it inherits: the live version
   * checks its data against the new spec first, and a violation refuses the deploy with the live
   * version untouched (the new runtime would otherwise start on data that breaks its rules).
   */
  /**
   * The breaking-change check again, under the deploy lock, against the version live now
   * (docs/appspec.md, "What gates a deploy"): testing compared with the version live when it ran,
   * and a run of the same app may have deployed since. Of racing runs whose changes break each
   * other, the first to take the lock deploys and the others fail with `breaking_change`.
   */
  private async checkContract(app: string, request: AppDeploy): Promise<void> {
    if (request.allowBreaking) return;
    const live = await registryOf(this.env).specs(app);
    if (!live) return;
    const broken = contractDiff(live.spec, request.spec).filter((c) => c.breaking);
    if (broken.length === 0) return;
    throw new AidevosError(
      "breaking_change",
      `breaking changes against v${live.version}, live since this run was tested, so nothing was deployed (set options.allowBreaking to deploy anyway): ${broken.map((c) => c.message).join("; ")}`.slice(
        0,
        2000,
      ),
      409,
    );
  }

  private async checkLiveData(app: string, request: AppDeploy): Promise<void> {
    const problems = await appHostOf(this.env, app).checkData(app, request.spec, request.bundle.hash);
    if (problems.length === 0) return;
    // Runs keep an error's code and message: the message names the spec path at fault.
    const first = `${problems[0]!.path}: ${problems[0]!.message}`;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
    throw new AidevosError("conflict", `the live data breaks the new spec: ${first}${more}`, 409, problems);
  }

  private async checkRollbackData(app: string, version: number): Promise<VersionChange | null> {
    const target = await registryOf(this.env).specs(app, version);
    if (!target) return null;
    // No code hash: a rollback's target is never the code that is live, so the check always runs.
    const problems = await appHostOf(this.env, app).checkData(app, target.spec, "", true);
    if (problems.length === 0) return null;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
    return {
      ok: false,
      reason: "constraint_violation",
      message: `live records break the rules of v${version}, so it was not made live (set options.force to roll back anyway): ${problems[0]!.message}${more}`,
      details: problems,
    };
  }

  private oneAtATime<T>(change: () => Promise<T>): Promise<T> {
    const result = this.tail.then(change);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private get app(): string {
    const name = this.ctx.id.name;
    if (!name) throw new Error("an app control object is reached by the app's name (appControlOf)");
    return name;
  }

  /**
   * The upload is kept per run before the Registry write, so a retried deploy never uploads twice; a
   * version upload is not live yet (record() rolls it out once it is recorded).
   */
  private async shipToCloudflare(
    app: string,
    request: AppDeploy,
  ): Promise<{ cloudflare?: CloudflareVersion; shipped: boolean }> {
    const cf = deployer(this.env, uploadSandbox(this.env, app, request.spec));
    if (!cf) return { shipped: false };
    if (request.uploaded) {
      this.ctx.storage.sql.exec(
        "INSERT OR IGNORE INTO cloudflare_uploads (run_id, deployment) VALUES (?, ?)",
        request.runId,
        JSON.stringify(request.uploaded),
      );
    }
    const done = this.ctx.storage.sql
      .exec<{ deployment: string }>("SELECT deployment FROM cloudflare_uploads WHERE run_id = ?", request.runId)
      .toArray()[0];
    if (done) return { cloudflare: JSON.parse(done.deployment) as CloudflareVersion, shipped: false };
    const previous = await registryOf(this.env).liveCloudflare(app);
    // An app deployed before the prefix keeps its Worker's name (the Registry holds it); a new one gets the prefix.
    const script = previous?.script ?? cf.scriptName(app);
    const staged = await cf.upload(script, request.bundle, previous, request.canaryPercent);
    const deployment = staged.deployment;
    // Kept before anything else can fail: a retry of this run then finds the upload and never makes
    // another, and knows how to put it live (or take it back).
    this.ctx.storage.sql.exec(
      "INSERT INTO cloudflare_uploads (run_id, deployment) VALUES (?, ?)",
      request.runId,
      JSON.stringify(deployment),
    );
    this.ctx.storage.kv.put(`staged:${request.runId}`, staged);
    if (!previous) {
      // The version is uploaded and recorded: a refused switch is said, not a failed deploy that a
      // retry could not redo (the gateway's route still serves the app; setting it again is idempotent).
      await cf.enableSubdomain(script).catch((err) => {
        const why = err instanceof CloudflareApiError ? err.message : "the call failed";
        console.warn(`the workers.dev address of ${app} was not switched on: ${why}`);
      });
      // A first upload creates the Worker: the secrets set so far become its secrets (later uploads keep them),
      // and so does the platform token (a refusal is healed by the first call that needs the token).
      await this.shipSecrets(cf, app, script);
      await this.shipPlatformToken(cf, script).catch((err) => {
        const why = err instanceof CloudflareApiError ? err.message : "the call failed";
        console.warn(`the platform token of ${app} did not reach its Cloudflare Worker: ${why}`);
      });
    }
    return { cloudflare: deployment, shipped: true };
  }

  /**
   * A secret Cloudflare refuses stays kept here (as when it is set later, which answers 502) and does
   * not fail the deploy: the version is uploaded already, and setting the secret again retries it.
   */
  private async shipSecrets(cf: CloudflareDeployer, app: string, script: string): Promise<void> {
    for (const [name, value] of Object.entries(await this.access.secretValues())) {
      await cf.putSecret(script, name, value).catch((err) => {
        // The name and Cloudflare's answer only: never the value.
        const why = err instanceof CloudflareApiError ? err.message : "the call failed";
        console.warn(`secret ${name} of ${app} did not reach its Cloudflare Worker: ${why}`);
      });
    }
  }
}
