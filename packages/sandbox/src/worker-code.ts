import { type CodeBundle, type GeneratedFile, setting } from "@aidevos/core";
import { parse } from "acorn";
import { ENTRY_FILES } from "./entry-files";
import { DEFAULT_BUDGET_TICKS, GUARD_COMPATIBILITY_FLAGS, GUARD_MODULE, guardSource } from "./guard";
import { HARNESS_MODULE, HARNESS_SOURCE } from "./harness";
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
   * What the app's isolate may hold across requests (guard-runtime/memory.ts): APP_MEMORY_BYTES for a
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

/**
 * The room quotas in the entry of an app that is its own host, as workers/deploy/src/room-limits holds
 * them for the platform's host: a member past the cap is accepted and closed at once with 1008 (a
 * browser cannot read an HTTP refusal of a WebSocket); a member sending more frames a second than the
 * cap is closed with 1008. Frames are counted in memory: a woken object starts counting afresh.
 */
function roomLimitsCode(limits: SandboxOptions["roomLimits"]): string {
  const maxMembers = limits?.maxMembers ?? setting({}, "AIDEVOS_MAX_ROOM_MEMBERS");
  const maxFrames = limits?.maxFramesPerSecond ?? setting({}, "AIDEVOS_MAX_FRAMES_PER_SECOND");
  return `
const ROOM_MEMBERS = ${Number(maxMembers)};
const FRAMES_PER_SECOND = ${Number(maxFrames)};
const CHANNEL_PATH = /\\/channels\\/([^/]+)$/;
const frameCounts = new WeakMap();

function roomFull(ctx, request) {
  if ((request.headers.get("upgrade") ?? "").toLowerCase() !== "websocket") return null;
  const match = CHANNEL_PATH.exec(new URL(request.url).pathname);
  if (!match) return null;
  let members;
  try {
    members = ctx.getWebSockets("channel:" + decodeURIComponent(match[1])).length;
  } catch {
    return null;
  }
  if (members < ROOM_MEMBERS) return null;
  const pair = new WebSocketPair();
  pair[1].accept();
  pair[1].close(1008, "this room is full (" + ROOM_MEMBERS + " members, AIDEVOS_MAX_ROOM_MEMBERS)");
  const protocol = (request.headers.get("sec-websocket-protocol") ?? "").split(",")[0].trim();
  return new Response(null, { status: 101, webSocket: pair[0], headers: protocol ? { "sec-websocket-protocol": protocol } : {} });
}

function tooManyFrames(ws) {
  const second = Math.floor(Date.now() / 1000);
  const seen = frameCounts.get(ws);
  if (!seen || seen.second !== second) {
    frameCounts.set(ws, { second, frames: 1 });
    return false;
  }
  seen.frames += 1;
  if (seen.frames <= FRAMES_PER_SECOND) return false;
  try {
    ws.close(1008, "more than " + FRAMES_PER_SECOND + " frames a second (AIDEVOS_MAX_FRAMES_PER_SECOND)");
  } catch {
    // Frames sent before the close still arrive: the member is already closing.
  }
  return true;
}
`;
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

/**
 * The entry's part of the app's platform. The platform token is never in the env an app's class or
 * handler gets. The class gets `env.PLATFORM`: locally the host's AppPlatform stub (or none, for a
 * bundle without a spec); on Cloudflare (no host) one built here over the Worker's secrets and the
 * guard's allow-listed fetch, which only this module can import. App code sees `ctx`, never `env`;
 * the env is a frozen object without a prototype, so no getter planted on Object.prototype can
 * catch it. Even if code reached it, its fetch reaches the spec's outbound origins only, as ctx.fetch does.
 * The default handler (the runtime's index.js) is told a verified platform call by
 * `AIDEVOS_PLATFORM_CALL`: the /_aidevos/ paths are refused from anyone else, here and there.
 */
const PLATFORM_ENV = `
const PLATFORM_TOKEN_SECRET = ${JSON.stringify(PLATFORM_TOKEN_SECRET)};
const PLATFORM_TOKEN_HEADER = ${JSON.stringify(PLATFORM_TOKEN_HEADER)};
const INTERNAL = /^(\\/k\\/[^/]*)?\\/_aidevos(\\/|$)/;

function withoutToken(env) {
  const own = Object.create(null);
  if (env !== null && typeof env === "object")
    for (const name of Object.keys(env)) if (name !== PLATFORM_TOKEN_SECRET) own[name] = env[name];
  return own;
}

function appEnv(env) {
  const own = withoutToken(env);
  // A host around the app (locally: EXPIRY says so) hands it its platform, or none; without one, it is built here.
  if (own.PLATFORM === undefined && own.EXPIRY === undefined) {
    const secrets = Object.create(null);
    for (const name of Object.keys(own)) if (typeof own[name] === "string") secrets[name] = own[name];
    Object.freeze(secrets);
    __aidevos_secretsSeen(secrets);
    // The app's files: the Worker's APP_FILES bucket under the app's own prefix (both from the deployer).
    const files = own.APP_FILES && FILES_PREFIX ? filesPlatform(own.APP_FILES, FILES_PREFIX) : {};
    own.PLATFORM = Object.freeze({ ...files, secrets: async () => secrets, outbound: (request) => __aidevos_outbound(request) });
    delete own.APP_FILES;
  } else if (own.PLATFORM !== null && typeof own.PLATFORM === "object") {
    own.PLATFORM = tellingSecrets(own.PLATFORM);
  }
  return Object.freeze(own);
}

/**
 * The host's platform, as it is, except that the secret values it hands over are told to the guard
 * first, which then keeps them out of the app's console output (runtime/guard/console.js).
 */
function tellingSecrets(platform) {
  const secrets = async () => {
    const values = await platform.secrets();
    __aidevos_secretsSeen(values);
    return values;
  };
  return new Proxy(Object.create(null), {
    get(_, key) {
      if (key === "secrets") return secrets;
      const value = platform[key];
      return typeof value === "function" ? (...args) => platform[key](...args) : value;
    },
  });
}

function handlerEnv(env, platformCall) {
  const own = withoutToken(env);
  if (platformCall) own.AIDEVOS_PLATFORM_CALL = true;
  return Object.freeze(own);
}
`;

/**
 * Our entry module for an app: it imports the guard first (so its hardening runs before any
 * generated module), runs the bundle's Durable Object class and default handler each inside a
 * fresh per-request budget, and turns a tripped guard into a 503 JSON error, so an endless loop
 * or an allocation bomb costs one failed request, not the runtime.
 */
function appEntry(
  bundle: AppModules,
  budget: number,
  exportAs: string,
  specModule?: string,
  filesPrefix?: string,
  roomLimits?: SandboxOptions["roomLimits"],
): string {
  const main = bundle.files.find((f) => f.path === bundle.mainModule);
  const withDefault = main !== undefined && hasDefaultExport(main.content);
  return `import { __aidevos_within, __aidevos_bounded, __aidevos_timedOut, __aidevos_outbound, __aidevos_platformCall, __aidevos_memorySpent, __aidevos_isSpent, __aidevos_secretsSeen } from "./${GUARD_MODULE}";
${ENGINE_IMPORT}
${specModule ? `import { __aidevos_inSpec, __aidevos_loaded } from "./${specModule}";\n` : ""}import * as main from "./${bundle.mainModule}";

const BUDGET = ${budget};
const Inner = main[${JSON.stringify(bundle.className)}];
const FILES_PREFIX = ${JSON.stringify(filesPrefix ?? null)};
${ENTRY_FILES}
${PLATFORM_ENV}${roomLimitsCode(roomLimits)}
function limited(tripped) {
  const memory = tripped.kind === "memory";
  const error = memory
    ? { code: "memory_limit_exceeded", message: "the app tried to allocate more memory than its sandbox allows", details: [] }
    : { code: "cpu_limit_exceeded", message: "the app used more CPU than its sandbox allows (an endless loop?)", details: [] };
  return Response.json({ error }, { status: 503 });
}

const RELOAD = ${JSON.stringify(MEMORY_RELOAD_HEADER)};

/** The isolate held more than its budget: its app state was reset, or (reload) the host must load a fresh isolate. */
function spentAnswer(reload) {
  const error = { code: "memory_limit_exceeded", message: "the app kept more memory across requests than its sandbox allows; its module-level state starts again", details: [] };
  return Response.json({ error }, { status: 503, headers: reload ? { [RELOAD]: "memory" } : {} });
}

/** An app's own answer never tells the host to reload. */
function withoutReload(response) {
  if (!(response instanceof Response) || !response.headers.has(RELOAD)) return response;
  const copy = new Response(response.body, response);
  copy.headers.delete(RELOAD);
  return copy;
}

function timedOut() {
  const error = { code: "timeout", message: "the app did not answer within its deadline; the work it started was stopped", details: [] };
  return Response.json({ error }, { status: 504 });
}

function answer(probe, response) {
  if (response === __aidevos_timedOut) return timedOut();
  const tripped = probe.tripped();
  return tripped ? limited(tripped) : withoutReload(response);
}

// A spent isolate runs no more app code; the request that found it over its budget answers 503 too.
function guarded(run) {
  if (__aidevos_isSpent()) return spentAnswer(true);
  return __aidevos_within(BUDGET, async (probe) => {
    let response;
    try {
      response = answer(probe, await __aidevos_bounded(run));
    } catch (err) {
      const tripped = probe.tripped();
      if (!tripped) {
        const memory = await __aidevos_memorySpent();
        if (memory > 0) return spentAnswer(memory === 2);
        throw err;
      }
      response = limited(tripped);
    }
    const memory = await __aidevos_memorySpent();
    return memory > 0 ? spentAnswer(memory === 2) : response;
  });
}

/** An invocation without an answer (an alarm, a frame): bounded like a request, past its deadline it just ends. */
function quiet(run) {
  if (__aidevos_isSpent()) return undefined;
  return __aidevos_within(BUDGET, async () => {
    try {
      const result = await __aidevos_bounded(run);
      return result === __aidevos_timedOut ? undefined : result;
    } finally {
      await __aidevos_memorySpent();
    }
  });
}

class Guarded extends Inner {
  constructor(ctx, env) {
    __aidevos_within(BUDGET, () => {
      super(ctx, appEnv(env));
    });
  }

  fetch(request) {
    return roomFull(this.ctx, request) ?? guarded(() => super.fetch(request));
  }

  alarm(info) {
    return quiet(() => (typeof super.alarm === "function" ? super.alarm(info) : undefined));
  }

  // The platform's calls into the app, by RPC only (the runtime's app.js): a budget of their own.
  // A class without them (a bundle of its own code) answers as a runtime from before them did: 404.
  platformCall(name, request) {
    if (typeof super.platformCall !== "function")
      return Response.json({ error: { code: "not_found", message: "route not found", details: [] } }, { status: 404 });
    return guarded(() => super.platformCall(name, request));
  }

  // Channel members of an app that is its own host (its Worker on Cloudflare): each frame has a budget too.
  webSocketMessage(ws, message) {
    if (tooManyFrames(ws)) return;
    return quiet(() => (typeof super.webSocketMessage === "function" ? super.webSocketMessage(ws, message) : undefined));
  }

  webSocketClose(ws, code, reason, wasClean) {
    return quiet(() =>
      typeof super.webSocketClose === "function" ? super.webSocketClose(ws, code, reason, wasClean) : undefined,
    );
  }
}

${specModule ? SHARED_CLASS : ""}
export { ${specModule ? "Shared" : "Guarded"} as ${exportAs} };
${
  withDefault
    ? `
const handler = main.default;
export default {
  async fetch(request, env, ctx) {
    const internal = INTERNAL.test(new URL(request.url).pathname);
    if (internal && !(await __aidevos_platformCall(request, env ? env[PLATFORM_TOKEN_SECRET] : undefined)))
      return Response.json({ error: { code: "not_found", message: "route not found", details: [] } }, { status: 404 });
    const own = new Request(request);
    own.headers.delete(PLATFORM_TOKEN_HEADER);
    return guarded(() => handler.fetch(own, handlerEnv(env, internal), ctx));
  },
};
`
    : ""
}`;
}

/** What an app entry needs of a bundle: its modules, the main one, and the class it exports. */
type AppModules = Pick<CodeBundle, "files" | "mainModule" | "className">;

/**
 * The shared runtime's class: each instance serves the app whose spec the host gave it (as
 * `props.spec`), and every call into it (constructor, fetch, alarm, any other method) runs with that
 * spec as the runtime's SPEC. Instances of many apps live in one isolate; none sees another's spec.
 */
const SHARED_CLASS = `
__aidevos_loaded();
const specs = new WeakMap();

function specOf(props) {
  const spec = props === null || typeof props !== "object" ? undefined : props.spec;
  if (spec === null || typeof spec !== "object" || !Array.isArray(spec.entities))
    throw new TypeError("sandbox: the shared runtime serves an app only with its spec (props.spec)");
  for (const part of ["actions", "schedules", "channels", "outbound"])
    if (Array.isArray(spec[part]) && spec[part].length > 0)
      throw new TypeError("sandbox: an app with " + part + " runs in an isolate of its own, not in the shared runtime");
  return spec;
}

class Shared extends Guarded {
  constructor(ctx, env) {
    const spec = specOf(ctx.props);
    __aidevos_inSpec(spec, () => {
      super(ctx, env);
    });
    specs.set(this, spec);
  }
}

for (let proto = Guarded.prototype; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
  for (const name of Object.getOwnPropertyNames(proto)) {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    if (name === "constructor" || typeof d.value !== "function" || Object.hasOwn(Shared.prototype, name)) continue;
    const method = d.value;
    Object.defineProperty(Shared.prototype, name, {
      ...d,
      value: function (...args) {
        return __aidevos_inSpec(specs.get(this), () => method.apply(this, args));
      },
    });
  }
}
`;

/**
 * The spec module of the shared runtime, in place of the compiler's `spec.js`: `SPEC` reads the
 * spec of the app instance whose call is running (an AsyncLocalStorage store that follows the call
 * across awaits). Code at module level runs once for every app, so it sees an app with nothing in it
 * (no entities, no actions); after load a read outside any app's call is a bug and throws.
 */
const SHARED_SPEC_SOURCE = `import { AsyncLocalStorage } from "node:async_hooks";

const current = new AsyncLocalStorage();
const NONE = Object.freeze([]);
const LOADING = Object.freeze({ name: "", entities: NONE, actions: NONE, counters: NONE, schedules: NONE, channels: NONE });
let loaded = false;

function spec() {
  const store = current.getStore();
  if (store !== undefined) return store;
  if (!loaded) return LOADING;
  throw new Error("sandbox: the shared runtime read SPEC outside an app's call");
}

export const SPEC = new Proxy(Object.create(null), {
  get: (_, key) => Reflect.get(spec(), key),
  has: (_, key) => Reflect.has(spec(), key),
  ownKeys: () => Reflect.ownKeys(spec()),
  getOwnPropertyDescriptor: (_, key) => {
    const d = Reflect.getOwnPropertyDescriptor(spec(), key);
    return d === undefined ? undefined : { ...d, configurable: true };
  },
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
});

export function __aidevos_inSpec(spec, body) {
  return current.getStore() === spec ? body() : current.run(spec, body);
}

export function __aidevos_loaded() {
  loaded = true;
}
`;

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
      [SANDBOX_ENTRY]: appEntry(runtime, opts.budgetTicks ?? DEFAULT_BUDGET_TICKS, "App", specModule),
    },
  };
}

/**
 * Everything of an app that runs anywhere, locally or on Cloudflare: the bundle's source modules
 * instrumented, the guard and our entry (the main module), which exports the guarded class as
 * `exportAs`. The Cloudflare deployer uploads exactly these modules.
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
      [SANDBOX_ENTRY]: appEntry(
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
 * harness, and an entry that runs the registered cases in order, each with a fresh budget, and
 * answers their results as JSON.
 */
export function unitTestWorkerCode(bundle: CodeBundle, opts: SandboxOptions = {}): WorkerLoaderWorkerCode {
  const budget = opts.budgetTicks ?? DEFAULT_BUDGET_TICKS;
  const tests = bundle.files.filter((f) => f.role === "test");
  const entry = `import { __aidevos_within, __aidevos_bounded, __aidevos_timedOut } from "./${GUARD_MODULE}";
${ENGINE_IMPORT}
${tests.map((t) => `import "./${t.path}";`).join("\n")}
import { __aidevos_cases } from "./${HARNESS_MODULE}";

function run(c) {
  return __aidevos_within(${budget}, async (probe) => {
    const started = Date.now();
    try {
      if ((await __aidevos_bounded(() => c.body())) === __aidevos_timedOut)
        return { name: c.name, ok: false, message: "the test did not finish within its deadline (a promise that never settles?)", durationMs: Date.now() - started };
      return { name: c.name, ok: true, durationMs: Date.now() - started };
    } catch (err) {
      const tripped = probe.tripped();
      const message = !tripped
        ? String(err && err.message !== undefined ? err.message : err)
        : tripped.kind === "memory"
          ? tripped.message
          : "CPU budget exceeded: an endless loop or runaway recursion";
      return { name: c.name, ok: false, message: message.slice(0, 2000), durationMs: Date.now() - started };
    }
  });
}

export default {
  async fetch() {
    const results = [];
    for (let i = 0; i < __aidevos_cases.length; i++) results.push(await run(__aidevos_cases[i]));
    return Response.json(results);
  },
};
`;
  return {
    ...base(opts, UNIT_TESTS_CPU_MS),
    mainModule: SANDBOX_ENTRY,
    modules: {
      ...instrumented(bundle.files),
      [HARNESS_MODULE]: HARNESS_SOURCE,
      ...guardModules(opts),
      [SANDBOX_ENTRY]: entry,
    },
  };
}
