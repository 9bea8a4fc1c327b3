// The figures a sweep report shows against its parameter: P95 overall and per lane, throughput, cost per job,
// 429s and failed jobs. Each names the compare row it is read from, so a point's figure is the one
// `schedlab compare` prints for that point's scenario.

import type { Sweep } from "../experiment/sweep.ts";
import { type PolicyResult, findRow } from "../experiment/compare.ts";
import type { Estimate } from "../metrics/confidence.ts";
import type { Scope } from "../metrics/rows.ts";

export interface SweepMetric {
  /** The column in runs.csv and summary.csv (raw units, as in compare's rows). */
  readonly column: string;
  readonly title: string;
  readonly unit: string;
  /** Shown value = row value × scale (milliseconds to seconds). */
  readonly scale: number;
  readonly scope: Scope;
  readonly group: string;
  readonly metric: string;
}

const SECONDS = 1 / 1000;

/** The lanes that had completed jobs at some point, sorted. */
export function sweepLanes(sweep: Sweep): string[] {
  const lanes = new Set<string>();
  for (const point of sweep.points) {
    for (const result of point.comparison.results) for (const row of result.rows) if (row.scope === "lane" && row.metric === "latency_ms_p95") lanes.add(row.group);
  }
  return [...lanes].sort();
}

export function p95Metric(lane: string | undefined): SweepMetric {
  if (lane === undefined) return { column: "latency_ms_p95", title: "P95 latency, all jobs", unit: "s", scale: SECONDS, scope: "overall", group: "all", metric: "latency_ms_p95" };
  return { column: `lane.${lane}.latency_ms_p95`, title: `P95 latency, lane ${lane}`, unit: "s", scale: SECONDS, scope: "lane", group: lane, metric: "latency_ms_p95" };
}

function overall(metric: string, title: string, unit: string): SweepMetric {
  return { column: metric, title, unit, scale: 1, scope: "overall", group: "all", metric };
}

export const THROUGHPUT_ARRIVING = overall("throughput_jobs_per_s_arrival_window", "Throughput while jobs arrive", "jobs/s");
export const THROUGHPUT_WHOLE_RUN = overall("throughput_jobs_per_s", "Throughput, whole run", "jobs/s");
export const COST_PER_JOB = overall("cost_per_job_mean", "Cost per completed job", "$");
export const RATE_LIMITED = overall("requests_rate_limited", "429 responses per run", "429s");
export const JOBS_FAILED = overall("jobs_failed", "Failed jobs per run", "jobs");

/** Every figure of the sweep's tables and CSV files, in order. */
export function sweepMetrics(sweep: Sweep): SweepMetric[] {
  return [p95Metric(undefined), ...sweepLanes(sweep).map(p95Metric), THROUGHPUT_ARRIVING, THROUGHPUT_WHOLE_RUN, COST_PER_JOB, RATE_LIMITED, JOBS_FAILED];
}

const MISSING: Estimate = { n: 0, mean: Number.NaN, ci95: Number.NaN, min: Number.NaN, max: Number.NaN };

/** A policy's estimate of a figure at one point, unscaled; NaN when the point has none (a lane with no completed job). */
export function metricEstimate(result: PolicyResult | undefined, metric: SweepMetric): Estimate {
  if (result === undefined) return MISSING;
  return findRow(result, metric.scope, metric.group, metric.metric)?.estimate ?? MISSING;
}
