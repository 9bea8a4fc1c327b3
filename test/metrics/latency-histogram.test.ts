// The bounded latency distribution behind the report's CDFs: every quantile within 1% of the exact nearest-rank
// value, merging equals one histogram of all values, and the CDF rises from the minimum to 1 at the maximum.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LatencyHistogram, cdfPoints, histogramQuantileMs, mergeHistograms } from "../../src/metrics/latency-histogram.ts";
import { nearestRank } from "../../src/metrics/percentiles.ts";

const latencies = fc.array(fc.double({ min: 0, max: 1e7, noNaN: true }), { minLength: 1, maxLength: 300 });

function histogramOf(values: readonly number[]) {
  const histogram = new LatencyHistogram();
  for (const value of values) histogram.add(value);
  return histogram.data();
}

describe("LatencyHistogram", () => {
  it("reads every quantile within 1% above the exact nearest-rank value", () => {
    fc.assert(
      fc.property(latencies, fc.double({ min: 0.001, max: 1, noNaN: true }), (values, fraction) => {
        const exact = nearestRank(Float64Array.from(values).sort(), fraction * 100);
        const read = histogramQuantileMs(histogramOf(values), fraction);
        expect(read).toBeGreaterThanOrEqual(exact);
        expect(read).toBeLessThanOrEqual(exact * 1.0101 + 1e-9);
      }),
    );
  });

  it("merged histograms equal the histogram of all their values", () => {
    fc.assert(
      fc.property(latencies, latencies, (a, b) => {
        expect(mergeHistograms([histogramOf(a), histogramOf(b)])).toEqual(histogramOf([...a, ...b]));
      }),
    );
  });

  it("the CDF starts at the minimum, never falls, and ends at 1 at the maximum, in about 220 points at most", () => {
    fc.assert(
      fc.property(latencies, (values) => {
        const points = cdfPoints(histogramOf(values));
        expect(points[0]).toEqual([Math.min(...values), 0]);
        expect(points.at(-1)).toEqual([Math.max(...values), 1]);
        for (let index = 1; index < points.length; index += 1) {
          expect((points[index] as [number, number])[0]).toBeGreaterThanOrEqual((points[index - 1] as [number, number])[0]);
          expect((points[index] as [number, number])[1]).toBeGreaterThan((points[index - 1] as [number, number])[1]);
        }
        expect(points.length).toBeLessThanOrEqual(220);
      }),
    );
  });
});
