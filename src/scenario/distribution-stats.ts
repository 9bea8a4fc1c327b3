// What the loader's checks need to know about a distribution without drawing from it: its bounds, its
// quantiles, the chance of exceeding a value, and expectations of functions of it. Unbounded kinds
// (exponential, lognormal) have no maximum; checks that need one use a high quantile instead.

import { errorFunction, probit } from "simple-statistics";
import { unreachable } from "../policies/assert.ts";
import type { DistributionSpec } from "../sim/distributions.ts";

/** The quantile that stands for "the largest value" of an unbounded distribution: P99.9. */
export const HIGH_QUANTILE = 0.999;
/** The quantile that stands for "the smallest value" of an unbounded distribution: P0.1. */
export const LOW_QUANTILE = 0.001;

/** The standard normal quantile at 0.95: ln(p95 / median) = Z_95 × sigma (as src/sim/distributions.ts fits it). */
const Z_95 = 1.6448536269514722;

export function isBounded(spec: DistributionSpec): boolean {
  return spec.kind === "constant" || spec.kind === "uniform" || spec.kind === "empirical";
}

/** The largest value a distribution can draw (Infinity for unbounded ones). */
export function upperBound(spec: DistributionSpec): number {
  return isBounded(spec) ? quantile(spec, 1) : Infinity;
}

/** The smallest value a distribution can draw (just above 0 for unbounded ones, whose draws are positive). */
export function lowerBound(spec: DistributionSpec): number {
  return isBounded(spec) ? quantile(spec, 0) : Number.MIN_VALUE;
}

/** The largest value, or for an unbounded distribution its HIGH_QUANTILE. */
export function practicalMaximum(spec: DistributionSpec): number {
  return isBounded(spec) ? upperBound(spec) : quantile(spec, HIGH_QUANTILE);
}

/** The smallest value, or for an unbounded distribution its LOW_QUANTILE. */
export function practicalMinimum(spec: DistributionSpec): number {
  return isBounded(spec) ? lowerBound(spec) : quantile(spec, LOW_QUANTILE);
}

/** The value below which a fraction p of draws fall (0 ≤ p ≤ 1). */
export function quantile(spec: DistributionSpec, p: number): number {
  switch (spec.kind) {
    case "constant":
      return spec.value;
    case "uniform":
      return spec.min + (spec.max - spec.min) * p;
    case "exponential":
      return p >= 1 ? Infinity : -spec.mean * Math.log(1 - p);
    case "lognormal": {
      const { mu, sigma } = lognormalParameters(spec);
      if (p <= 0) return 0;
      if (p >= 1) return Infinity;
      return Math.exp(mu + sigma * probit(p));
    }
    case "empirical":
      return empiricalQuantile(spec.values, spec.weights, p);
    default:
      return unreachable(spec);
  }
}

/** P(X > x). */
export function exceedance(spec: DistributionSpec, x: number): number {
  switch (spec.kind) {
    case "constant":
      return spec.value > x ? 1 : 0;
    case "uniform":
      if (spec.max === spec.min) return spec.min > x ? 1 : 0;
      return Math.min(1, Math.max(0, (spec.max - x) / (spec.max - spec.min)));
    case "exponential":
      return x <= 0 ? 1 : Math.exp(-x / spec.mean);
    case "lognormal": {
      if (x <= 0) return 1;
      const { mu, sigma } = lognormalParameters(spec);
      if (sigma === 0) return Math.exp(mu) > x ? 1 : 0;
      return 0.5 * (1 - errorFunction((Math.log(x) - mu) / (sigma * Math.SQRT2)));
    }
    case "empirical": {
      let above = 0;
      let total = 0;
      spec.values.forEach((value, index) => {
        const weight = spec.weights?.[index] ?? 1;
        total += weight;
        if (value > x) above += weight;
      });
      return total > 0 ? above / total : 0;
    }
    default:
      return unreachable(spec);
  }
}

/** Points at which an expectation is evaluated: the midpoints of equal-probability slices. */
const EXPECTATION_POINTS = 512;

/**
 * E[f(X)], by the midpoint rule over the quantile function: exact for constants, close for the rest, and
 * finite even where the true expectation diverges (E[1/X] of an exponential), which suits an estimate.
 */
export function expectation(spec: DistributionSpec, f: (x: number) => number): number {
  if (spec.kind === "constant") return f(spec.value);
  if (spec.kind === "empirical") {
    let weighted = 0;
    let total = 0;
    spec.values.forEach((value, index) => {
      const weight = spec.weights?.[index] ?? 1;
      weighted += weight === 0 ? 0 : weight * f(value);
      total += weight;
    });
    return weighted / total;
  }
  let sum = 0;
  for (let point = 0; point < EXPECTATION_POINTS; point += 1) sum += f(quantile(spec, (point + 0.5) / EXPECTATION_POINTS));
  return sum / EXPECTATION_POINTS;
}

function lognormalParameters(spec: Extract<DistributionSpec, { kind: "lognormal" }>): { mu: number; sigma: number } {
  if ("mu" in spec) return { mu: spec.mu, sigma: spec.sigma };
  return { mu: Math.log(spec.median), sigma: Math.log(spec.p95 / spec.median) / Z_95 };
}

/** Values with positive weight, in order; the quantile is the smallest value whose cumulative weight reaches p. */
function empiricalQuantile(values: readonly number[], weights: readonly number[] | undefined, p: number): number {
  const weighted = values.map((value, index) => ({ value, weight: weights?.[index] ?? 1 })).filter((entry) => entry.weight > 0);
  weighted.sort((a, b) => a.value - b.value);
  const total = weighted.reduce((sum, entry) => sum + entry.weight, 0);
  let cumulative = 0;
  for (const entry of weighted) {
    cumulative += entry.weight;
    if (cumulative >= p * total) return entry.value;
  }
  return weighted[weighted.length - 1]?.value ?? 0;
}
