// Random variates for durations and sizes. Each sampler draws from a stream it is handed, so the same
// distribution can serve several concerns without coupling their sequences.

import { unreachable } from "../policies/assert.ts";
import type { Random } from "./random.ts";

export type DistributionSpec =
  | { readonly kind: "constant"; readonly value: number }
  | { readonly kind: "uniform"; readonly min: number; readonly max: number }
  | { readonly kind: "exponential"; readonly mean: number }
  | { readonly kind: "lognormal"; readonly median: number; readonly p95: number }
  | { readonly kind: "lognormal"; readonly mu: number; readonly sigma: number }
  | { readonly kind: "empirical"; readonly values: readonly number[]; readonly weights?: readonly number[] | undefined };

export interface Sampler {
  sample(random: Random): number;
  /** The distribution's mean, for load calculations and sanity tests. */
  readonly mean: number;
}

/** The standard normal quantile at 0.95: ln(p95 / median) = Z_95 × sigma for a lognormal. */
const Z_95 = 1.6448536269514722;

export function sampler(spec: DistributionSpec): Sampler {
  switch (spec.kind) {
    case "constant":
      return { mean: spec.value, sample: () => spec.value };
    case "uniform":
      return { mean: (spec.min + spec.max) / 2, sample: (random) => spec.min + (spec.max - spec.min) * random.next() };
    case "exponential":
      // 1 − u lies in (0, 1], so the logarithm is finite.
      return { mean: spec.mean, sample: (random) => -spec.mean * Math.log(1 - random.next()) };
    case "lognormal": {
      const mu = "mu" in spec ? spec.mu : Math.log(spec.median);
      const sigma = "sigma" in spec ? spec.sigma : Math.log(spec.p95 / spec.median) / Z_95;
      return { mean: Math.exp(mu + (sigma * sigma) / 2), sample: (random) => Math.exp(mu + sigma * standardNormal(random)) };
    }
    case "empirical":
      return empirical(spec.values, spec.weights);
    default:
      return unreachable(spec);
  }
}

/** Box–Muller with one draw kept: two uniforms per variate, no hidden state between calls. */
function standardNormal(random: Random): number {
  const u1 = 1 - random.next();
  const u2 = random.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

function empirical(values: readonly number[], weights: readonly number[] | undefined): Sampler {
  const cumulative: number[] = [];
  let total = 0;
  let weightedSum = 0;
  values.forEach((value, index) => {
    const weight = weights?.[index] ?? 1;
    total += weight;
    weightedSum += weight * value;
    cumulative.push(total);
  });
  return {
    mean: weightedSum / total,
    sample(random) {
      const target = random.next() * total;
      let low = 0;
      let high = cumulative.length - 1;
      while (low < high) {
        const middle = (low + high) >> 1;
        if ((cumulative[middle] as number) > target) high = middle;
        else low = middle + 1;
      }
      return values[low] as number;
    },
  };
}
