// The sandbox guard's cost on ordinary code (pnpm bench): a CPU-heavy piece of app code — sort 10,000
// records with a comparator, then a 1 MiB JSON round trip — run in a Worker loaded as the sandbox runs
// app code (instrumented ticks and `+` checks, native charging, per-request budget and deadline, the
// memory walk), against the same code in a Worker loaded bare, in the same run, paired and interleaved
// (/__bench/guard/on and /off, workers/gateway/src/bench/guard-cost.ts). Both requests cross the same
// gateway, so the ratio is the guard's cost plus a shared constant: it understates the guard's share a
// little. It does not measure code the guard charges heavily on purpose (native scans, big strings).
import { it } from "vitest";
import { benchServer, floor, median, ms, pairedRatio, pairedRounds, times } from "./support";

const ROUNDS = 15;
const PER_ROUND = 6;
/** The floor (26): the guard may cost ordinary CPU-heavy code at most half again its time. */
const FLOOR_RATIO = 1.5;

const { results, rows, call } = benchServer("guard");

it("the guard's cost on a CPU-heavy action", { timeout: 900_000 }, async () => {
  const run = async (mode: "on" | "off") => {
    const res = await call(`/__bench/guard/${mode}`);
    if (res.status !== 200) throw new Error(`${mode}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { first: number; last: number; chars: number; rows: number; spent: boolean };
  };
  // Both do the same work, and the sandboxed one is not refused for it.
  const [on, off] = [await run("on"), await run("off")];
  if (JSON.stringify({ ...on, spent: false }) !== JSON.stringify(off) || on.spent)
    throw new Error(`different work: ${JSON.stringify(on)} against ${JSON.stringify(off)}`);
  if (on.chars < 1 << 20) throw new Error(`the JSON text is ${on.chars} characters, not 1 MiB`);

  const rounds = await pairedRounds(
    () => run("off"),
    () => run("on"),
    ROUNDS,
    PER_ROUND,
    4,
  );
  const ratio = pairedRatio(rounds);
  const guarded = median(rounds.map((r) => r.b));
  const bare = median(rounds.map((r) => r.a));
  results.guard = { rounds, ratio, work: off };
  rows.push({
    benchmark: `sort 10,000 records + 1 MiB JSON round trip, sandboxed (p50, ${ROUNDS} paired rounds of ${PER_ROUND})`,
    figure: ms(guarded),
    baseline: `bare ${ms(bare)}`,
    ratio: times(ratio.median),
    spread: `95% CI ${times(ratio.low)}–${times(ratio.high)}`,
    floor: floor(`≤ ${FLOOR_RATIO}×`, ratio.median <= FLOOR_RATIO),
  });
});
