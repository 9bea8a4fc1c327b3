// What the report's charts need of a policy's runs beyond their summaries: latency distributions of every seed,
// merged, and the time series of one seed. Plain data, so runs made elsewhere (worker threads, shards) can
// bring theirs along.

import { type LatencyDistributions } from "../metrics/latency-distribution.ts";
import { type HistogramData, mergeHistograms } from "../metrics/latency-histogram.ts";
import type { TimelineData } from "../metrics/timeline.ts";

/** One run's chart data; `timeline` only for the run whose time series are drawn. */
export interface RunCharts {
  readonly seed: number;
  readonly latency: LatencyDistributions;
  readonly timeline?: TimelineData | undefined;
}

export interface PolicyCharts {
  /** Every seed's completed jobs together. */
  readonly latency: LatencyDistributions;
  readonly seeds: readonly number[];
  /** The time series of one seed (the first), and which. */
  readonly timeline: { readonly seed: number; readonly data: TimelineData } | undefined;
}

export function policyCharts(runs: readonly RunCharts[]): PolicyCharts {
  const withTimeline = runs.find((run) => run.timeline !== undefined);
  return {
    latency: {
      overall: mergeHistograms(runs.map((run) => run.latency.overall)),
      by_lane: mergeByName(runs.map((run) => run.latency.by_lane)),
      by_tenant: mergeByName(runs.map((run) => run.latency.by_tenant)),
    },
    seeds: runs.map((run) => run.seed),
    timeline: withTimeline?.timeline === undefined ? undefined : { seed: withTimeline.seed, data: withTimeline.timeline },
  };
}

function mergeByName(groups: readonly Readonly<Record<string, HistogramData>>[]): Record<string, HistogramData> {
  const names = [...new Set(groups.flatMap((group) => Object.keys(group)))].sort();
  return Object.fromEntries(names.map((name) => [name, mergeHistograms(groups.flatMap((group) => (group[name] === undefined ? [] : [group[name]])))]));
}
