/** One arm the model updater can choose for a stage: a configured model asked with one prompt version. */
interface Arm {
  model: string;
  /** The prompt's versioned name, e.g. "code.v3". */
  prompt: string;
}

/** Outcome statistics of one arm on one stage (a row of model_stats). */
export interface ArmRecord extends Arm {
  runs: number;
  firstPass: number;
  failed?: number;
  refineRounds?: number;
  cost?: number;
}

export interface ArmChoice extends Arm {
  reason: string;
}

/** Runs an arm needs on record before its measured outcome decides anything. */
const MIN_RUNS = 3;
/** Share of choices spent exploring another arm, so a better model or prompt can show itself. */
const EXPLORATION = 0.1;

/**
 * What an arm's record is worth, higher is better: first-pass rate, minus failure rate, minus a
 * tenth of a point per refine round per run, minus its cost per run in USD.
 */
function score(r: ArmRecord): number {
  const per = (n = 0) => n / r.runs;
  return per(r.firstPass) - per(r.failed) - 0.1 * per(r.refineRounds) - per(r.cost);
}

const label = (a: Arm) => `${a.model} with prompt ${a.prompt}`;

function describe(r: ArmRecord): string {
  const per = (n = 0) => Math.round((n / r.runs) * 100) / 100;
  return `${label(r)} (first pass ${r.firstPass}/${r.runs}, ${r.failed ?? 0} failed, ${per(r.refineRounds)} refine rounds and $${per(r.cost)} per run)`;
}

/**
 * The arms of a stage: every configured model with every prompt version, the default pair first.
 * Ordered prompt-major, so after the default comes the next model with the default prompt: a
 * default with a poor record escalates to a stronger model before it tries another wording.
 */
function armsOf(models: string[], prompts: string[]): Arm[] {
  const ms = [...new Set(models.filter(Boolean))];
  const ps = [...new Set(prompts.filter(Boolean))];
  if (!ms.length || !ps.length) throw new Error("the model updater needs a configured model and a prompt version");
  return ps.flatMap((prompt) => ms.map((model) => ({ model, prompt })));
}

/**
 * The model updater: among a stage's arms (configured models × prompt versions; the first model
 * and the first prompt version are the default), choose by measured outcome. The default arm is
 * tried first until it has MIN_RUNS on record; a default that passes first time in under half its
 * runs makes way for an arm not yet measured; otherwise the measured arm with the best score wins.
 * With probability EXPLORATION (drawn from `random`, seeded per run so a run's choice can be
 * replayed) another arm is chosen instead. Every choice says why.
 */
export function chooseArm(models: string[], prompts: string[], stats: ArmRecord[], random: () => number): ArmChoice {
  const arms = armsOf(models, prompts);
  const head = arms[0]!;
  if (arms.length === 1) return { ...head, reason: `${label(head)} is the only configured choice` };
  const of = (a: Arm): ArmRecord =>
    stats.find((s) => s.model === a.model && s.prompt === a.prompt) ?? { ...a, runs: 0, firstPass: 0 };
  const records = arms.map(of);
  const first = records[0]!;
  if (first.runs < MIN_RUNS)
    return { ...head, reason: `${label(head)} has ${first.runs} run(s) on record; trying it first` };
  const draw = random();
  if (draw < EXPLORATION) {
    const others = arms.slice(1);
    const pick = others[Math.min(others.length - 1, Math.floor((draw / EXPLORATION) * others.length))]!;
    return { ...pick, reason: `exploring ${label(pick)} (${Math.round(EXPLORATION * 100)}% of choices explore)` };
  }
  const fresh = records.filter((r) => r.runs < MIN_RUNS);
  if (first.firstPass / first.runs < 0.5 && fresh.length) {
    const next = fresh[0]!;
    return {
      model: next.model,
      prompt: next.prompt,
      reason: `${label(head)} passed first time in ${first.firstPass} of ${first.runs} runs; escalating to ${label(next)}`,
    };
  }
  const measured = records.filter((r) => r.runs >= MIN_RUNS);
  const best = measured.reduce((a, b) => (score(b) > score(a) ? b : a));
  const rest = measured.filter((r) => r !== best).map(describe);
  return {
    model: best.model,
    prompt: best.prompt,
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
