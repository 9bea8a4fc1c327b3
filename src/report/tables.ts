// The tables a comparison is read from: latency by lane, the run-level figures (throughput, failures, 429s,
// queue wait, utilization, change against the baseline), admission, releases and fairness between tenants.

import { type Comparison, type PolicyResult, findRow } from "../experiment/compare.ts";
import type { Estimate } from "../metrics/confidence.ts";
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

/** Job latency of completed jobs, in seconds, per lane and overall. */
export function latencyTable(comparison: Comparison, scope: "lane" | "tenant" = "lane"): Table {
  const rows: string[][] = [];
  for (const result of comparison.results) {
    const groups: [Scope, string][] = [...groupsOf(comparison, scope).map((group): [Scope, string] => [scope, group]), ["overall", "all"]];
    groups.forEach(([rowScope, group], index) => {
      rows.push([
        index === 0 ? result.policy.name : "",
        group,
        formatEstimate(value(result, rowScope, group, "jobs_completed")),
        formatEstimate(value(result, rowScope, group, "latency_ms_p50"), SECONDS),
        formatEstimate(value(result, rowScope, group, "latency_ms_p95"), SECONDS),
        formatEstimate(value(result, rowScope, group, "latency_ms_p99"), SECONDS),
        formatEstimate(value(result, rowScope, group, "latency_ms_max"), SECONDS),
      ]);
    });
  }
  return {
    title: `Job latency by ${scope} (seconds, completed jobs)`,
    headers: ["policy", scope, "jobs", "P50", "P95", "P99", "max"],
    numeric: [false, false, true, true, true, true, true],
    rows,
  };
}

/** Throughput, failures, rate limiting, queueing and utilization per policy. */
export function runTable(comparison: Comparison): Table {
  const resources = groupsOf(comparison, "resource");
  const rows = comparison.results.map((result) => [
    result.policy.name,
    formatEstimate(value(result, "overall", "all", "throughput_jobs_per_s")),
    formatEstimate(value(result, "overall", "all", "jobs_failed")),
    formatEstimate(value(result, "overall", "all", "requests_rate_limited")),
    formatEstimate(value(result, "overall", "all", "requests_retries")),
    formatEstimate(value(result, "overall", "all", "queue_wait_ms_p95"), SECONDS),
    ...resources.map((resource) => formatPercent(value(result, "resource", resource, "utilization"))),
    result.policy.name === comparison.baseline
      ? "baseline"
      : formatChange(findRow(result, "overall", "all", "latency_ms_p95")?.ratioToBaseline ?? MISSING),
  ]);
  return {
    title: "Runs",
    headers: ["policy", "jobs/s", "failed", "429s", "retries", "queue wait P95 (s)", ...resources.map((resource) => `util ${resource}`), "P95 vs baseline"],
    numeric: [false, true, true, true, true, true, ...resources.map(() => true), true],
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
 * Fairness per policy: Jain's index between tenants and between lanes and the largest service lag between two
 * tenants (on the policy's first line), then each tenant's share of the tokens served and its queue wait.
 */
export function fairnessTable(comparison: Comparison): Table {
  const tenants = groupsOf(comparison, "tenant");
  const rows: string[][] = [];
  for (const result of comparison.results) {
    tenants.forEach((tenant, index) => {
      const first = index === 0;
      rows.push([
        first ? result.policy.name : "",
        first ? formatEstimate(value(result, "fairness", "tenant", "fairness_jain_tokens")) : "",
        first ? formatEstimate(value(result, "fairness", "lane", "fairness_jain_tokens")) : "",
        first ? formatEstimate(value(result, "fairness", "tenant", "service_lag_max_tokens")) : "",
        tenant,
        formatPercent(value(result, "tenant", tenant, "service_tokens_share")),
        formatEstimate(value(result, "tenant", tenant, "queue_wait_ms_p95"), SECONDS),
        formatEstimate(value(result, "tenant", tenant, "queue_wait_ms_max"), SECONDS),
      ]);
    });
  }
  return {
    title: "Fairness (Jain over token rates while backlogged: 1 = in proportion to weight, – = no contention)",
    headers: ["policy", "Jain tenants", "Jain lanes", "lag max (tokens)", "tenant", "token share", "queue wait P95 (s)", "queue wait max (s)"],
    numeric: [false, true, true, true, false, true, true, true],
    rows,
  };
}
