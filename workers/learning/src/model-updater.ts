/** Outcome statistics of one model on one stage. */
export interface ModelRecord {
  model: string;
  runs: number;
  firstPass: number;
}

export interface ModelChoice {
  model: string;
  reason: string;
}

const MIN_RUNS = 3;

/**
 * The model updater: keep the cheaper model while it succeeds first time; escalate to the stronger
 * one after repeated failures; go back to the cheaper one once the stronger has a record and the
 * cheaper one's is not bad. Every choice says why.
 */
export function chooseModel(cheap: string, strong: string | undefined, stats: ModelRecord[]): ModelChoice {
  const of = (model: string) => stats.find((s) => s.model === model) ?? { model, runs: 0, firstPass: 0 };
  const c = of(cheap);
  const rate = (r: ModelRecord) => (r.runs ? r.firstPass / r.runs : 1);
  if (!strong || strong === cheap) return { model: cheap, reason: `${cheap} is the only configured model` };
  if (c.runs < MIN_RUNS) return { model: cheap, reason: `${cheap} has ${c.runs} run(s) on record; trying it first` };
  if (rate(c) < 0.5) {
    return {
      model: strong,
      reason: `${cheap} passed first time in ${c.firstPass} of ${c.runs} runs; escalating to ${strong}`,
    };
  }
  return { model: cheap, reason: `${cheap} passes first time in ${c.firstPass} of ${c.runs} runs; it stays` };
}
