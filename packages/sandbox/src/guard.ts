/// <reference path="./runtime-modules.d.ts" />
// The guard is real JavaScript (runtime/guard/*.js: linted by biome, type-checked by its tsconfig.json)
// imported here as its source text, as the compiler imports its runtime (`#sandbox/*` is this package's
// subpath import; wrangler's Text rule and the vitest plugin hand the files over as text).
import GUARD_BUDGET from "#sandbox/guard/budget.js";
import GUARD_CONSOLE from "#sandbox/guard/console.js";
import GUARD_FROM_STRINGS from "#sandbox/guard/from-strings.js";
import GUARD_INTERFACE from "#sandbox/guard/interface.js";
import GUARD_LINEAR_REGEXP from "#sandbox/guard/linear-regexp.js";
import GUARD_MEMORY from "#sandbox/guard/memory.js";
import GUARD_MEMORY_END from "#sandbox/guard/memory-end.js";
import GUARD_NATIVE_ARRAYS from "#sandbox/guard/native-arrays.js";
import GUARD_NATIVE_BUFFERS from "#sandbox/guard/native-buffers.js";
import GUARD_NATIVE_TEXT from "#sandbox/guard/native-text.js";
import GUARD_OUTBOUND from "#sandbox/guard/outbound.js";
import GUARD_PLATFORM_CALL from "#sandbox/guard/platform-call.js";
import GUARD_PRELUDE from "#sandbox/guard/prelude.js";
import GUARD_TIMERS from "#sandbox/guard/timers.js";
import { PLATFORM_TOKEN_HEADER } from "./platform-token";

/**
 * The guard module as it runs: one ES module, its imports and exports first, then its body in this
 * order (budgets first: the rest charges them). The parts share the module's scope.
 */
const GUARD_RUNTIME = [
  GUARD_INTERFACE,
  GUARD_PRELUDE,
  GUARD_BUDGET,
  GUARD_MEMORY,
  GUARD_TIMERS,
  GUARD_FROM_STRINGS,
  GUARD_LINEAR_REGEXP,
  GUARD_OUTBOUND,
  GUARD_PLATFORM_CALL,
  GUARD_NATIVE_ARRAYS,
  GUARD_NATIVE_BUFFERS,
  GUARD_NATIVE_TEXT,
  GUARD_CONSOLE,
  GUARD_MEMORY_END,
].join("\n");

/** The module every instrumented module imports. Its name starts with `__aidevos`, which generated code may not mention. */
export const GUARD_MODULE = "__aidevos_guard.js";
export const TICK = "__aidevos_tick";
/** Wraps the specifier of every dynamic `import()`: only the bundle's own modules may be loaded. */
export const IMPORT_CHECK = "__aidevos_specifier";
/** Registers a module's module-level bindings for the memory walk (runtime/guard/memory.js). */
export const HELD = "__aidevos_held";
/** Registers a module's default export for the memory walk. */
export const KEEP = "__aidevos_keep";
/** Wraps every `+`, `+=` and template literal: no string longer than one allocation. */
export const STR = "__aidevos_str";

/** Guard ticks allowed per invocation before the code is taken to be spinning. */
export const DEFAULT_BUDGET_TICKS = 5_000_000;
/**
 * The wall-clock time a request (an app's fetch, alarm or channel frame; a unit test case) may take
 * before it answers 504 `timeout` and everything it started is stopped. The app host passes the
 * AIDEVOS_ACTION_TIMEOUT_MS setting, whose default this is.
 */
const DEFAULT_DEADLINE_MS = 30_000;
/** The largest single allocation (a buffer, a typed array, a string or an array of 8-byte slots). */
const DEFAULT_MAX_ALLOCATION_BYTES = 32 * 1024 * 1024;
/** How much an isolate produces (bytes allocated, ticks at 8 bytes) between two walks of what it holds. */
const MEMORY_WALK_EVERY = 16 * 1024 * 1024;

/** The flag the guard needs: per-request budgets live in an AsyncLocalStorage (`node:async_hooks`). */
export const GUARD_COMPATIBILITY_FLAGS = ["nodejs_als"];

export interface GuardOptions {
  /** Ticks allowed for module load and for each constructor outside a request. */
  loadBudgetTicks?: number;
  maxAllocationBytes?: number;
  /** Wall-clock time per request; DEFAULT_DEADLINE_MS when unset. */
  deadlineMs?: number;
  /**
   * Origins (`https://api.example.com`) the app's ctx.fetch may reach through `__aidevos_outbound`
   * (our entry module's alone). The global fetch() and `new WebSocket()` are refused whatever this says.
   */
  outboundOrigins?: readonly string[];
  /**
   * What an isolate may hold across requests (memory.js measures it); over it the isolate is spent and
   * every request answers 503 `memory_limit_exceeded` until the host loads a fresh one. 0: no budget.
   */
  memoryBudgetBytes?: number;
}

/**
 * The guard module's source. Evaluated before any generated module (each one imports it first),
 * it refuses code built from strings, meters native bulk work, blocks outbound network, keeps
 * a tick budget per request and ends each request's work with its response or its deadline. The runtime
 * itself is in runtime/guard/; only its limits vary.
 */
export function guardSource(opts: GuardOptions = {}): string {
  const config = {
    loadBudget: opts.loadBudgetTicks ?? DEFAULT_BUDGET_TICKS,
    maxBytes: opts.maxAllocationBytes ?? DEFAULT_MAX_ALLOCATION_BYTES,
    deadlineMs: opts.deadlineMs ?? DEFAULT_DEADLINE_MS,
    memoryBudget: opts.memoryBudgetBytes ?? 0,
    memoryWalkEvery: MEMORY_WALK_EVERY,
    outbound: [...(opts.outboundOrigins ?? [])],
    platformTokenHeader: PLATFORM_TOKEN_HEADER,
  };
  return GUARD_RUNTIME.replace("/*CONFIG*/ {}", JSON.stringify(config));
}

export const GUARD_SOURCE = guardSource();

/** The import path of the guard from a module at `file` (modules may sit in folders). */
export function guardImportPath(file: string): string {
  const depth = file.split("/").length - 1;
  return `${depth === 0 ? "./" : "../".repeat(depth)}${GUARD_MODULE}`;
}
