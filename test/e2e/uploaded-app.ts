// The app Worker exactly as CloudflareDeployer uploads it, served by `wrangler dev`: the sandboxed modules, the
// compatibility date and flags, APP bound to the App class with its SQLite migration, APP_FILES to the files bucket. Tests may add modules (a test
// entry wrapping the uploaded one) and Worker settings, and other Workers' configs (a tail consumer).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { AppSpec } from "@aidevos/core";
import { type DevServer, startWranglerDev } from "./wrangler-dev";

/**
 * The compiler and what the deployer uploads (@aidevos/sandbox), imported at run time: their Workers types and
 * runtime-as-text modules are outside Node's type-check (tsconfig.node.json).
 */
interface Compiler {
  compileApp(spec: AppSpec): Promise<unknown>;
}
interface Sandbox {
  SANDBOX_COMPATIBILITY_DATE: string;
  SANDBOX_COMPATIBILITY_FLAGS: readonly string[];
  sandboxedApp(
    bundle: unknown,
    opts?: {
      outboundOrigins?: string[];
      filesPrefix?: string;
      roomLimits?: { maxMembers: number; maxFramesPerSecond: number };
    },
  ): { mainModule: string; modules: Record<string, string> };
}
const SANDBOX_PACKAGE = "@aidevos/sandbox";
const COMPILER_PACKAGE = "@aidevos/compiler";

export interface UploadedAppOptions {
  /** The spec's outbound origins, as AppControlDO hands them to the guard. */
  outboundOrigins?: string[];
  /** The channel room quotas AppControlDO hands the entry (the settings' defaults when unset). */
  roomLimits?: { maxMembers: number; maxFramesPerSecond: number };
  /** More modules beside the uploaded ones (a test entry), by path. */
  modules?: Record<string, string>;
  /** The module served first; the uploaded entry by default. */
  main?: string;
  /** More lines of the Worker's wrangler.toml (tail consumers, services, vars). */
  settings?: string;
  /** Other Workers served beside it: their wrangler.toml texts, by file name (in the same folder). */
  others?: Record<string, string>;
  /** What answers (below 500) once the Worker is up. */
  readyPath: string;
}

/** Compiles `spec`, writes the upload to a folder of its own and serves it; stopping the server removes the folder. */
export async function serveUploadedApp(spec: AppSpec, options: UploadedAppOptions): Promise<DevServer> {
  const dir = mkdtempSync(join(tmpdir(), `aidevos-${spec.name}-`));
  const { SANDBOX_COMPATIBILITY_DATE, SANDBOX_COMPATIBILITY_FLAGS, sandboxedApp } = (await import(
    /* @vite-ignore */ SANDBOX_PACKAGE
  )) as Sandbox;
  const { compileApp } = (await import(/* @vite-ignore */ COMPILER_PACKAGE)) as Compiler;
  const app = sandboxedApp(await compileApp(spec), {
    outboundOrigins: options.outboundOrigins ?? [],
    filesPrefix: `apps/${spec.name}/`,
    ...(options.roomLimits ? { roomLimits: options.roomLimits } : {}),
  });
  for (const [path, content] of Object.entries({ ...app.modules, ...options.modules })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  // What CloudflareDeployer's metadata declares: the entry, the date and flags, APP bound to App, a SQLite
  // migration, and the platform's files bucket as APP_FILES.
  writeFileSync(
    join(dir, "wrangler.toml"),
    `name = "${spec.name}"
main = "${options.main ?? app.mainModule}"
compatibility_date = "${SANDBOX_COMPATIBILITY_DATE}"
compatibility_flags = ${JSON.stringify(SANDBOX_COMPATIBILITY_FLAGS)}
no_bundle = true
rules = [{ type = "ESModule", globs = ["**/*.js"] }]
durable_objects.bindings = [{ name = "APP", class_name = "App" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["App"] }]
r2_buckets = [{ binding = "APP_FILES", bucket_name = "aidevos-app-files" }]
${options.settings ?? ""}`,
  );
  for (const [file, toml] of Object.entries(options.others ?? {})) writeFileSync(join(dir, file), toml);
  const dev = await startWranglerDev({
    configs: [join(dir, "wrangler.toml"), ...Object.keys(options.others ?? {}).map((file) => join(dir, file))],
    readyPath: options.readyPath,
  });
  return {
    ...dev,
    async stop() {
      await dev.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The compatibility date apps are uploaded with, for the other Workers a test serves beside one. */
export async function uploadedCompatibilityDate(): Promise<string> {
  return ((await import(/* @vite-ignore */ SANDBOX_PACKAGE)) as Sandbox).SANDBOX_COMPATIBILITY_DATE;
}
