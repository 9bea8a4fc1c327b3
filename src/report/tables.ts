// The tables a comparison is read from: latency by lane, the run-level figures (throughput, failures, 429s,
// queue wait, utilization, change against the baseline), providers and rate control, admission, releases and
// fairness between tenants.

import { type Comparison, type PolicyResult, findRow } from "../experiment/compare.ts";
import type { Estimate } from "../metrics/confidence.ts";
import { IMPORTANCE_BANDS, LENGTH_BANDS } from "../metrics/context.ts";
import type { Scope } from "../metrics/rows.ts";
import { formatChange, formatEstimate, formatPercent } from "./format.ts";
import type { Table } from "./table.ts";

const MISSING: Estimate = { n: 0, mean: Number.NaN, ci95: Number.NaN, min: Number.NaN, max: Number.NaN };

function value(result: PolicyResult, scope: Scope, group: string, metric: string): Estimate {
  return findRow(result, scope, group, metric)?.estimate ?? MISSING;
}

function groupsOf(comparison: Comparison, scope: Scope): string[] {
  const groups = new Set<string>();
  for (const result of comparison.results) for (const row of result.rows) if (row.scope === scope) groups.add(row.group);
  return [...groups].sort();
}

const SECONDS = 1 / 1000;

function ratioCell(comparison: Comparison, result: PolicyResult, scope: Scope, group: string, metric: string): string {
  if (result.policy.name === comparison.baseline) return "baseline";
  return formatChange(findRow(result, scope, group, metric)?.ratioToBaseline ?? MISSING);
}

function hasBaselineRatios(comparison: Comparison): boolean {
  return comparison.results.length > 1;
}

/**
 * Job latency of completed jobs, in seconds, per lane (or tenant) and overall, with the jobs that failed and,
 * with several policies, each group's paired P95 ratio to the baseline.
 */
export function latencyTable(comparison: Comparison, scope: "lane" | "tenant" = "lane"): Table {
  const ratios = hasBaselineRatios(comparison);
  const rows: string[][] = [];
  for (const result of comparison.results) {
    const groups: [Scope, string][] = [...groupsOf(comparison, scope).map((group): [Scope, string] => [scope, group]), ["overall", "all"]];
    groups.forEach(([rowScope, group], index) => {
      rows.push([
        index === 0 ? result.policy.name : "",
        group,
        formatEstimate(value(result, rowScope, group, "jobs_completed")),
        formatEstimate(value(result, rowScope, group, "jobs_failed")),
        formatEstimate(value(result, rowScope, group, "latency_ms_p50"), SECONDS),
        formatEstimate(value(result, rowScope, group, "latency_ms_p95"), SECONDS),
        formatEstimate(value(result, rowScope, group, "latency_ms_p99"), SECONDS),
        formatEstimate(value(result, rowScope, group, "latency_ms_max"), SECONDS),
        ...(ratios ? [ratioCell(comparison, result, rowScope, group, "latency_ms_p95")] : []),
      ]);
    });
  }
  return {
    title: `Job latency by ${scope} (seconds, completed jobs)`,
    headers: ["policy", scope, "jobs", "failed", "P50", "P95", "P99", "max", ...(ratios ? ["P95 vs baseline"] : [])],
    numeric: [false, false, true, true, true, true, true, true, ...(ratios ? [true] : [])],
    keyColumns: 2,
    rows,
  };
}

/** Whether a comparison has more than one tenant: then tenants get tables of their own. */
export function hasSeveralTenants(comparison: Comparison): boolean {
  return groupsOf(comparison, "tenant").length > 1;
}

/** Each tenant split by lane: completed and failed jobs, latency, and the paired P95 ratio to the baseline. */
export function tenantLaneTable(comparison: Comparison): Table {
  const ratios = hasBaselineRatios(comparison);
  const pairs = groupsOf(comparison, "tenant_lane");
  const rows: string[][] = [];
  for (const result of comparison.results) {
    let previousTenant = "";
    pairs.forEach((pair, index) => {
      const tenant = pair.slice(0, pair.lastIndexOf("/"));
      rows.push([
        index === 0 ? result.policy.name : "",
        tenant === previousTenant ? "" : tenant,
        pair.slice(pair.lastIndexOf("/") + 1),
        formatEstimate(value(result, "tenant_lane", pair, "jobs_completed")),
        formatEstimate(value(result, "tenant_lane", pair, "jobs_failed")),
        formatEstimate(value(result, "tenant_lane", pair, "latency_ms_p50"), SECONDS),
        formatEstimate(value(result, "tenant_lane", pair, "latency_ms_p95"), SECONDS),
        formatEstimate(value(result, "tenant_lane", pair, "latency_ms_max"), SECONDS),
        ...(ratios ? [ratioCell(comparison, result, "tenant_lane", pair, "latency_ms_p95")] : []),
      ]);
      previousTenant = tenant;
    });
  }
  return {
    title: "Job latency by tenant × lane (seconds, completed jobs)",
    headers: ["policy", "tenant", "lane", "jobs", "failed", "P50", "P95", "max", ...(ratios ? ["P95 vs baseline"] : [])],
    numeric: [false, false, false, true, true, true, true, true, ...(ratios ? [true] : [])],
    keyColumns: 3,
    rows,
  };
}

/**
 * Utilization of each resource over the whole run and over the arrival window (steady state, before the drain),
 * with throughput the same two ways on the policy's first line.
 */
export function utilizationTable(comparison: Comparison): Table {
  const resources = groupsOf(comparison, "resource");
  const rows: string[][] = [];
  for (const result of comparison.results) {
    resources.forEach((resource, index) => {
      const first = index === 0;
      rows.push([
        first ? result.policy.name : "",
        first ? formatEstimate(value(result, "overall", "all", "throughput_jobs_per_s_arrival_window")) : "",
        first ? formatEstimate(value(result, "overall", "all", "throughput_jobs_per_s")) : "",
        resource,
        formatPercent(value(result, "resource", resource, "utilization_arrival_window")),
        formatPercent(value(result, "resource", resource, "utilization")),
      ]);
    });
  }
  return {
    title: "Throughput and utilization: while jobs arrive (steady state) and over the whole run (with the drain)",
    headers: ["policy", "jobs/s arriving", "jobs/s whole run", "resource", "util arriving", "util whole run"],
    numeric: [false, true, true, false, true, true],
    keyColumns: 1,
    rows,
  };
}

/**
 * Per provider: goodput, 429s and attempts per success, wasted tokens, and what rate control did (time it held
 * requests back, fail-fast refusals, denied retries, time the circuit was open, the longest time the provider
 * looked down to its callers, the AIMD limit's mean and low).
 */
export function providerTable(comparison: Comparison): Table {
  const providers = groupsOf(comparison, "provider");
  const rows: string[][] = [];
  for (const result of comparison.results) {
    providers.forEach((provider, index) => {
      const figure = (metric: string, scale = 1): string => formatEstimate(value(result, "provider", provider, metric), scale);
      rows.push([
        index === 0 ? result.policy.name : "",
        provider,
        figure("goodput_output_tokens_per_s"),
        figure("rate_limited_per_success"),
        figure("attempts_per_success"),
        figure("wasted_tokens"),
        figure("delayed_ms", SECONDS),
        figure("refused"),
        figure("retries_denied"),
        figure("circuit_open_ms", SECONDS),
        figure("longest_failure_run_ms", SECONDS),
        figure("limit_mean"),
        figure("limit_min"),
      ]);
    });
  }
  return {
    title: "Providers and rate control (goodput in output tokens/s; held back and circuit open in seconds, summed over requests)",
    keyColumns: 2,
    headers: ["policy", "provider", "goodput", "429s/success", "attempts/success", "wasted tokens", "held back (s)", "refused", "retries denied", "circuit open (s)", "looked down (s)", "limit mean", "limit min"],
    numeric: [false, false, true, true, true, true, true, true, true, true, true, true, true],
    rows,
  };
}

/** Throughput, failures, rate limiting, queueing and the change of P95 against the baseline, per policy. */
export function runTable(comparison: Comparison): Table {
  const rows = comparison.results.map((result) => [
    result.policy.name,
    formatEstimate(value(result, "overall", "all", "throughput_jobs_per_s")),
    formatEstimate(value(result, "overall", "all", "jobs_failed")),
    formatEstimate(value(result, "overall", "all", "requests_rate_limited")),
    formatEstimate(value(result, "overall", "all", "requests_retries")),
    formatEstimate(value(result, "overall", "all", "queue_wait_ms_p95"), SECONDS),
    ratioCell(comparison, result, "overall", "all", "latency_ms_p95"),
  ]);
  return {
    title: "Runs",
    headers: ["policy", "jobs/s", "failed", "429s", "retries", "queue wait P95 (s)", "P95 vs baseline"],
    numeric: [false, true, true, true, true, true, true],
    keyColumns: 1,
    rows,
  };
}

/** How admission behaved: hidden waiting, refusals, backoff, retries, zombies, cost. */
export function admissionTable(comparison: Comparison): Table {
  const rows = comparison.results.map((result) => [
    result.policy.name,
    result.policy.admission,
    formatEstimate(value(result, "overall", "all", "hidden_waiters_max")),
    formatEstimate(value(result, "overall", "all", "hidden_wait_ms_total"), SECONDS),
    formatEstimate(value(result, "overall", "all", "ready_to_lease_gap_ms_p95"), SECONDS),
    formatEstimate(value(result, "overall", "all", "refused_spawns")),
    formatEstimate(value(result, "overall", "all", "backoff_ms"), SECONDS),
    formatEstimate(value(result, "overall", "all", "task_retries")),
    formatEstimate(value(result, "overall", "all", "zombies")),
    formatEstimate(value(result, "overall", "all", "cost_per_job_mean")),
  ]);
  return {
    title: "Admission and cost",
    keyColumns: 1,
    headers: ["policy", "design", "hidden waiters (max)", "hidden wait (s)", "ready→lease P95 (s)", "refused spawns", "backoff (s)", "task retries", "zombies", "cost/job"],
    numeric: [false, false, true, true, true, true, true, true, true, true],
    rows,
  };
}

/** Lease releases by reason, and every release that was not `released` (always a bug in the caller). */
export function releaseTable(comparison: Comparison): Table {
  const reasons = groupsOf(comparison, "release_reason");
  const results = groupsOf(comparison, "release_result").filter((result) => result !== "released");
  const rows = comparison.results.map((result) => [
    result.policy.name,
    ...reasons.map((reason) => formatEstimate(value(result, "release_reason", reason, "releases"))),
    ...results.map((name) => formatEstimate(value(result, "release_result", name, "releases"))),
  ]);
  return {
    title: "Lease releases by reason",
    keyColumns: 1,
    headers: ["policy", ...reasons, ...results.map((name) => `result: ${name}`)],
    numeric: [false, ...reasons.map(() => true), ...results.map(() => true)],
    rows,
  };
}

/** Whether there is anything to be fair between: two tenants or two lanes in some run. */
export function hasFairnessGroups(comparison: Comparison): boolean {
  return comparison.results.some((result) =>
    result.runs.some((run) => Object.keys(run.fairness.by_tenant.groups).length > 1 || Object.keys(run.fairness.by_lane.groups).length > 1),
  );
}

/**
 * Fairness per policy: each tenant's share of the tokens served and its queue wait, then (on the policy's first
 * line) Jain's index between tenants and between lanes and the largest service lag between two tenants.
 */
export function fairnessTable(comparison: Comparison): Table {
  const tenants = groupsOf(comparison, "tenant");
  const rows: string[][] = [];
  for (const result of comparison.results) {
    tenants.forEach((tenant, index) => {
      const first = index === 0;
      rows.push([
        first ? result.policy.name : "",
        tenant,
        formatPercent(value(result, "tenant", tenant, "service_tokens_share")),
        formatEstimate(value(result, "tenant", tenant, "queue_wait_ms_p95"), SECONDS),
        formatEstimate(value(result, "tenant", tenant, "queue_wait_ms_max"), SECONDS),
        first ? formatEstimate(value(result, "fairness", "tenant", "fairness_jain_tokens")) : "",
        first ? formatEstimate(value(result, "fairness", "lane", "fairness_jain_tokens")) : "",
        first ? formatEstimate(value(result, "fairness", "tenant", "service_lag_max_tokens")) : "",
      ]);
    });
  }
  return {
    title: "Fairness (Jain over token rates while backlogged: 1 = in proportion to weight, – = no contention)",
    keyColumns: 2,
    headers: ["policy", "tenant", "token share", "queue wait P95 (s)", "queue wait max (s)", "Jain tenants", "Jain lanes", "lag max (tokens)"],
    numeric: [false, false, true, true, true, true, true, true],
    rows,
  };
}

/** Whether the runs had agent sessions: then the Context tables show what their managers kept. */
export function hasContext(comparison: Comparison): boolean {
  return comparison.results.some((result) => result.rows.some((row) => row.scope === "context"));
}

/** Whether any job arrived: a sessions-only scenario (`stop.jobs: 0`) has no scheduling tables to show. */
export function hasJobs(comparison: Comparison): boolean {
  return comparison.results.some((result) => (findRow(result, "overall", "all", "jobs_arrived")?.estimate.mean ?? 0) > 0);
}

/** The scheduling tables and charts, unless the scenario runs sessions instead of jobs. */
export function showsJobs(comparison: Comparison): boolean {
  return hasJobs(comparison) || !hasContext(comparison);
}

/** The context manager a policy's sessions ran under. */
export function contextKindOf(result: PolicyResult): string {
  return result.policy.context?.kind ?? "sliding_window";
}

/** Per policy: its context manager, key-fact retention at probe time, and what compaction, recall and the store cost. */
export function contextTable(comparison: Comparison): Table {
  const rows = comparison.results.map((result) => [
    result.policy.name,
    contextKindOf(result),
    formatPercent(value(result, "context", "all", "retention"), 1),
    formatPercent(value(result, "context", "pinned", "retention"), 1),
    formatEstimate(value(result, "context", "all", "compaction_tokens")),
    formatEstimate(value(result, "context", "all", "recall_tokens")),
    formatEstimate(value(result, "context", "all", "recall_latency_ms_mean"), SECONDS),
    formatEstimate(value(result, "context", "all", "context_tokens_per_turn_mean")),
    formatEstimate(value(result, "context", "all", "store_tokens_final_mean")),
  ]);
  return {
    title: "Context (retention: share of probes whose fact was in the assembled context; tokens per run)",
    keyColumns: 1,
    headers: ["policy", "manager", "retention", "pinned", "compaction tokens", "recall tokens", "recall (s)", "context/turn", "store tokens"],
    numeric: [false, false, true, true, true, true, true, true, true],
    rows,
  };
}

/** Retention by the fact's importance band and by the length of its session (docs/metrics.md, "Context"). */
export function retentionTable(comparison: Comparison): Table {
  const groups = groupsOf(comparison, "context");
  const importance = IMPORTANCE_BANDS.map((band) => `importance:${band.name}`).filter((group) => groups.includes(group));
  const lengths = LENGTH_BANDS.map((band) => `length:${band.name}`).filter((group) => comparison.results.some((result) => value(result, "context", group, "probes").mean > 0));
  const rows = comparison.results.map((result) => [result.policy.name, ...[...importance, ...lengths].map((group) => formatPercent(value(result, "context", group, "retention"), 1))]);
  return {
    title: "Retention by importance and by session length (turns)",
    keyColumns: 1,
    headers: ["policy", ...importance.map((group) => group.replace("importance:", "")), ...lengths.map((group) => group.replace("length:", ""))],
    numeric: [false, ...importance.map(() => true), ...lengths.map(() => true)],
    rows,
  };
}
