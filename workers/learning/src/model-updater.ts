/** Outcome statistics of one model on one stage (summed over prompt versions). */
export interface ModelRecord {
  model: string;
  runs: number;
  firstPass: number;
  failed?: number;
  refineRounds?: number;
  cost?: number;
}

export interface ModelChoice {
  model: string;
  reason: string;
}

/** Runs a model needs on record before its measured outcome decides anything. */
const MIN_RUNS = 3;
/** Share of choices spent exploring another configured model, so a better one can show itself. */
const EXPLORATION = 0.1;

/**
 * What a model's record is worth, higher is better: first-pass rate, minus failure rate, minus a
 * tenth of a point per refine round per run, minus its cost per run in USD.
 */
function score(r: ModelRecord): number {
  const per = (n = 0) => n / r.runs;
  return per(r.firstPass) - per(r.failed) - 0.1 * per(r.refineRounds) - per(r.cost);
}

function describe(r: ModelRecord): string {
  const per = (n = 0) => Math.round((n / r.runs) * 100) / 100;
  return `${r.model} (first pass ${r.firstPass}/${r.runs}, ${r.failed ?? 0} failed, ${per(r.refineRounds)} refine rounds and $${per(r.cost)} per run)`;
}

/**
 * The model updater: among the configured models of a stage (the first is the default), choose by
 * measured outcome. The default is tried first until it has a record; a default that passes first
 * time in under half its runs makes way for a model not yet measured; otherwise the best score wins.
 * With probability EXPLORATION (drawn from `random`, seeded per run so a run's choice can be
 * replayed) another model is chosen instead. Every choice says why.
 */
export function chooseModel(models: string[], stats: ModelRecord[], random: () => number): ModelChoice {
  const configured = [...new Set(models.filter(Boolean))];
  const [first] = configured;
  if (!first) throw new Error("the model updater needs at least one configured model");
  if (configured.length === 1) return { model: first, reason: `${first} is the only configured model` };
  const of = (model: string): ModelRecord => stats.find((s) => s.model === model) ?? { model, runs: 0, firstPass: 0 };
  const records = configured.map(of);
  const measured = records.filter((r) => r.runs >= MIN_RUNS);
  const fresh = records.filter((r) => r.runs < MIN_RUNS);
  const head = records[0]!;
  if (head.runs < MIN_RUNS)
    return { model: first, reason: `${first} has ${head.runs} run(s) on record; trying it first` };
  const draw = random();
  if (draw < EXPLORATION) {
    const others = configured.slice(1);
    const pick = others[Math.min(others.length - 1, Math.floor((draw / EXPLORATION) * others.length))]!;
    return { model: pick, reason: `exploring ${pick} (${Math.round(EXPLORATION * 100)}% of choices explore)` };
  }
  if (head.firstPass / head.runs < 0.5 && fresh.length) {
    const next = fresh[0]!.model;
    return {
      model: next,
      reason: `${first} passed first time in ${head.firstPass} of ${head.runs} runs; escalating to ${next}`,
    };
  }
  const best = measured.reduce((a, b) => (score(b) > score(a) ? b : a));
  const rest = measured.filter((r) => r !== best).map(describe);
  return {
    model: best.model,
    reason: `${describe(best)} scores best${rest.length ? ` against ${rest.join(", ")}` : ""}`,
  };
}

/** A deterministic random source for a run: the same run id draws the same numbers (mulberry32 over FNV-1a). */
export function seededRandom(seed: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  let state = h >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
