// How figures are printed: a few significant digits, ± the 95% interval when there are several seeds.

import type { Estimate } from "../metrics/confidence.ts";

/** Up to 3 significant digits for small values, whole numbers for large ones. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "–";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  const magnitude = Math.abs(value);
  if (magnitude >= 100 || Number.isInteger(value)) return Math.round(value).toLocaleString("en-US");
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  if (magnitude === 0) return "0";
  return value.toPrecision(2);
}

export function formatEstimate(estimate: Estimate, scale = 1): string {
  const mean = formatNumber(estimate.mean * scale);
  if (estimate.n < 2 || Number.isNaN(estimate.ci95)) return mean;
  return `${mean} ± ${formatNumber(withoutRoundingNoise(estimate) * scale)}`;
}

/** Equal values summed in another order differ in their last bits: an interval that small is no interval. */
function withoutRoundingNoise(estimate: Estimate): number {
  return estimate.ci95 <= Math.abs(estimate.mean) * 1e-12 ? 0 : estimate.ci95;
}

export function formatPercent(estimate: Estimate, digits = 0): string {
  if (Number.isNaN(estimate.mean)) return "–";
  const mean = `${(estimate.mean * 100).toFixed(digits)}%`;
  if (estimate.n < 2 || Number.isNaN(estimate.ci95)) return mean;
  return `${mean} ± ${(estimate.ci95 * 100).toFixed(digits)}`;
}

/** A ratio to the baseline as a signed change: 0.82 → "−18%". */
export function formatChange(estimate: Estimate): string {
  if (Number.isNaN(estimate.mean)) return "–";
  const change = (estimate.mean - 1) * 100;
  const sign = change > 0.5 ? "+" : change < -0.5 ? "−" : "±";
  const mean = `${sign}${Math.abs(change).toFixed(0)}%`;
  if (estimate.n < 2 || Number.isNaN(estimate.ci95)) return mean;
  return `${mean} (± ${(estimate.ci95 * 100).toFixed(0)})`;
}
