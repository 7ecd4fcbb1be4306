import { DurableObject } from "cloudflare:workers";
import { declarativeSpecOf, sharedRuntime } from "@aidevos/compiler";
import {
  type AppSpec,
  bundleHash,
  type CodeBundle,
  type ErrorDetail,
  PARTITION_KEY_HEADER,
  PartitionKey,
} from "@aidevos/core";
import { appHostOf, registryOf } from "@aidevos/objects";
import type { LiveVersion } from "@aidevos/registry";
import { appWorkerCode, sharedAppWorkerCode } from "@aidevos/sandbox";

/** The version a host should serve, as the Registry names it. */
export interface LiveTarget {
  app: string;
  version: number;
  codeHash: string;
}

/**
 * What became of a request to an app. Failures are answers, not exceptions: an error thrown across
 * RPC loses its class, and the gateway turns these into its typed errors in one place.
 */
export type Routed =
  | { kind: "served"; response: Response; version: number; key: string | null; path: string }
  | { kind: "failed"; version: number; key: string | null; path: string; message: string; frame: string }
  | { kind: "no_app" }
  | { kind: "no_key" }
  | { kind: "bad_key" };

const FACET = "app";
const POINTER = "live";
/** How the facet runs the version with this code hash: in the shared runtime with `spec`, or (null) as its own Worker. */
const PLAN = "facet";
interface FacetPlan {
  codeHash: string;
  spec: AppSpec | null;
}
/**
 * How old the pointer may be before a request also asks the Registry in the background. Deploys,
 * rollbacks and promotions push the pointer at once; this only heals a push lost to a crash.
 */
const REVALIDATE_MS = 60_000;

/**
 * Runs one partition of a deployed app (the whole app, or one key of a perKey app).
 * The app's Durable Object class is loaded from its bundle into a sandboxed dynamic Worker and
 * run as a facet of this object, so its SQLite data belongs to this host and outlives versions:
 * a new version aborts the facet and the next request starts the new class on the same data.
 *
 * The app's own host (named after the app) also holds the app's live pointer, so serving a request
 * costs one call to this object and none to the global Registry.
 */
export class AppHostDO extends DurableObject<Env> {
  private loadedHash: string | null = null;
  /** The loaded Worker that runs this host's facet: `runtime:<hash>` (shared) or `app:<hash>` (its own). */
  private loadedWorker: string | null = null;
  /** Undefined until known; null while the Registry has no such app (kept in memory only). */
  private pointer: LiveVersion | null | undefined;
  private checkedAt = 0;
  /** Keys noted in `partitions` since this object started. */
  private readonly partitions = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // A synchronous read: nothing can interleave, and hosts never told a pointer write nothing.
    this.pointer = ctx.storage.kv.get<LiveVersion>(POINTER);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS partitions (key TEXT PRIMARY KEY)");
  }

  /** The Registry's word on what this app serves; an older word never replaces a newer one. */
  async setLive(live: LiveVersion): Promise<void> {
    this.adopt(live);
  }

  /** What this app serves now, as this host knows it. */
  async live(app: string): Promise<LiveVersion | null> {
    return this.current(app);
  }

  /**
   * Serves a request for `app` (its URL relative to the app's base) with the live version. A perKey
   * app's requests carry `/k/{key}` first and go on to that key's host, which keeps its data apart.
   */
  async route(app: string, request: Request): Promise<Routed> {
    const live = await this.current(app);
    if (!live) return { kind: "no_app" };
    if (INTERNAL_PATH.test(new URL(request.url).pathname)) return internalRefused(live, request);
    const url = new URL(request.url);
    if (live.partition === "single") {
      // Only the host says which partition a request is for (an action's ctx.key): never the client.
      const own = request.headers.has(PARTITION_KEY_HEADER) ? new Request(request) : request;
      own.headers.delete(PARTITION_KEY_HEADER);
      return this.served(live, null, url.pathname, () => this.serve(own, live));
    }
    const match = /^\/k\/([^/]*)(\/.*)?$/.exec(url.pathname);
    if (!match) return { kind: "no_key" };
    const key = PartitionKey.safeParse(decodeKey(match[1]!));
    if (!key.success) return { kind: "bad_key" };
    this.notePartition(key.data);
    const path = match[2] ?? "/";
    const forwarded = new Request(new URL(path + url.search, url), request);
    forwarded.headers.set(PARTITION_KEY_HEADER, key.data);
    return this.served(live, key.data, path, () => appHostOf(this.env, app, key.data).serve(forwarded, live));
  }

  /** Serves a request for the live version; the bundle is read from the Registry only on a cold load. */
  async serve(request: Request, target: LiveTarget): Promise<Response> {
    const facet = this.facet(target.codeHash, async () => {
      const bundle = await registryOf(this.env).getBundle(target.app, target.version);
      if (!bundle) throw new Error(`bundle of ${target.app} v${target.version} is missing`);
      return bundle;
    });
    return facet.fetch(unfollowed(request));
  }

  /** Serves a request with the given bundle: staging runs and tests use it without a Registry entry. */
  async serveBundle(request: Request, bundle: CodeBundle): Promise<Response> {
    return this.facet(bundle.hash, async () => bundle).fetch(unfollowed(request));
  }

  /**
   * What the live data breaks under a new version's spec (its refs and unique keys), asked of the
   * live version in every partition that holds data, before the new version may go live. A runtime
   * from before the check answers 404 and is taken at its word that nothing is checked.
   */
  async checkData(app: string, spec: AppSpec, codeHash: string): Promise<ErrorDetail[]> {
    const live = await this.current(app);
    // Nothing live, or this very code already is (a retried deploy): nothing to check against.
    if (!live || live.codeHash === codeHash) return [];
    const ask = async (key: string | null) => {
      const request = new Request("http://app/_aidevos/check", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ spec }),
      });
      const res =
        key === null ? await this.serve(request, live) : await appHostOf(this.env, app, key).serve(request, live);
      if (res.status === 404) return [];
      if (!res.ok) throw new Error(`${app} v${live.version} could not check its data (${res.status})`);
      const { problems } = (await res.json()) as { problems: ErrorDetail[] };
      return key === null ? problems : problems.map((p) => ({ ...p, message: `key ${key}: ${p.message}` }));
    };
    if (live.partition === "single") return ask(null);
    const keys = this.ctx.storage.sql.exec<{ key: string }>("SELECT key FROM partitions ORDER BY key").toArray();
    const problems: ErrorDetail[] = [];
    for (let i = 0; i < keys.length && problems.length < 20; i += 8) {
      const batch = await Promise.all(keys.slice(i, i + 8).map((k) => ask(k.key)));
      problems.push(...batch.flat());
    }
    return problems.slice(0, 20);
  }

  /** The app's own host remembers each key it has routed to: the partitions that may hold data. */
  private notePartition(key: string): void {
    if (this.partitions.has(key)) return;
    this.partitions.add(key);
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO partitions (key) VALUES (?)", key);
  }

  /** Drops the app and all its data: staging hosts are thrown away after their tests. */
  async discard(): Promise<void> {
    this.ctx.facets.delete(FACET);
    this.ctx.storage.kv.delete(PLAN);
    this.loadedHash = null;
    this.loadedWorker = null;
  }

  /** Which loaded Worker runs the app here (null before its first request): tests and benchmarks ask. */
  async worker(): Promise<string | null> {
    return this.loadedWorker;
  }

  private async served(
    live: LiveVersion,
    key: string | null,
    path: string,
    serve: () => Promise<Response>,
  ): Promise<Routed> {
    try {
      return { kind: "served", response: await serve(), version: live.version, key, path };
    } catch (err) {
      const stack = err instanceof Error ? (err.stack ?? "") : "";
      const frame = stack
        .split("\n")
        .find((l) => l.trim().startsWith("at "))
        ?.trim();
      const message = err instanceof Error ? err.message : String(err);
      return {
        kind: "failed",
        version: live.version,
        key,
        path,
        message: message.slice(0, 300),
        frame: (frame ?? path).slice(0, 300),
      };
    }
  }

  private async current(app: string): Promise<LiveVersion | null> {
    if (this.pointer === undefined) this.adopt(await registryOf(this.env).live(app));
    else if (Date.now() - this.checkedAt > REVALIDATE_MS) {
      this.checkedAt = Date.now();
      this.ctx.waitUntil(
        registryOf(this.env)
          .live(app)
          .then((live) => this.adopt(live))
          .catch((err) => console.warn(`could not revalidate the live version of ${app}`, String(err))),
      );
    }
    return this.pointer ?? null;
  }

  private adopt(live: LiveVersion | null): void {
    this.checkedAt = Date.now();
    if (!live) {
      this.pointer ??= null;
      return;
    }
    if (this.pointer && this.pointer.generation >= live.generation) return;
    this.pointer = live;
    this.ctx.storage.kv.put(POINTER, live);
  }

  /**
   * The app's class as a facet of this host. An app whose code is exactly the compiler's runtime
   * over a spec without actions runs in the one shared runtime Worker, told its spec as the facet's
   * props: its own copy of the same runtime would cost an isolate (MiBs) per live app. Any other
   * bundle (actions, hand-written code) gets a Worker of its own, named by its code hash.
   */
  private facet(codeHash: string, bundle: () => Promise<CodeBundle>): Fetcher {
    // After a restart of this host the facet may still run whatever class it had: unknown counts as different.
    if (this.loadedHash !== codeHash) this.ctx.facets.abort(FACET, new Error("a new version of the app was deployed"));
    this.loadedHash = codeHash;
    return this.ctx.facets.get(FACET, async () => {
      const spec = await this.sharedSpecOf(codeHash, bundle);
      if (spec) {
        const id = await sharedRuntimeId();
        this.loadedWorker = id;
        const worker = this.env.LOADER.get(id, () => {
          const runtime = sharedRuntime();
          return sharedAppWorkerCode(runtime, runtime.specModule);
        });
        return { class: worker.getDurableObjectClass("App", { props: { spec } }) };
      }
      this.loadedWorker = `app:${codeHash}`;
      const worker = this.env.LOADER.get(this.loadedWorker, async () => appWorkerCode(await bundle()));
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
function unfollowed(request: Request): Request {
  return request.redirect === "manual" ? request : new Request(request, { redirect: "manual" });
}

/** The platform's calls into an app (`/_aidevos/…`, app.js), with or without a `/k/{key}` in front. */
const INTERNAL_PATH = /^(\/k\/[^/]*)?\/_aidevos(\/|$)/;

/** A public request for the platform's calls into the app: answered here, as a route the app lacks. */
function internalRefused(live: LiveVersion, request: Request): Routed {
  const path = new URL(request.url).pathname;
  const error = { code: "not_found", message: `route ${path} not found`, details: [] };
  return {
    kind: "served",
    response: Response.json({ error }, { status: 404 }),
    version: live.version,
    key: null,
    path,
  };
}

/** A malformed escape (`%E0`) is a bad key, not a crash. */
function decodeKey(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
