// A comparison: every chosen policy on the same consecutive seeds (so each seed's jobs are identical across
// policies), aggregated per metric as mean ± 95% CI, with per-seed ratios against the first policy.

import type { RunSummary } from "../metrics/collector.ts";
import { type Estimate, estimate } from "../metrics/confidence.ts";
import { type MetricRow, type Scope, metricRows, rowKey } from "../metrics/rows.ts";
import type { PolicySpec, Scenario } from "../scenario/types.ts";
import { type PolicyCharts, type RunCharts, policyCharts } from "./charts.ts";
import { type ChartedRun, type ChartedRunTask, type RunCasesOptions, runCases } from "./parallel.ts";
import { runCharted } from "./run.ts";

export interface AggregateRow {
  readonly scope: Scope;
  readonly group: string;
  readonly metric: string;
  readonly estimate: Estimate;
  /** Per seed: this policy's value / the baseline policy's value, then aggregated. */
  readonly ratioToBaseline: Estimate;
}

export interface PolicyResult {
  readonly policy: PolicySpec;
  readonly runs: readonly RunSummary[];
  readonly rows: readonly AggregateRow[];
  /** For report.html; absent when the runs brought no chart data. */
  readonly charts?: PolicyCharts | undefined;
}

export interface Comparison {
  readonly scenario: Scenario;
  readonly seeds: readonly number[];
  readonly baseline: string;
  readonly results: readonly PolicyResult[];
}

export interface CompareRequest {
  readonly scenario: Scenario;
  readonly policies: readonly PolicySpec[];
  readonly seeds: readonly number[];
  /** Called before each run, for progress display. */
  readonly onRun?: ((policy: PolicySpec, seed: number, index: number, total: number) => void) | undefined;
}

export function compare(request: CompareRequest): Comparison {
  const { scenario, policies, seeds } = request;
  const tasks = compareCases(scenario, policies, seeds);
  const runs = tasks.map((task, index) => {
    request.onRun?.(task.policy, task.seed, index, tasks.length);
    return runCharted(task);
  });
  return comparisonOfCases(scenario, policies, seeds, runs);
}

/** compare on worker threads (see parallel.ts): the same Comparison for every `jobs`. */
export async function compareInParallel(request: Omit<CompareRequest, "onRun">, options: RunCasesOptions): Promise<Comparison> {
  const { scenario, policies, seeds } = request;
  const runs = await runCases(compareCases(scenario, policies, seeds), options);
  return comparisonOfCases(scenario, policies, seeds, runs);
}

/**
 * A comparison's runs, policy by policy and within a policy seed by seed: the order shards are cut from.
 * The time series of the first seed only: a page shows one run's timeline per policy.
 */
export function compareCases(scenario: Scenario, policies: readonly PolicySpec[], seeds: readonly number[]): ChartedRunTask[] {
  return policies.flatMap((policy) => seeds.map((seed, seedIndex) => ({ kind: "charted_run" as const, scenario, policy, seed, timeline: seedIndex === 0 })));
}

/** The Comparison of runs made from compareCases(scenario, policies, seeds), in that order. */
export function comparisonOfCases(scenario: Scenario, policies: readonly PolicySpec[], seeds: readonly number[], runs: readonly ChartedRun[]): Comparison {
  if (runs.length !== policies.length * seeds.length) throw new Error(`expected ${policies.length * seeds.length} runs, got ${runs.length}`);
  const runsByPolicy = policies.map((policy, policyIndex) => {
    const charted = runs.slice(policyIndex * seeds.length, (policyIndex + 1) * seeds.length);
    return { policy, runs: charted.map((run) => run.summary), charts: charted.map((run) => run.charts) };
  });
  return compareFromRuns(scenario, runsByPolicy, seeds);
}

/** Aggregates runs already made; `runs[i]` of every policy must be on `seeds[i]`. */
export function compareFromRuns(
  scenario: Scenario,
  runsByPolicy: readonly { readonly policy: PolicySpec; readonly runs: readonly RunSummary[]; readonly charts?: readonly RunCharts[] }[],
  seeds: readonly number[],
): Comparison {
  const baselineRows = runsByPolicy[0]?.runs.map((run) => indexRows(metricRows(run))) ?? [];
  const results = runsByPolicy.map(({ policy, runs, charts }) => ({
    policy,
    runs,
    rows: aggregate(runs, baselineRows),
    charts: charts === undefined ? undefined : policyCharts(charts),
  }));
  return { scenario, seeds, baseline: runsByPolicy[0]?.policy.name ?? "", results };
}

function aggregate(runs: readonly RunSummary[], baselineRows: readonly Map<string, MetricRow>[]): AggregateRow[] {
  const perSeed = runs.map((run) => indexRows(metricRows(run)));
  const keys = new Map<string, MetricRow>();
  for (const rows of perSeed) for (const [key, row] of rows) if (!keys.has(key)) keys.set(key, row);
  return [...keys.entries()].map(([key, template]) => {
    const values = perSeed.map((rows) => rows.get(key)?.value ?? Number.NaN);
    const ratios = values.map((value, seedIndex) => {
      const base = baselineRows[seedIndex]?.get(key)?.value;
      return base === undefined || base === 0 ? Number.NaN : value / base;
    });
    return {
      scope: template.scope,
      group: template.group,
      metric: template.metric,
      estimate: estimate(values),
      ratioToBaseline: estimate(ratios),
    };
  });
}

function indexRows(rows: readonly MetricRow[]): Map<string, MetricRow> {
  return new Map(rows.map((row) => [rowKey(row), row]));
}

/** Finds an aggregate row, e.g. `find(result, "lane", "interactive", "latency_ms_p95")`. */
export function findRow(result: PolicyResult, scope: Scope, group: string, metric: string): AggregateRow | undefined {
  return result.rows.find((row) => row.scope === scope && row.group === group && row.metric === metric);
}
