// The unit-test benchmark's baseline (bench/pipeline.run.ts spawns it): the generated unit tests run
// by vitest with @cloudflare/vitest-plugin, once cold (Vite, the plugin and workerd start in this
// process) and once more in the same process, warm. Prints wall times and vitest's own reported test
// time (the sum of its tests' durations) of each run as one line of JSON.
import { createVitest } from "vitest/node";

const [root, config] = process.argv.slice(2);
const reported = (run) =>
  run.testModules
    .flatMap((m) => [...m.children.allTests()])
    .reduce((sum, t) => sum + (t.diagnostic()?.duration ?? 0), 0);
const tests = (run) => run.testModules.flatMap((m) => [...m.children.allTests()]);

const started = performance.now();
const vitest = await createVitest("test", { root, config, watch: false, reporters: [] });
const cold = await vitest.start();
const coldWallMs = performance.now() - started;
const specs = await vitest.getRelevantTestSpecifications();
const again = performance.now();
const warm = await vitest.runTestSpecifications(specs);
const warmWallMs = performance.now() - again;
await vitest.close();
const failed = tests(cold)
  .concat(tests(warm))
  .filter((t) => t.result().state !== "passed").length;
console.log(
  JSON.stringify({
    tests: tests(cold).length,
    failed,
    coldWallMs,
    coldReportedMs: reported(cold),
    warmWallMs,
    warmReportedMs: reported(warm),
  }),
);
process.exit(0);
