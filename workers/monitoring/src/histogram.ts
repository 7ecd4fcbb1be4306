/** Upper bounds (ms) of the latency histogram kept per bucket; the last one catches everything slower. */
const BOUNDS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, Number.POSITIVE_INFINITY];

export function emptyHistogram(): number[] {
  return BOUNDS_MS.map(() => 0);
}

export function addToHistogram(hist: number[], ms: number): void {
  const i = BOUNDS_MS.findIndex((b) => ms <= b);
  hist[i] = (hist[i] ?? 0) + 1;
}

export function mergeHistograms(a: number[], b: number[]): number[] {
  return a.map((n, i) => n + (b[i] ?? 0));
}

/** The bucket bound at or under which `p` percent of requests finished (the last finite bound for the overflow bucket). */
export function histogramPercentile(hist: number[], p: number): number {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i]!;
    if (seen >= rank) return Number.isFinite(BOUNDS_MS[i]!) ? BOUNDS_MS[i]! : BOUNDS_MS[BOUNDS_MS.length - 2]!;
  }
  return BOUNDS_MS[BOUNDS_MS.length - 2]!;
}
