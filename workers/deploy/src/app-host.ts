import { DurableObject } from "cloudflare:workers";
import type { CodeBundle } from "@aidevos/core";
import { appWorkerCode } from "@aidevos/sandbox";

/** The version a host should serve, as the Registry names it. */
export interface LiveTarget {
  app: string;
  version: number;
  codeHash: string;
}

const FACET = "app";

/**
 * Runs one partition of a deployed app (the whole app, or one key of a perKey app).
 * The app's Durable Object class is loaded from its bundle into a sandboxed dynamic Worker and
 * run as a facet of this object, so its SQLite data belongs to this host and outlives versions:
 * a new version aborts the facet and the next request starts the new class on the same data.
 */
export class AppHostDO extends DurableObject<Env> {
  private loadedHash: string | null = null;

  /** Serves a request for the live version; the bundle is read from the Registry only on a cold load. */
  async serve(request: Request, target: LiveTarget): Promise<Response> {
    const facet = this.facet(target.codeHash, async () => {
      const registry = this.env.REGISTRY.get(this.env.REGISTRY.idFromName("global"));
      const bundle = await registry.getBundle(target.app, target.version);
      if (!bundle) throw new Error(`bundle of ${target.app} v${target.version} is missing`);
      return bundle;
    });
    return facet.fetch(request);
  }

  /** Serves a request with the given bundle: staging runs and tests use it without a Registry entry. */
  async serveBundle(request: Request, bundle: CodeBundle): Promise<Response> {
    return this.facet(bundle.hash, async () => bundle).fetch(request);
  }

  /** Drops the app and all its data: staging hosts are thrown away after their tests. */
  async discard(): Promise<void> {
    this.ctx.facets.delete(FACET);
    this.loadedHash = null;
  }

  private facet(codeHash: string, bundle: () => Promise<CodeBundle>): Fetcher {
    if (this.loadedHash !== null && this.loadedHash !== codeHash) {
      this.ctx.facets.abort(FACET, new Error("a new version of the app was deployed"));
    }
    this.loadedHash = codeHash;
    return this.ctx.facets.get(FACET, () => {
      const worker = this.env.LOADER.get(`app:${codeHash}`, async () => appWorkerCode(await bundle()));
      return { class: worker.getDurableObjectClass("App") };
    });
  }
}
