import { WorkerEntrypoint } from "cloudflare:workers";
import { type CodeBundle, setting } from "@aidevos/core";
import { appControlOf, appMonitorOf } from "@aidevos/objects";
import { type MultipartPlan, type MultipartRead, stageMultipart } from "@aidevos/sandbox/multipart";
import {
  deleteFiles,
  type FileListed,
  type FilePut,
  type FilePutOptions,
  type FileRead,
  getFile,
  listFiles,
  promoteFile,
  putFile,
} from "./files";

/** Who a loaded app is: fixed per bundle, so one loaded Worker (cached by code hash) can carry it in its env. */
export interface PlatformProps {
  app: string;
  /** The spec's `outbound` origins: the only ones `ctx.fetch` reaches. */
  outbound: string[];
  /** The spec's `secrets` names: the only values `secrets()` hands over (what ctx.secrets holds). */
  secrets: string[];
}

/**
 * The app's name and outbound origins, read from the bundle's `spec.js` (written by the compiler as
 * `export const SPEC = <JSON>;`). Null when a bundle has none (hand-made test bundles): then the app
 * reads no secrets and reaches nothing.
 */
export function platformPropsOf(bundle: CodeBundle): PlatformProps | null {
  const file = bundle.files.find((f) => f.path === "spec.js");
  if (!file) return null;
  const start = file.content.indexOf("export const SPEC = ");
  const end = file.content.lastIndexOf(";");
  if (start < 0 || end < start) return null;
  try {
    const spec = JSON.parse(file.content.slice(start + "export const SPEC = ".length, end)) as {
      name?: unknown;
      outbound?: unknown;
      secrets?: unknown;
    };
    if (typeof spec.name !== "string") return null;
    const outbound = Array.isArray(spec.outbound) ? spec.outbound.filter((o) => typeof o === "string") : [];
    const secrets = Array.isArray(spec.secrets) ? spec.secrets.filter((s) => typeof s === "string") : [];
    return { app: spec.name, outbound, secrets };
  } catch {
    return null;
  }
}

/**
 * Staging copies: the examples' copy reaches the network like the live app (examples are the
 * user's own statements about it); the copy the generated suites load, fuzz and probe does not,
 * so a deploy never hammers an upstream API (or spends its quota) with test traffic.
 */
export type StagingKind = "examples" | "suites";

function offline(origin: string): Response {
  const message = `staging test suites do not reach the network (${origin}); examples do`;
  return Response.json({ error: { code: "staging_offline", message, details: [] } }, { status: 503 });
}

function blocked(origin: string): Error {
  return new Error(`outbound_blocked: fetch to ${origin} is refused: it is not one of the app's outbound origins`);
}

/**
 * What a sandboxed app reaches of the platform, locally: its loaded Worker runs with
 * `globalOutbound: null` and gets this entrypoint (as `env.PLATFORM`, props fixed by the host) for
 * `ctx.secrets` and `ctx.fetch`. The allow-list is checked here, in the host's isolate, whatever the
 * app's code does; redirects are handed back to the app, never followed to another origin.
 * On Cloudflare the uploaded app's entry builds its PLATFORM instead: its secrets are Worker secrets
 * and its outbound calls go through the guard's allow-listed fetch (the same origins only).
 */
export class AppPlatform extends WorkerEntrypoint<Env, PlatformProps & { staging?: StagingKind }> {
  /** The values of the secrets the spec declares, no others: code that reached env.PLATFORM gains nothing ctx lacks. */
  async secrets(): Promise<Record<string, string>> {
    const declared = new Set(this.ctx.props.secrets ?? []);
    if (declared.size === 0) return {};
    const all = await appControlOf(this.env, this.ctx.props.app).secretValues();
    return Object.fromEntries(Object.entries(all).filter(([name]) => declared.has(name)));
  }

  /**
   * The app's files (AppSpec v3 "Files"), in APP_FILES under the app's own prefix: the runtime names
   * the rest of the key (partition scope, record and field, or a ctx.files key), never another app's.
   */
  async filePut(
    key: string,
    body: ReadableStream<Uint8Array> | string | ArrayBuffer | ArrayBufferView,
    options: FilePutOptions,
  ): Promise<FilePut> {
    return putFile(this.env.APP_FILES, this.fileKey(key), body, options, {
      idleMs: setting(this.env, "AIDEVOS_UPLOAD_IDLE_MS"),
    });
  }

  async fileGet(key: string): Promise<FileRead | null> {
    return getFile(this.env.APP_FILES, this.fileKey(key));
  }

  /**
   * A multipart create or update, read as it arrives: text parts gathered, file parts streamed to
   * staging keys of `plan.stagePrefix` (@aidevos/sandbox/multipart). Outside the sandbox, whose guard
   * charges every byte a native call touches: a 10 MiB body would spend a request's budget there.
   */
  async fileStageMultipart(
    body: ReadableStream<Uint8Array> | null,
    contentType: string,
    plan: MultipartPlan,
  ): Promise<MultipartRead> {
    const idleMs = setting(this.env, "AIDEVOS_UPLOAD_IDLE_MS");
    return stageMultipart(
      body,
      contentType,
      plan,
      (key, stream, options) => this.filePut(key, stream, options),
      (keys) => this.fileDelete(keys),
      idleMs,
    );
  }

  /** A multipart write's staged blob moved to its record's key (files/index.ts promoteFile). */
  async filePromote(from: string, to: string): Promise<void> {
    await promoteFile(this.env.APP_FILES, this.fileKey(from), this.fileKey(to));
  }

  async fileDelete(keys: string[]): Promise<void> {
    await deleteFiles(
      this.env.APP_FILES,
      keys.map((k) => this.fileKey(k)),
    );
  }

  async fileList(prefix: string, limit: number): Promise<FileListed[]> {
    const own = this.fileKey("");
    const listed = await listFiles(this.env.APP_FILES, this.fileKey(prefix), Math.min(Math.max(limit, 0), 1000));
    return listed.map((f) => ({ ...f, key: f.key.slice(own.length) }));
  }

  private fileKey(key: string): string {
    if (typeof key !== "string" || key.length > 2048)
      throw new Error("files: a key is a string of at most 2048 characters");
    // Staging copies keep their files apart from the live app's.
    return `${this.ctx.props.staging ? "staging/" : "apps/"}${this.ctx.props.app}/${key}`;
  }

  async outbound(request: Request): Promise<Response> {
    const { app, outbound, staging } = this.ctx.props;
    const origin = new URL(request.url).origin;
    if (!outbound.includes(origin)) throw blocked(origin);
    if (staging === "suites") return offline(origin);
    const started = Date.now();
    let ok = false;
    try {
      const res = await fetch(new Request(request, { redirect: "manual" }));
      ok = res.status < 500;
      return res;
    } finally {
      // Staging copies run examples: their calls are not the live app's traffic.
      if (!staging)
        this.ctx.waitUntil(
          appMonitorOf(this.env, app)
            .recordOutbound(origin, Date.now() - started, ok)
            .catch((err) => console.warn(`could not count an outbound call of ${app}`, String(err))),
        );
    }
  }
}
