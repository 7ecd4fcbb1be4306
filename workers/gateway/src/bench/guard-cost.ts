import {
  guardModules,
  instrumentModule,
  SANDBOX_COMPATIBILITY_DATE,
  SANDBOX_COMPATIBILITY_FLAGS,
} from "@aidevos/sandbox";

/**
 * The guard's cost on ordinary code (`pnpm bench`, bench/guard.run.ts): one CPU-heavy piece of app
 * code — sort 10,000 records with a comparator, then a 1 MiB JSON round trip — loaded twice, once
 * as the sandbox runs app code (instrumented: ticks, `+` checks, module roots; the guard with its
 * native charging, a per-request budget and deadline, and the memory walk at the end) and once as it
 * is, with nothing of the sandbox. Both Workers are loaded the same way; only the sandbox differs.
 */
const WORKLOAD = `export function work() {
  const records = [];
  for (let i = 0; i < 10000; i++) {
    records.push({ id: i, name: "user-" + ((i * 7919) % 10007), score: (i * 104729) % 1000, tags: ["t" + (i % 10), "all"] });
  }
  records.sort((a, b) => a.score - b.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rows = [];
  let bytes = 0;
  for (let i = 0; bytes < 1048576; i++) {
    const row = { id: i, title: \`row \${i} of the report\`, score: records[i % records.length].score, ok: i % 3 === 0 };
    rows.push(row);
    bytes += 64;
  }
  const text = JSON.stringify({ rows });
  const back = JSON.parse(text);
  return { first: records[0].id, last: records[records.length - 1].id, chars: text.length, rows: back.rows.length };
}
`;

const BUDGET_TICKS = 5_000_000;
const MEMORY_BUDGET = 128 * 1024 * 1024;

const GUARDED_ENTRY = `import { __aidevos_within, __aidevos_bounded, __aidevos_memorySpent } from "./__aidevos_guard.js";
import "./__aidevos_re2.js";
import { work } from "./work.js";
export default {
  fetch() {
    return __aidevos_within(${BUDGET_TICKS}, async () => {
      const out = await __aidevos_bounded(() => work());
      return Response.json({ ...out, spent: await __aidevos_memorySpent() });
    });
  },
};
`;

const BARE_ENTRY = `import { work } from "./work.js";
export default {
  async fetch() {
    return Response.json({ ...work(), spent: false });
  },
};
`;

function code(guarded: boolean): WorkerLoaderWorkerCode {
  return {
    compatibilityDate: SANDBOX_COMPATIBILITY_DATE,
    compatibilityFlags: [...SANDBOX_COMPATIBILITY_FLAGS],
    globalOutbound: null,
    mainModule: "entry.js",
    modules: guarded
      ? {
          ...guardModules({ memoryBudgetBytes: MEMORY_BUDGET }),
          "work.js": instrumentModule(WORKLOAD, "work.js"),
          "entry.js": GUARDED_ENTRY,
        }
      : { "work.js": WORKLOAD, "entry.js": BARE_ENTRY },
  };
}

/** Runs the workload once in the sandboxed Worker (`guarded`) or the bare one; the caller times it. */
export async function guardCost(loader: WorkerLoader, guarded: boolean): Promise<Response> {
  const id = guarded ? "bench-guard-cost:on" : "bench-guard-cost:off";
  return loader
    .get(id, () => code(guarded))
    .getEntrypoint()
    .fetch("http://bench/");
}
