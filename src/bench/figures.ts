// What `schedlab bench` measures and saves: named figures, each with its raw value and, where CPU speed
// matters, its ratio to the calibration loop measured right beside it, so a slower runner is not a regression.

export type Better = "higher" | "lower";

export interface Figure {
  readonly name: string;
  readonly unit: string;
  /** Median over the rounds, in `unit`. */
  readonly value: number;
  readonly better: Better;
  /**
   * Median over the rounds of value / calibration ops per second (the calibration sampled just before each
   * round), or undefined for figures CPU speed does not scale (peak memory): those compare raw values.
   */
  readonly ratio: number | undefined;
  /** (max − min) / median of the per-round ratios (or values): the noise seen within this run. */
  readonly spread: number;
  /** Shown and saved but never compared with a baseline (wall time: a busy machine reads as slowness). */
  readonly informational?: boolean;
}

export interface BenchReport {
  readonly schema_version: 1;
  readonly node: string;
  readonly cpu: string;
  /** Calibration loop ops per second, median of every sample taken in this run. */
  readonly calibration_ops_per_s: number;
  readonly rounds: number;
  readonly figures: readonly Figure[];
}

/** The figure's comparable number: the calibrated ratio when there is one, else the raw value. */
export function comparable(figure: Figure): number {
  return figure.ratio ?? figure.value;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function relativeSpread(values: readonly number[]): number {
  const center = median(values);
  return center === 0 ? 0 : (Math.max(...values) - Math.min(...values)) / center;
}
