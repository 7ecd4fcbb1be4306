import { AidevosError, type CodeBundle } from "@aidevos/core";
import {
  APP_CPU_MS,
  SANDBOX_COMPATIBILITY_DATE,
  SANDBOX_COMPATIBILITY_FLAGS,
  type SandboxOptions,
  sandboxedApp,
} from "@aidevos/sandbox";
import { CloudflareApiError, type CloudflareClient } from "./client";

/** What Cloudflare holds for one app version. */
export interface CloudDeployment {
  script: string;
  versionId: string;
  migrationTag: string;
  className: string;
  /** Share of traffic on the new version: 100, or less for a canary. */
  percentage: number;
}

/** An uploaded version, and what puts it live: a rollout for a version upload, nothing for a script upload. */
export interface StagedUpload {
  deployment: CloudDeployment;
  rollout: { version_id: string; percentage: number }[] | null;
  /** The upload created the script (there was none under its name). */
  createdScript: boolean;
}

type Migration = {
  old_tag?: string;
  new_tag: string;
  new_sqlite_classes?: string[];
  renamed_classes?: { from: string; to: string }[];
};

function nextTag(tag: string | null): string {
  return `v${Number(/(\d+)$/.exec(tag ?? "")?.[1] ?? 0) + 1}`;
}

/** What Cloudflare holds under a script name now. */
interface LiveScript {
  /** The tag of the last migration the script took (null: none yet). */
  migrationTag: string | null;
  tags: string[];
}

/**
 * The migration an upload of `className` needs on top of what the script holds now. Cloudflare applies
 * a migration only when its `old_tag` is the script's tag, so the tag is read from Cloudflare, not
 * taken from the Registry: an upload whose answer was lost (a killed deploy) moved it on already.
 * The live tag stands for the Registry's class when the Registry knows that tag; a tag it does not
 * know was set by such a lost upload of this app, whose class is the bundle's.
 */
function migrationFor(live: LiveScript | null, previous: CloudDeployment | null, className: string) {
  const tag = live?.migrationTag ?? null;
  if (!tag) return { new_tag: nextTag(null), new_sqlite_classes: [className] } satisfies Migration;
  const liveClass = previous && previous.migrationTag === tag ? previous.className : className;
  if (liveClass === className) return undefined;
  return {
    old_tag: tag,
    new_tag: nextTag(tag),
    renamed_classes: [{ from: liveClass, to: className }],
  } satisfies Migration;
}

/**
 * The multipart upload: a JSON `metadata` part and one part per module, named as the metadata
 * names it. The modules are the sandboxed app, exactly as it runs locally: instrumented sources,
 * the guard (per-request tick budget, native work metered, code from strings refused, fetch and
 * WebSocket refused with outbound_blocked) and our entry as the main module; Cloudflare adds its
 * own CPU limit per request.
 */
/**
 * The tail consumer is a setting of the script, not of a version: it goes with a script upload (the
 * first, and every one into a dispatch namespace) and is patched in after a version upload.
 */
function tailConsumers(tailConsumer: string | undefined) {
  return tailConsumer ? { tail_consumers: [{ service: tailConsumer }] } : {};
}

/**
 * The R2 bucket every app Worker's files live in (AppSpec v3 "Files"), as `APP_FILES`: the bucket
 * wrangler.toml binds to the gateway, so both see the same blobs. Each app's entry keeps to its own
 * prefix (`apps/<app>/`, SandboxOptions.filesPrefix), as the host's AppPlatform does locally.
 */
const APP_FILES_BUCKET = "aidevos-app-files";

/** The tag every app Worker carries (script metadata `tags`). */
const OWN_TAG = "aidevos-app";

function uploadForm(
  bundle: CodeBundle,
  sandbox: SandboxOptions,
  tailConsumer?: string,
  migrations?: Migration,
): FormData {
  const app = sandboxedApp(bundle, sandbox);
  const metadata = {
    main_module: app.mainModule,
    compatibility_date: SANDBOX_COMPATIBILITY_DATE,
    compatibility_flags: [...SANDBOX_COMPATIBILITY_FLAGS],
    bindings: [
      { type: "durable_object_namespace", name: "APP", class_name: bundle.className },
      { type: "r2_bucket", name: "APP_FILES", bucket_name: APP_FILES_BUCKET },
    ],
    limits: { cpu_ms: sandbox.cpuMs ?? APP_CPU_MS },
    // The app's secrets are set through the secrets API (AppControlDO), never uploaded: every upload keeps them.
    keep_bindings: ["secret_text"],
    observability: { enabled: true },
    // Marks the Worker as one AIDevOS made: a first deploy takes over no Worker without it.
    tags: [OWN_TAG],
    // Our gateway's tail handler gets the Worker's logs and outcomes: its schedule runs reach the app's monitor.
    ...tailConsumers(tailConsumer),
    ...(migrations ? { migrations } : {}),
  };
  const form = new FormData();
  form.append("metadata", new Blob([JSON.stringify(metadata)], { type: "application/json" }));
  for (const [name, content] of Object.entries(app.modules)) {
    form.append(name, new Blob([content], { type: "application/javascript+module" }), name);
  }
  return form;
}

/**
 * The Durable Object creator and updater of the Cloudflare target. The first version declares the
 * app's class with a SQLite migration; a renamed class gets a rename step; later versions are
 * uploaded as versions and deployed by percentage, which also gives canaries and rollbacks.
 */
export class CloudflareDeployer {
  /**
   * A Worker of its own is reachable at its workers.dev address once that is switched on (a
   * dispatch namespace's Workers are reached through the gateway's dispatch route instead).
   * Switching it on twice changes nothing.
   */
  async enableSubdomain(script: string): Promise<void> {
    if (this.client.usesDispatchNamespace) return;
    await this.client.call("POST", `/workers/scripts/${script}/subdomain`, {
      enabled: true,
      previews_enabled: false,
    });
  }

  /**
   * `sandbox` sets the guard's limits and the outbound allow-list of the uploaded app; `tailConsumer`
   * names the Worker (our gateway) that gets the uploaded Worker's tail events.
   */
  constructor(
    private readonly client: CloudflareClient,
    private readonly sandbox: SandboxOptions = {},
    private readonly tailConsumer?: string,
    private readonly scriptPrefix = "aidevos-app-",
  ) {}

  /**
   * The app's Worker: `<prefix><app>` on the account, so no app name can be the gateway's or
   * another Worker's; the app's own name in a dispatch namespace, which holds apps only and is
   * reached by that name (the gateway's dispatch route).
   */
  scriptName(app: string): string {
    return this.client.usesDispatchNamespace ? app : `${this.scriptPrefix}${app}`;
  }

  /**
   * Before a first upload: a Worker of that name that AIDevOS did not make (the gateway itself, or
   * any Worker without our tag) is refused with script_name_taken, never overwritten.
   */
  private claim(script: string, live: LiveScript | null): void {
    const taken = (why: string) =>
      new AidevosError(
        "script_name_taken",
        `the Cloudflare Worker name ${script} is taken by ${why}, so nothing was uploaded (rename the app, or set AIDEVOS_APP_SCRIPT_PREFIX)`,
        409,
      );
    // A dispatch namespace holds app Workers only: nothing else of the account can be there.
    if (this.client.usesDispatchNamespace) return;
    if (script === this.tailConsumer) throw taken("the AIDevOS gateway");
    if (live && !live.tags.includes(OWN_TAG)) throw taken("a Worker AIDevOS did not create");
  }

  /**
   * The script's migration tag and tags, as wrangler reads them before an upload: from the account's
   * list of scripts, or the namespace's script (404: none yet).
   */
  private async liveScript(script: string): Promise<LiveScript | null> {
    type Found = { id?: string; tags?: string[] | null; migration_tag?: string | null };
    const live = (found: Found) => ({ migrationTag: found.migration_tag ?? null, tags: found.tags ?? [] });
    if (this.client.usesDispatchNamespace) {
      try {
        const found = await this.client.call<{ script?: Found }>("GET", this.client.scriptPath(script));
        return live(found?.script ?? {});
      } catch (err) {
        if (err instanceof CloudflareApiError && err.httpStatus === 404) return null;
        throw err;
      }
    }
    const list = await this.client.call<Found[]>("GET", this.client.scriptPath(""));
    const found = (list ?? []).find((s) => s.id === script);
    return found ? live(found) : null;
  }

  /** Uploads a version and puts it live (`upload`, then `goLive`). */
  async deploy(
    script: string,
    bundle: CodeBundle,
    previous: CloudDeployment | null,
    canaryPercent?: number,
  ): Promise<CloudDeployment> {
    const staged = await this.upload(script, bundle, previous, canaryPercent);
    await this.goLive(script, staged);
    return staged.deployment;
  }

  /**
   * Uploads a version. A first version, a renamed class and every upload into a dispatch namespace
   * are script uploads, live at once (`rollout` null), carrying the migration the script's live tag
   * calls for, in one upload; any other is a version upload, live only once `goLive` rolls it out, so
   * the Registry can record it first.
   */
  async upload(
    script: string,
    bundle: CodeBundle,
    previous: CloudDeployment | null,
    canaryPercent?: number,
  ): Promise<StagedUpload> {
    if (!previous || previous.className !== bundle.className || this.client.usesDispatchNamespace) {
      const live = await this.liveScript(script);
      if (!previous) this.claim(script, live);
      const migration = migrationFor(live, previous, bundle.className);
      const result = await this.client.call<{ id?: string; etag?: string }>(
        "PUT",
        this.client.scriptPath(script),
        uploadForm(bundle, this.sandbox, this.tailConsumer, migration),
      );
      const versionId = this.client.usesDispatchNamespace
        ? String(result?.etag ?? result?.id ?? "")
        : await this.latestVersion(script);
      const deployment = {
        script,
        versionId,
        migrationTag: migration?.new_tag ?? live!.migrationTag!,
        className: bundle.className,
        percentage: 100,
      };
      return { deployment, rollout: null, createdScript: live === null };
    }
    const version = await this.client.call<{ id: string }>(
      "POST",
      `/workers/scripts/${script}/versions`,
      uploadForm(bundle, this.sandbox),
    );
    const percentage = canaryPercent ?? 100;
    return {
      deployment: {
        script,
        versionId: version.id,
        migrationTag: previous.migrationTag,
        className: bundle.className,
        percentage,
      },
      rollout: [
        { version_id: version.id, percentage },
        ...(percentage < 100 ? [{ version_id: previous.versionId, percentage: 100 - percentage }] : []),
      ],
      createdScript: false,
    };
  }

  /** Puts an uploaded version on its share of the traffic; a script upload is live already. Doing it twice changes nothing. */
  async goLive(script: string, staged: StagedUpload): Promise<void> {
    if (!staged.rollout) return;
    await this.patchTailConsumer(script);
    await this.rollOut(script, staged.rollout);
  }

  /** Removes an app's Worker (a first upload taken back); one that is gone already is done. */
  async deleteScript(script: string): Promise<void> {
    try {
      await this.client.call("DELETE", this.client.scriptPath(script));
    } catch (err) {
      if (!(err instanceof CloudflareApiError && err.httpStatus === 404)) throw err;
    }
  }

  /**
   * Names our gateway the script's tail consumer (a script setting: versions do not carry it), as
   * `wrangler versions deploy` does; also heals a Worker uploaded before it was named. A refusal is
   * said, not a failed deploy: the app still serves, only its alarm runs miss the monitor.
   */
  private async patchTailConsumer(script: string): Promise<void> {
    if (!this.tailConsumer) return;
    await this.client
      .call("PATCH", `/workers/scripts/${script}/script-settings`, tailConsumers(this.tailConsumer))
      .catch((err) => {
        if (!(err instanceof CloudflareApiError)) throw err;
        console.warn(`the tail consumer of ${script} was not set: ${err.message}`);
      });
  }

  /** A secret of the app's Worker (`secret_text`): what the app reads as ctx.secrets.<NAME> on Cloudflare. */
  async putSecret(script: string, name: string, text: string): Promise<void> {
    await this.client.call("PUT", `${this.client.scriptPath(script)}/secrets`, { name, text, type: "secret_text" });
  }

  /** Unsetting what the Worker does not have is done already. */
  async deleteSecret(script: string, name: string): Promise<void> {
    try {
      await this.client.call("DELETE", `${this.client.scriptPath(script)}/secrets/${name}`);
    } catch (err) {
      if (!(err instanceof CloudflareApiError && err.httpStatus === 404)) throw err;
    }
  }

  /** Puts one version on all traffic: a promotion, or a rollback to an older version. */
  async activate(script: string, versionId: string): Promise<void> {
    if (this.client.usesDispatchNamespace) {
      throw new CloudflareApiError(400, [
        { code: 0, message: "versions cannot be activated in a dispatch namespace; deploy the older code again" },
      ]);
    }
    await this.rollOut(script, [{ version_id: versionId, percentage: 100 }]);
  }

  private async rollOut(script: string, versions: { version_id: string; percentage: number }[]) {
    await this.client.call("POST", `/workers/scripts/${script}/deployments`, { strategy: "percentage", versions });
  }

  private async latestVersion(script: string): Promise<string> {
    const list = await this.client.call<{ items: { id: string }[] }>("GET", `/workers/scripts/${script}/versions`);
    const id = list?.items?.[0]?.id;
    if (!id) throw new CloudflareApiError(502, [{ code: 0, message: `no version listed for ${script} after upload` }]);
    return id;
  }
}
