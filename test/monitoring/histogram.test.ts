// Proves that the latency percentiles the API, the dashboard and the monitor's budgets read from the 1-2-5 histogram
// are estimated within their bucket (linear between its bounds), not reported as the bucket's upper bound: 10 requests
// of 6-9 ms have a p50 near 7.5 ms, not 10 ms. Only the open-ended bucket (over 10 s) reads as its lower bound.
import { describe, expect, it } from "vitest";
import {
  addToHistogram,
  emptyHistogram,
  histogramPercentile,
  mergeHistograms,
} from "../../workers/monitoring/src/histogram";

function histogramOf(...ms: number[]) {
  const hist = emptyHistogram();
  for (const m of ms) addToHistogram(hist, m);
  return hist;
}

describe("histogram percentiles", () => {
  it("interpolate within the bucket that holds the rank, not its upper bound", () => {
    // Ten requests of 6-9 ms, all in the (5, 10] bucket: the median is half way through it.
    const hist = histogramOf(6, 6, 7, 7, 7, 8, 8, 8, 9, 9);
    expect(histogramPercentile(hist, 50)).toBe(7.5);
    expect(histogramPercentile(hist, 95)).toBe(9.8);
    expect(histogramPercentile(hist, 99)).toBe(10);
  });

  it("spread a rank across the buckets below it", () => {
    // 90 fast requests (≤ 1 ms) and 10 of 150 ms in (100, 200]: p95 is half way through that bucket.
    const hist = histogramOf(...Array.from({ length: 90 }, () => 0.5), ...Array.from({ length: 10 }, () => 150));
    expect(histogramPercentile(hist, 50)).toBe(0.6);
    expect(histogramPercentile(hist, 95)).toBe(150);
    expect(histogramPercentile(mergeHistograms(hist, hist), 95)).toBe(150);
  });

  it("read 0 with no requests, and the open bucket's lower bound (10 s) for requests slower than that", () => {
    expect(histogramPercentile(emptyHistogram(), 95)).toBe(0);
    expect(histogramPercentile(histogramOf(20_000, 30_000), 50)).toBe(10_000);
  });
});
