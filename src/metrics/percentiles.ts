// Percentiles by nearest rank on the exact sample (../shared/docs/DESIGN.md, "Metrics"): the P-th percentile
// is the smallest value with at least P% of the sample at or below it. No interpolation, so every figure
// is a value that really occurred and can be found in the event log.

export interface Percentiles {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentile of an ascending sample; NaN when it is empty. */
export function nearestRank(sortedAscending: ArrayLike<number>, percent: number): number {
  const count = sortedAscending.length;
  if (count === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((percent / 100) * count));
  return sortedAscending[rank - 1] as number;
}

/** Sorts `sample` in place (it is typically a Sample's own storage, read once at the end of a run). */
export function percentiles(sample: Float64Array): Percentiles {
  const sorted = sample.sort();
  let total = 0;
  for (const value of sorted) total += value;
  return {
    count: sorted.length,
    mean: sorted.length === 0 ? Number.NaN : total / sorted.length,
    p50: nearestRank(sorted, 50),
    p95: nearestRank(sorted, 95),
    p99: nearestRank(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
  };
}

/** A growable array of doubles: a million latencies without a million boxed numbers. */
export class Sample {
  private values = new Float64Array(1024);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.values.length) {
      const larger = new Float64Array(this.values.length * 2);
      larger.set(this.values);
      this.values = larger;
    }
    this.values[this.count] = value;
    this.count += 1;
  }

  toArray(): Float64Array {
    return this.values.subarray(0, this.count);
  }
}
