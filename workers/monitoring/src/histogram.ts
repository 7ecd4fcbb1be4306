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

/**
 * The latency under which `p` percent of requests finished, estimated from the histogram: the rank is
 * placed in the bucket that holds it and interpolated linearly between the bucket's bounds (requests
 * assumed spread evenly within it), to a tenth of a millisecond. Reporting the bucket's upper bound
 * instead read 10 ms for requests of 6 ms. The open-ended bucket has no upper bound: a rank there
 * reads its lower bound, 10,000 ms, meaning "at least".
 */
export function histogramPercentile(hist: number[], p: number): number {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const rank = (p / 100) * total;
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    const n = hist[i] ?? 0;
    if (n > 0 && seen + n >= rank) {
      const low = i === 0 ? 0 : BOUNDS_MS[i - 1]!;
      const high = BOUNDS_MS[i]!;
      if (!Number.isFinite(high)) return low;
      return Math.round((low + ((rank - seen) / n) * (high - low)) * 10) / 10;
    }
    seen += n;
  }
  return BOUNDS_MS[BOUNDS_MS.length - 2]!;
}
