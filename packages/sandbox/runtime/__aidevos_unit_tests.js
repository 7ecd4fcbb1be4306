/**
 * The entry's runtime for a bundle's unit tests: the generated entry (worker-code.ts, unitTestWorkerCode)
 * imports the guard, the engine and every test module (each registers its cases with the harness),
 * then this, which runs the registered cases in order, each with a fresh budget
 * (__aidevos_config.js), and answers their results as JSON.
 */
import CONFIG from "./__aidevos_config.js";
import { __aidevos_bounded, __aidevos_timedOut, __aidevos_within } from "./__aidevos_guard.js";
import { __aidevos_cases } from "./__harness.js";

function run(c) {
  return __aidevos_within(CONFIG.budget, async (probe) => {
    const started = Date.now();
    try {
      if ((await __aidevos_bounded(() => c.body())) === __aidevos_timedOut)
        return {
          name: c.name,
          ok: false,
          message: "the test did not finish within its deadline (a promise that never settles?)",
          durationMs: Date.now() - started,
        };
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
