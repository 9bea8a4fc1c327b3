// A latency distribution in bounded memory, for the report's CDFs: log-spaced buckets 1% wide, so any quantile read
// from it is within 1% of a value that occurred, whatever the run's length. Plain data (bucket index → count), so
// the histograms of several seeds (or of shards run elsewhere) add up to the distribution of all their jobs.

import { assert } from "../policies/assert.ts";

/** Bucket k holds values in (GROWTH^(k−1), GROWTH^k] ms; values ≤ 0 go to ZERO_BUCKET. */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const ZERO_BUCKET = -100_000;

export interface HistogramData {
  /** [bucket index, count] in ascending bucket order. */
  readonly buckets: readonly (readonly [number, number])[];
  readonly count: number;
  readonly min_ms: number;
  readonly max_ms: number;
}

export class LatencyHistogram {
  private readonly counts = new Map<number, number>();
  private count = 0;
  private minMs = Number.POSITIVE_INFINITY;
  private maxMs = Number.NEGATIVE_INFINITY;

  add(valueMs: number): void {
    assert(Number.isFinite(valueMs), "a latency is a finite number");
    const bucket = valueMs <= 0 ? ZERO_BUCKET : Math.ceil(Math.log(valueMs) / LOG_GROWTH - 1e-9);
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
    this.count += 1;
    this.minMs = Math.min(this.minMs, valueMs);
    this.maxMs = Math.max(this.maxMs, valueMs);
  }

  data(): HistogramData {
    const buckets = [...this.counts.entries()].sort(([a], [b]) => a - b);
    return { buckets, count: this.count, min_ms: this.count === 0 ? Number.NaN : this.minMs, max_ms: this.count === 0 ? Number.NaN : this.maxMs };
  }
}

/** The histogram of all values of several histograms. */
export function mergeHistograms(histograms: readonly HistogramData[]): HistogramData {
  const counts = new Map<number, number>();
  let count = 0;
  let minMs = Number.NaN;
  let maxMs = Number.NaN;
  for (const histogram of histograms) {
    for (const [bucket, n] of histogram.buckets) counts.set(bucket, (counts.get(bucket) ?? 0) + n);
    count += histogram.count;
    if (histogram.count === 0) continue;
    minMs = Number.isNaN(minMs) ? histogram.min_ms : Math.min(minMs, histogram.min_ms);
    maxMs = Number.isNaN(maxMs) ? histogram.max_ms : Math.max(maxMs, histogram.max_ms);
  }
  return { buckets: [...counts.entries()].sort(([a], [b]) => a - b), count, min_ms: minMs, max_ms: maxMs };
}

/** The upper edge of a bucket, clamped to the sample's range so the curve starts and ends at real values. */
function upperEdgeMs(bucket: number, histogram: HistogramData): number {
  const edge = bucket === ZERO_BUCKET ? 0 : GROWTH ** bucket;
  return Math.min(Math.max(edge, histogram.min_ms), histogram.max_ms);
}

/** Cumulative fractions at which the CDF keeps a point: every 0.5%, then every 0.05% above 99%. */
const LEVELS: readonly number[] = [
  ...Array.from({ length: 198 }, (_, index) => (index + 1) * 0.005),
  ...Array.from({ length: 20 }, (_, index) => 0.99 + (index + 1) * 0.0005),
];

/**
 * Points [latency ms, fraction of values ≤ it] of the empirical CDF, thinned to about 220: the first bucket to
 * reach each level of LEVELS, plus the minimum. A step of the curve is at most one bucket (1%) wide.
 */
export function cdfPoints(histogram: HistogramData): [number, number][] {
  if (histogram.count === 0) return [];
  const points: [number, number][] = [[histogram.min_ms, 0]];
  let cumulative = 0;
  let level = 0;
  for (const [bucket, n] of histogram.buckets) {
    cumulative += n;
    const fraction = cumulative / histogram.count;
    if (fraction + 1e-12 < (LEVELS[level] ?? 1)) continue;
    points.push([upperEdgeMs(bucket, histogram), fraction]);
    while (level < LEVELS.length && (LEVELS[level] as number) <= fraction + 1e-12) level += 1;
  }
  return points;
}

/** The value at a quantile, read from the histogram: the upper edge of the first bucket reaching it (within 1%). */
export function histogramQuantileMs(histogram: HistogramData, fraction: number): number {
  if (histogram.count === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(fraction * histogram.count));
  let cumulative = 0;
  for (const [bucket, n] of histogram.buckets) {
    cumulative += n;
    if (cumulative >= rank) return upperEdgeMs(bucket, histogram);
  }
  return histogram.max_ms;
}
