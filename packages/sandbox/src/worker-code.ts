import type { CodeBundle, GeneratedFile } from "@aidevos/core";
import { DEFAULT_BUDGET_TICKS, GUARD_MODULE, GUARD_SOURCE } from "./guard";
import { HARNESS_MODULE, HARNESS_SOURCE } from "./harness";
import { instrumentModule } from "./instrument";

export interface SandboxOptions {
  /** Guard ticks per invocation (a request, an alarm, a test case). */
  budgetTicks?: number;
  /** Enforced by Cloudflare in production; workerd ignores it locally, which is why the guard exists. */
  cpuMs?: number;
  compatibilityDate?: string;
}

export const SANDBOX_COMPATIBILITY_DATE = "2026-11-01";
const ENTRY = "__aidevos_entry.js";

function instrumented(files: readonly GeneratedFile[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [f.path, instrumentModule(f.content, f.path)]));
}

function base(opts: SandboxOptions, cpuMs: number) {
  return {
    compatibilityDate: opts.compatibilityDate ?? SANDBOX_COMPATIBILITY_DATE,
    // No network: fetch() and connect() throw inside the sandbox.
    globalOutbound: null,
    // Apps run as facets, which cannot set alarms: generated apps then expire records on request.
    env: { EXPIRY: "on-request" },
    limits: { cpuMs: opts.cpuMs ?? cpuMs },
  };
}

/**
 * The Worker that serves an app bundle as the Durable Object class `App`. Our entry wraps the
 * bundle's class: it resets the guard on every request and alarm and turns a tripped guard into a
 * 503 JSON error, so an endless loop costs one failed request, not the runtime.
 */
export function appWorkerCode(bundle: CodeBundle, opts: SandboxOptions = {}): WorkerLoaderWorkerCode {
  const budget = opts.budgetTicks ?? DEFAULT_BUDGET_TICKS;
  const entry = `import { ${bundle.className} as Inner } from "./${bundle.mainModule}";
import { __aidevos_reset, __aidevos_tripped } from "./${GUARD_MODULE}";

function limited() {
  return Response.json(
    { error: { code: "cpu_limit_exceeded", message: "the app used more CPU than its sandbox allows (an endless loop?)", details: [] } },
    { status: 503 },
  );
}

export class App extends Inner {
  async fetch(request) {
    __aidevos_reset(${budget});
    try {
      const response = await super.fetch(request);
      return __aidevos_tripped() ? limited() : response;
    } catch (err) {
      if (__aidevos_tripped()) return limited();
      throw err;
    }
  }

  async alarm(info) {
    __aidevos_reset(${budget});
    if (typeof super.alarm === "function") return super.alarm(info);
  }
}
`;
  const sources = bundle.files.filter((f) => f.role === "source");
  return {
    ...base(opts, 100),
    mainModule: ENTRY,
    modules: { ...instrumented(sources), [GUARD_MODULE]: GUARD_SOURCE, [ENTRY]: entry },
  };
}

/**
 * The Worker that runs a bundle's unit tests: every source and test module instrumented, our
 * harness, and an entry that runs the registered cases in order and answers their results as JSON.
 */
export function unitTestWorkerCode(bundle: CodeBundle, opts: SandboxOptions = {}): WorkerLoaderWorkerCode {
  const budget = opts.budgetTicks ?? DEFAULT_BUDGET_TICKS;
  const tests = bundle.files.filter((f) => f.role === "test");
  const entry = `${tests.map((t) => `import "./${t.path}";`).join("\n")}
import { __aidevos_cases } from "./${HARNESS_MODULE}";
import { __aidevos_reset, __aidevos_tripped } from "./${GUARD_MODULE}";

export default {
  async fetch() {
    const results = [];
    for (const c of __aidevos_cases) {
      __aidevos_reset(${budget});
      const started = Date.now();
      try {
        await c.body();
        results.push({ name: c.name, ok: true, durationMs: Date.now() - started });
      } catch (err) {
        const message = __aidevos_tripped()
          ? "CPU budget exceeded: an endless loop or runaway recursion"
          : String(err && err.message !== undefined ? err.message : err);
        results.push({ name: c.name, ok: false, message: message.slice(0, 2000), durationMs: Date.now() - started });
      }
    }
    return Response.json(results);
  },
};
`;
  return {
    ...base(opts, 5_000),
    mainModule: ENTRY,
    modules: {
      ...instrumented(bundle.files),
      [HARNESS_MODULE]: HARNESS_SOURCE,
      [GUARD_MODULE]: GUARD_SOURCE,
      [ENTRY]: entry,
    },
  };
}
