// Mean and 95% confidence interval over independent runs (one per seed), by Student's t.

import { mean, sampleStandardDeviation } from "simple-statistics";

/** Two-sided 95% critical values of Student's t for 1–30 degrees of freedom. */
const T_95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
/** Beyond 30 degrees of freedom: [df, t] points, then the normal 1.96. */
const T_95_TAIL: readonly (readonly [number, number])[] = [
  [40, 2.021],
  [60, 2.0],
  [120, 1.98],
];

export function tCritical95(degreesOfFreedom: number): number {
  if (degreesOfFreedom < 1) return Number.NaN;
  if (degreesOfFreedom <= 30) return T_95[Math.floor(degreesOfFreedom) - 1] as number;
  for (const [df, t] of T_95_TAIL) if (degreesOfFreedom <= df) return t;
  return 1.96;
}

export interface Estimate {
  readonly n: number;
  readonly mean: number;
  /** Half the width of the 95% interval: the truth is in mean ± this, 95 times out of 100. NaN for n < 2. */
  readonly ci95: number;
  readonly min: number;
  readonly max: number;
}

/** Ignores NaN values (a metric that had no sample in some run). */
export function estimate(values: readonly number[]): Estimate {
  const finite = values.filter((value) => !Number.isNaN(value));
  const n = finite.length;
  if (n === 0) return { n, mean: Number.NaN, ci95: Number.NaN, min: Number.NaN, max: Number.NaN };
  const average = mean(finite);
  const ci95 = n < 2 ? Number.NaN : (tCritical95(n - 1) * sampleStandardDeviation(finite)) / Math.sqrt(n);
  return { n, mean: average, ci95, min: Math.min(...finite), max: Math.max(...finite) };
}
