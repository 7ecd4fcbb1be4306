import { declarativeSpecOf, sharedRuntime } from "@aidevos/compiler";
import { type AppSpec, bundleHash, type CodeBundle, setting } from "@aidevos/core";
import { appWorkerCode, type SandboxOptions, sharedAppWorkerCode } from "@aidevos/sandbox";
import { IsolateReloads } from "../app-memory";
import { platformPropsOf, type StagingKind } from "../app-platform";

/**
 * What an app's facet offers the host besides fetch: the platform's calls (the runtime's app.js
 * platformCall, wrapped with a budget by the sandbox's entry), by RPC only.
 */
export interface AppFacet extends Rpc.DurableObjectBranded {
  platformCall(name: string, request: Request): Promise<Response>;
}

const FACET = "app";
/** How the facet runs the version with this code hash: in the shared runtime with `spec`, or (null) as its own Worker. */
const PLAN = "facet";
interface FacetPlan {
  codeHash: string;
  spec: AppSpec | null;
}

/**
 * The one facet of an app host: which sandboxed Worker runs the app's class, loaded once per
 * version and aborted when the version changes, so the app's SQLite data stays with the host.
 */
export class AppFacets {
  private loadedHash: string | null = null;
  /** The loaded Worker that runs this host's facet: `runtime:<hash>` (shared) or `app:<hash>` (its own). */
  private loadedWorker: string | null = null;
  /** Whether a bundle served here has outbound origins, by code hash (read from its spec once). */
  private readonly callsOut = new Map<string, boolean>();
  /** Fresh isolates loaded for this host's app after its old one passed its memory budget. */
  private readonly reloads = new IsolateReloads();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {}

  /** Which loaded Worker runs the app here (null before its first request). */
  get worker(): string | null {
    return this.loadedWorker;
  }

  /** The facet's answer, as the client gets it: from a spent isolate (app-memory/), the next call loads a fresh one. */
  answered(answer: Response): Response {
    const { response, reload } = this.reloads.seen(answer);
    if (reload) this.loadedHash = null;
    return response;
  }

  /** Drops the facet and all its data (a staging host after its tests). */
  discard(): void {
    this.ctx.facets.delete(FACET);
    this.ctx.storage.kv.delete(PLAN);
    this.loadedHash = null;
    this.loadedWorker = null;
  }

  /** The facet for a bundle given whole (staging runs, tests): without a Registry entry. */
  forBundle(bundle: CodeBundle): Fetcher<AppFacet> {
    // Only an app that can call out behaves differently on staging: the others share the live app's loaded Worker.
    let callsOut = this.callsOut.get(bundle.hash);
    if (callsOut === undefined) {
      callsOut = (platformPropsOf(bundle)?.outbound.length ?? 0) > 0;
      this.callsOut.set(bundle.hash, callsOut);
    }
    return this.get(bundle.hash, async () => bundle, callsOut ? this.stagingKind() : undefined);
  }

  /**
   * The app's class as a facet of this host. An app whose code is exactly the compiler's runtime
   * over a spec with only declarative parts runs in the one shared runtime Worker, told its spec as
   * the facet's props: its own copy of the same runtime would cost an isolate (MiBs) per live app.
   * Any other bundle (actions, hand-written code) gets a Worker of its own, named by its code hash;
   * `staging`: a staging copy of an app that calls out gets one of its own, whose env says what it may reach.
   */
  get(codeHash: string, bundle: () => Promise<CodeBundle>, staging?: StagingKind): Fetcher<AppFacet> {
    // After a restart of this host the facet may still run whatever class it had: unknown counts as different.
    if (this.loadedHash !== codeHash) this.ctx.facets.abort(FACET, new Error("a new version of the app was deployed"));
    this.loadedHash = codeHash;
    return this.ctx.facets.get<AppFacet>(FACET, async () => {
      const spec = await this.sharedSpecOf(codeHash, bundle);
      if (spec) {
        const id = await sharedRuntimeId();
        this.loadedWorker = id;
        const worker = this.env.LOADER.get(id, () => {
          const runtime = sharedRuntime();
          return sharedAppWorkerCode(runtime, runtime.specModule, this.sandboxOptions());
        });
        return { class: worker.getDurableObjectClass("App", { props: { spec } }) };
      }
      this.loadedWorker = this.reloads.workerId(`${staging ?? "app"}:${codeHash}`);
      const worker = this.env.LOADER.get(this.loadedWorker, async () => this.workerCode(await bundle(), staging));
      return { class: worker.getDurableObjectClass("App") };
    });
  }

  /**
   * The spec to serve in the shared runtime, or null for code of its own. Decided once per version
   * and kept with the host, so restarting a facet (after an eviction, say) reads no bundle and asks
   * the Registry nothing, and an app with code of its own is read only when its Worker is not loaded.
   */
  private async sharedSpecOf(codeHash: string, bundle: () => Promise<CodeBundle>): Promise<AppSpec | null> {
    const known = this.ctx.storage.kv.get<FacetPlan>(PLAN);
    if (known?.codeHash === codeHash) return known.spec;
    const spec = declarativeSpecOf(await bundle());
    this.ctx.storage.kv.put(PLAN, { codeHash, spec } satisfies FacetPlan);
    return spec;
  }

  /** Staging hosts are named `staging:<run>:<round>[:<suite>…]` (stagingHostOf); the examples' suite is `examples`. */
  private stagingKind(): StagingKind | undefined {
    const name = this.ctx.id.name ?? "";
    if (!name.startsWith("staging:")) return undefined;
    return name.split("/")[0]!.endsWith(":examples") ? "examples" : "suites";
  }

  /** What the operator set of the sandbox's limits (the rest are the sandbox's own). */
  private sandboxOptions(): SandboxOptions {
    return { deadlineMs: setting(this.env, "AIDEVOS_ACTION_TIMEOUT_MS") };
  }

  /** The sandboxed app, with the platform's entrypoint for its secrets and outbound calls (app-platform.ts). */
  private workerCode(bundle: CodeBundle, staging: StagingKind | undefined): WorkerLoaderWorkerCode {
    const code = appWorkerCode(bundle, this.sandboxOptions());
    const props = platformPropsOf(bundle);
    if (!props) return code;
    const platform = this.ctx.exports.AppPlatform({ props: staging ? { ...props, staging } : props });
    return { ...code, env: { ...(code.env as object), PLATFORM: platform } };
  }
}

let sharedId: Promise<string> | undefined;
/** The shared runtime's Worker id, from its modules' hash: a new runtime is a new Worker. */
function sharedRuntimeId(): Promise<string> {
  sharedId ??= bundleHash(sharedRuntime().files).then((hash) => `runtime:${hash}`);
  return sharedId;
}

/**
 * An app's redirect (an action's ctx.redirect) is its answer to the client: a stub's fetch would
 * otherwise follow it itself, back into the app or out to the web.
 */
export function unfollowed(request: Request): Request {
  return request.redirect === "manual" ? request : new Request(request, { redirect: "manual" });
}
