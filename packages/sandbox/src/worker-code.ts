/// <reference path="./runtime-modules.d.ts" />
import { type CodeBundle, type GeneratedFile, setting } from "@aidevos/core";
import { parse } from "acorn";
// Our entries' runtime is real JavaScript (runtime/*.js: linted by biome, type-checked by
// runtime/tsconfig.json), imported as its source text like the guard (see guard.ts). Each file is
// one module of the loaded Worker, under its own name; only the small generated entry and
// __aidevos_config.js vary by app.
import APP_ENTRY_RUNTIME from "#sandbox/__aidevos_app.js";
import FILES_RUNTIME from "#sandbox/__aidevos_files.js";
import MULTIPART_RUNTIME from "#sandbox/__aidevos_multipart.js";
import SHARED_CLASS_RUNTIME from "#sandbox/__aidevos_shared.js";
import UNIT_TESTS_RUNTIME from "#sandbox/__aidevos_unit_tests.js";
import HARNESS_SOURCE from "#sandbox/__harness.js";
import SHARED_SPEC_SOURCE from "#sandbox/shared-spec.js";
import { DEFAULT_BUDGET_TICKS, GUARD_COMPATIBILITY_FLAGS, GUARD_MODULE, guardSource } from "./guard";
import { instrumentModule } from "./instrument";
import { linearEngineSource, RE2_MODULE } from "./linear-engine";
import { PLATFORM_TOKEN_HEADER, PLATFORM_TOKEN_SECRET } from "./platform-token";

export interface SandboxOptions {
  /** Guard ticks per invocation (a request, an alarm, a test case). */
  budgetTicks?: number;
  /**
   * The Worker Loader's `limits.cpuMs`: enforced by Cloudflare (also on uploaded apps); workerd under
   * `wrangler dev` ignores it (docs/security.md, measured), which is why the guard exists.
   */
  cpuMs?: number;
  /** The Worker Loader's `limits.subRequests` per invocation: enforced by Cloudflare, ignored by workerd locally. */
  subRequests?: number;
  compatibilityDate?: string;
  /** The largest single allocation the guard lets through. */
  maxAllocationBytes?: number;
  /**
   * Where an uploaded app Worker keeps its files in its APP_FILES bucket (`apps/<app>/`, as the host's
   * AppPlatform does locally); locally the host hands the app its platform and this is unused.
   */
  filesPrefix?: string;
  /** Origins the app may fetch; none by default. */
  outboundOrigins?: readonly string[];
  /** Wall-clock time per request (then 504 `timeout`); the guard's DEFAULT_DEADLINE_MS when unset. */
  deadlineMs?: number;
  /**
   * What the app's isolate may hold across requests (runtime/guard/memory.js): APP_MEMORY_BYTES for a
   * served app's own Worker. None for the shared runtime (no app code runs there) nor for the Worker
   * uploaded to Cloudflare, which has no host to reload it and the platform's 128 MB per isolate.
   */
  memoryBudgetBytes?: number;
  /**
   * The channel room quotas where the app is its own host (its Worker on Cloudflare; locally the
   * platform's host holds them): AIDEVOS_MAX_ROOM_MEMBERS and AIDEVOS_MAX_FRAMES_PER_SECOND, their
   * defaults when unset.
   */
  roomLimits?: { maxMembers: number; maxFramesPerSecond: number };
}

export const SANDBOX_COMPATIBILITY_DATE = "2026-11-01";
export const SANDBOX_COMPATIBILITY_FLAGS: readonly string[] = GUARD_COMPATIBILITY_FLAGS;
/** CPU per request that Cloudflare (and the loader, where enforced) allows a served app. */
export const APP_CPU_MS = 100;
/** What a served app's isolate may hold across requests: Cloudflare's memory per isolate. */
const APP_MEMORY_BYTES = 128 * 1024 * 1024;
/**
 * On an answer from a loaded app Worker: its isolate is spent (over its memory budget) and its host
 * must load a fresh one. Only our entry sets it; an app's own answer never carries it.
 */
export const MEMORY_RELOAD_HEADER = "x-aidevos-reload";
/**
 * Subrequests per invocation a loaded app Worker may make (its platform calls: secrets, ctx.fetch
 * through the host's entrypoint). Cloudflare's own default for a Worker on the free plan is 50.
 */
const APP_SUBREQUESTS = 50;
/** CPU for one run of a bundle's unit tests (every case in one invocation). */
const UNIT_TESTS_CPU_MS = 5_000;
const SANDBOX_ENTRY = "__aidevos_entry.js";
/** The module generated unit tests import: `import { describe, it, expect } from "./__harness.js"`. */
const HARNESS_MODULE = "__harness.js";
/** What an entry's runtime reads of its Worker (runtime/__aidevos_config.d.ts): written per Worker. */
const CONFIG_MODULE = "__aidevos_config.js";
const APP_ENTRY_MODULE = "__aidevos_app.js";
const FILES_MODULE = "__aidevos_files.js";
const MULTIPART_MODULE = "__aidevos_multipart.js";
const SHARED_CLASS_MODULE = "__aidevos_shared.js";
const UNIT_TESTS_MODULE = "__aidevos_unit_tests.js";

/**
 * The app's own code, whose module-level state a memory reset empties: action and module code
 * (`actions/`), or every module of a bundle that is not the compiler's runtime (hand-made bundles).
 */
function isAppCode(file: GeneratedFile, files: readonly GeneratedFile[]): boolean {
  return file.path.startsWith("actions/") || !files.some((f) => f.path === "actions.js");
}

function instrumented(files: readonly GeneratedFile[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [f.path, instrumentModule(f.content, f.path, isAppCode(f, files))]));
}

/**
 * The sandbox's own modules in every loaded Worker: the guard and the linear-time regex engine it
 * matches every RegExp with. An entry imports the guard first and the engine second.
 */
export function guardModules(opts: SandboxOptions = {}): Record<string, string> {
  return {
    [GUARD_MODULE]: guardSource({
      maxAllocationBytes: opts.maxAllocationBytes,
      outboundOrigins: opts.outboundOrigins,
      deadlineMs: opts.deadlineMs,
      memoryBudgetBytes: opts.memoryBudgetBytes,
    }),
    [RE2_MODULE]: linearEngineSource(),
  };
}

const ENGINE_IMPORT = `import "./${RE2_MODULE}";`;

function base(opts: SandboxOptions, cpuMs: number) {
  const limits = { cpuMs: opts.cpuMs ?? cpuMs, subRequests: opts.subRequests ?? APP_SUBREQUESTS };
  return {
    compatibilityDate: opts.compatibilityDate ?? SANDBOX_COMPATIBILITY_DATE,
    compatibilityFlags: [...SANDBOX_COMPATIBILITY_FLAGS],
    // No network, a second time: the guard already refuses fetch(); the platform refuses the rest.
    globalOutbound: null,
    // Apps run as facets, which cannot set alarms: generated apps then expire records on request.
    env: { EXPIRY: "on-request" },
    // Every loaded app Worker carries the loader's limits. Cloudflare enforces them; workerd locally does
    // not (its server has only a no-op limit enforcer), so locally the guard's budgets are what holds.
    limits,
  };
}

function hasDefaultExport(source: string): boolean {
  const ast = parse(source, { ecmaVersion: "latest", sourceType: "module" }) as unknown as {
    body: { type: string; specifiers?: { exported: { name?: string; value?: string } }[] }[];
  };
  return ast.body.some(
    (n) =>
      n.type === "ExportDefaultDeclaration" ||
      (n.type === "ExportNamedDeclaration" &&
        (n.specifiers ?? []).some((s) => (s.exported.name ?? s.exported.value) === "default")),
  );
}

/** What an app entry needs of a bundle: its modules, the main one, and the class it exports. */
type AppModules = Pick<CodeBundle, "files" | "mainModule" | "className">;

/** The data an entry's runtime reads (runtime/__aidevos_config.d.ts), as the module __aidevos_config.js. */
function configModule(config: Record<string, unknown>): string {
  return `export default ${JSON.stringify(config)};\n`;
}

/**
 * The room quotas where the app is its own host (its Worker on Cloudflare; locally the platform's host
 * holds them): AIDEVOS_MAX_ROOM_MEMBERS and AIDEVOS_MAX_FRAMES_PER_SECOND, their defaults when unset.
 */
function roomQuotas(limits: SandboxOptions["roomLimits"]) {
  const maxMembers = limits?.maxMembers ?? setting({}, "AIDEVOS_MAX_ROOM_MEMBERS");
  const maxFrames = limits?.maxFramesPerSecond ?? setting({}, "AIDEVOS_MAX_FRAMES_PER_SECOND");
  return { roomMembers: Number(maxMembers), framesPerSecond: Number(maxFrames) };
}

/**
 * Our entry for an app, and the modules of its runtime (runtime/__aidevos_app.js, which says what it
 * does). The entry is all that is generated: it imports the guard first (so its hardening runs before
 * any generated module), the engine second, then the app's main module, and exports the bundle's
 * class guarded as `exportAs` (for the shared runtime, wrapped once more to serve each app with its
 * spec: runtime/__aidevos_shared.js) and, if the main module has one, its default handler guarded.
 */
function appEntry(
  bundle: AppModules,
  budget: number,
  exportAs: string,
  specModule?: string,
  filesPrefix?: string,
  roomLimits?: SandboxOptions["roomLimits"],
): Record<string, string> {
  const main = bundle.files.find((f) => f.path === bundle.mainModule);
  const withDefault = main !== undefined && hasDefaultExport(main.content);
  const guardedClass = `guardedClass(main[${JSON.stringify(bundle.className)}])`;
  const uses = ["guardedClass", ...(withDefault ? ["guardedHandler"] : [])].join(", ");
  const entry = `import "./${GUARD_MODULE}";
${ENGINE_IMPORT}
${specModule ? `import { __aidevos_inSpec, __aidevos_loaded } from "./${specModule}";\n` : ""}import * as main from "./${bundle.mainModule}";
import { ${uses} } from "./${APP_ENTRY_MODULE}";
${specModule ? `import { sharedClass } from "./${SHARED_CLASS_MODULE}";\n` : ""}
${
  specModule
    ? `const Shared = sharedClass(${guardedClass}, __aidevos_inSpec, __aidevos_loaded);\nexport { Shared as ${exportAs} };`
    : `const Guarded = ${guardedClass};\nexport { Guarded as ${exportAs} };`
}
${withDefault ? "export default guardedHandler(main.default);\n" : ""}`;
  const config = {
    budget,
    filesPrefix: filesPrefix ?? null,
    ...roomQuotas(roomLimits),
    platformTokenSecret: PLATFORM_TOKEN_SECRET,
    platformTokenHeader: PLATFORM_TOKEN_HEADER,
    reloadHeader: MEMORY_RELOAD_HEADER,
  };
  return {
    [CONFIG_MODULE]: configModule(config),
    [FILES_MODULE]: FILES_RUNTIME,
    [MULTIPART_MODULE]: MULTIPART_RUNTIME,
    [APP_ENTRY_MODULE]: APP_ENTRY_RUNTIME,
    ...(specModule ? { [SHARED_CLASS_MODULE]: SHARED_CLASS_RUNTIME } : {}),
    [SANDBOX_ENTRY]: entry,
  };
}

/**
 * The Worker that serves every app without actions (@aidevos/compiler, sharedRuntime): the
 * runtime's modules instrumented and guarded like any app's, `specModule` supplied here, and the
 * class `App`, whose instances each take their app's spec from the host (`props.spec` of
 * `getDurableObjectClass`). Loaded once, it holds no app's code and no app's data.
 */
export function sharedAppWorkerCode(
  runtime: AppModules,
  specModule: string,
  opts: SandboxOptions = {},
): WorkerLoaderWorkerCode {
  const sources = runtime.files.filter((f) => f.role === "source" && f.path !== specModule);
  return {
    ...base(opts, APP_CPU_MS),
    mainModule: SANDBOX_ENTRY,
    modules: {
      ...instrumented(sources),
      [specModule]: SHARED_SPEC_SOURCE,
      ...guardModules(opts),
      ...appEntry(runtime, opts.budgetTicks ?? DEFAULT_BUDGET_TICKS, "App", specModule),
    },
  };
}

/**
 * Everything of an app that runs anywhere, locally or on Cloudflare: the bundle's source modules
 * instrumented, the guard, our entry (the main module), which exports the guarded class as
 * `exportAs`, and its runtime. The Cloudflare deployer uploads exactly these modules.
 */
export function sandboxedApp(
  bundle: CodeBundle,
  opts: SandboxOptions = {},
  exportAs = bundle.className,
): { mainModule: string; modules: Record<string, string> } {
  const sources = bundle.files.filter((f) => f.role === "source");
  return {
    mainModule: SANDBOX_ENTRY,
    modules: {
      ...instrumented(sources),
      ...guardModules(opts),
      ...appEntry(
        bundle,
        opts.budgetTicks ?? DEFAULT_BUDGET_TICKS,
        exportAs,
        undefined,
        opts.filesPrefix,
        opts.roomLimits,
      ),
    },
  };
}

/** The dynamic Worker that serves an app bundle locally as the Durable Object class `App`. */
export function appWorkerCode(bundle: CodeBundle, opts: SandboxOptions = {}): WorkerLoaderWorkerCode {
  const own = { ...opts, memoryBudgetBytes: opts.memoryBudgetBytes ?? APP_MEMORY_BYTES };
  return { ...base(own, APP_CPU_MS), ...sandboxedApp(bundle, own, "App") };
}

/**
 * The Worker that runs a bundle's unit tests: every source and test module instrumented, our
 * harness (runtime/__harness.js), and an entry that imports them all, then runtime/__aidevos_unit_tests.js,
 * which runs the registered cases in order, each with a fresh budget, and answers their results as JSON.
 */
export function unitTestWorkerCode(bundle: CodeBundle, opts: SandboxOptions = {}): WorkerLoaderWorkerCode {
  const budget = opts.budgetTicks ?? DEFAULT_BUDGET_TICKS;
  const tests = bundle.files.filter((f) => f.role === "test");
  const entry = `import "./${GUARD_MODULE}";
${ENGINE_IMPORT}
${tests.map((t) => `import "./${t.path}";`).join("\n")}
export { default } from "./${UNIT_TESTS_MODULE}";
`;
  return {
    ...base(opts, UNIT_TESTS_CPU_MS),
    mainModule: SANDBOX_ENTRY,
    modules: {
      ...instrumented(bundle.files),
      [HARNESS_MODULE]: HARNESS_SOURCE,
      ...guardModules(opts),
      [CONFIG_MODULE]: configModule({ budget }),
      [UNIT_TESTS_MODULE]: UNIT_TESTS_RUNTIME,
      [SANDBOX_ENTRY]: entry,
    },
  };
}
