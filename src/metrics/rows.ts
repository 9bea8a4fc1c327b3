// A run summary as flat rows (scope, group, metric, value): the unit of cross-seed aggregation, CSV output
// and A/B ratios. Adding a metric to the summary means adding its row here.

import type { JobCounts } from "./breakdown.ts";
import type { RunSummary } from "./collector.ts";
import type { ContextSummary, Retention } from "./context.ts";
import type { FairnessSummary } from "./fairness.ts";
import type { Percentiles } from "./percentiles.ts";

/** `fairness` rows are per dimension: group `tenant` or `lane` (Jain's index, service lag, contended time). */
/** `context` rows are the sessions' figures: group `all`, `pinned`, `importance:<band>` or `length:<band>`. */
export type Scope = "overall" | "lane" | "tenant" | "tenant_lane" | "fairness" | "resource" | "provider" | "release_reason" | "release_result" | "context";

export interface MetricRow {
  readonly scope: Scope;
  readonly group: string;
  readonly metric: string;
  readonly value: number;
}

export function metricRows(summary: RunSummary): MetricRow[] {
  const rows: MetricRow[] = [];
  const add = (scope: Scope, group: string, metric: string, value: number): void => {
    rows.push({ scope, group, metric, value });
  };
  const addLatency = (scope: Scope, group: string, latency: Percentiles): void => {
    add(scope, group, "jobs_completed", latency.count);
    add(scope, group, "latency_ms_mean", latency.mean);
    add(scope, group, "latency_ms_p50", latency.p50);
    add(scope, group, "latency_ms_p95", latency.p95);
    add(scope, group, "latency_ms_p99", latency.p99);
    add(scope, group, "latency_ms_max", latency.max);
  };
  addLatency("overall", "all", summary.latency_ms.overall);
  add("overall", "all", "jobs_arrived", summary.jobs.arrived);
  add("overall", "all", "jobs_failed", summary.jobs.failed);
  add("overall", "all", "throughput_jobs_per_s", summary.throughput_jobs_per_s);
  add("overall", "all", "makespan_ms", summary.makespan_ms);
  add("overall", "all", "queue_wait_ms_p50", summary.queue_wait_ms.p50);
  add("overall", "all", "queue_wait_ms_p95", summary.queue_wait_ms.p95);
  add("overall", "all", "queue_wait_ms_max", summary.queue_wait_ms.max);
  add("overall", "all", "requests_started", summary.requests.started);
  add("overall", "all", "requests_rate_limited", summary.requests.rate_limited);
  add("overall", "all", "requests_errors", summary.requests.errors);
  add("overall", "all", "requests_timeouts", summary.requests.timeouts);
  add("overall", "all", "requests_retries", summary.requests.retries);
  add("overall", "all", "input_tokens_ok", summary.requests.input_tokens_ok);
  add("overall", "all", "output_tokens_ok", summary.requests.output_tokens_ok);
  add("overall", "all", "hidden_waiters_max", summary.hidden_waiters.max);
  add("overall", "all", "hidden_wait_ms_total", summary.hidden_waiters.total_wait_ms);
  add("overall", "all", "leases_unreleased", summary.leases.unreleased);
  add("overall", "all", "jobs_canceled", summary.jobs.canceled);
  add("overall", "all", "ready_to_lease_gap_ms_p95", summary.ready_to_lease_gap_ms.p95);
  for (const [name, value] of Object.entries(summary.scheduler)) add("overall", "all", name, value);
  add("overall", "all", "cost_total", summary.cost.total);
  add("overall", "all", "cost_per_job_mean", summary.cost.per_completed_job.mean);
  add("overall", "all", "cost_per_job_p95", summary.cost.per_completed_job.p95);
  for (const [reason, count] of Object.entries(summary.leases.reasons)) add("release_reason", reason, "releases", count);
  for (const [result, count] of Object.entries(summary.leases.results)) add("release_result", result, "releases", count);
  for (const [lane, latency] of Object.entries(summary.latency_ms.by_lane)) addLatency("lane", lane, latency);
  for (const [tenant, latency] of Object.entries(summary.latency_ms.by_tenant)) addLatency("tenant", tenant, latency);
  for (const [pair, latency] of Object.entries(summary.latency_ms.by_tenant_lane)) addLatency("tenant_lane", pair, latency);
  const addOutcomes = (scope: Scope, groups: Readonly<Record<string, JobCounts>>): void => {
    for (const [group, counts] of Object.entries(groups)) {
      add(scope, group, "jobs_arrived", counts.arrived);
      add(scope, group, "jobs_failed", counts.failed);
      add(scope, group, "jobs_canceled", counts.canceled);
    }
  };
  addOutcomes("lane", summary.jobs_by_group.by_lane);
  addOutcomes("tenant", summary.jobs_by_group.by_tenant);
  addOutcomes("tenant_lane", summary.jobs_by_group.by_tenant_lane);
  add("overall", "all", "arrival_window_ms", summary.arrival_window.duration_ms);
  add("overall", "all", "backlog_jobs_at_half", summary.backlog.jobs_at_half);
  add("overall", "all", "backlog_jobs_at_end", summary.backlog.jobs_at_end);
  add("overall", "all", "backlog_growing", summary.backlog.growing ? 1 : 0);
  add("overall", "all", "throughput_jobs_per_s_arrival_window", summary.arrival_window.throughput_jobs_per_s);
  const addFairness = (scope: "tenant" | "lane", fairness: FairnessSummary): void => {
    add("fairness", scope, "fairness_jain_tokens", fairness.fairness_jain_tokens);
    add("fairness", scope, "fairness_jain_provider_time", fairness.fairness_jain_provider_time);
    add("fairness", scope, "service_lag_max_tokens", fairness.service_lag_max_tokens);
    add("fairness", scope, "contended_ms", fairness.contended_ms);
    for (const [group, service] of Object.entries(fairness.groups)) {
      add(scope, group, "service_tokens", service.service_tokens);
      add(scope, group, "service_tokens_share", service.service_tokens_share);
      add(scope, group, "provider_time_ms", service.provider_time_ms);
      add(scope, group, "provider_time_share", service.provider_time_share);
      add(scope, group, "backlogged_contended_ms", service.backlogged_contended_ms);
      add(scope, group, "queue_wait_ms_p95", service.queue_wait_ms.p95);
      add(scope, group, "queue_wait_ms_max", service.queue_wait_ms.max);
    }
  };
  addFairness("tenant", summary.fairness.by_tenant);
  addFairness("lane", summary.fairness.by_lane);
  for (const [resource, utilization] of Object.entries(summary.utilization)) add("resource", resource, "utilization", utilization);
  for (const [resource, utilization] of Object.entries(summary.arrival_window.utilization)) {
    add("resource", resource, "utilization_arrival_window", utilization);
  }
  for (const [provider, figures] of Object.entries(summary.providers)) {
    for (const [metric, value] of Object.entries(figures)) add("provider", provider, metric, value);
  }
  if (summary.context !== undefined) addContext(add, summary.context);
  return rows;
}

function addContext(add: (scope: Scope, group: string, metric: string, value: number) => void, context: ContextSummary): void {
  const addRetention = (group: string, retention: Retention): void => {
    add("context", group, "retention", retention.retention);
    add("context", group, "probes", retention.probes);
  };
  addRetention("all", context.retention);
  addRetention("pinned", context.retention_pinned);
  for (const [band, retention] of Object.entries(context.retention_by_importance)) addRetention(`importance:${band}`, retention);
  for (const [band, retention] of Object.entries(context.retention_by_session_length)) addRetention(`length:${band}`, retention);
  add("context", "all", "sessions", context.sessions);
  add("context", "all", "turns", context.turns);
  add("context", "all", "compactions", context.compactions);
  add("context", "all", "compaction_tokens", context.compaction_tokens);
  add("context", "all", "facts_lost", context.facts_lost);
  add("context", "all", "recalls", context.recalls);
  add("context", "all", "recall_misses", context.recall_misses);
  add("context", "all", "recall_tokens", context.recall_tokens);
  add("context", "all", "recall_latency_ms_mean", context.recall_latency_ms.mean);
  add("context", "all", "recall_latency_ms_p95", context.recall_latency_ms.p95);
  add("context", "all", "context_tokens_per_turn_mean", context.context_tokens_per_turn.mean);
  add("context", "all", "context_tokens_per_turn_p95", context.context_tokens_per_turn.p95);
  add("context", "all", "context_tokens_per_turn_max", context.context_tokens_per_turn.max);
  add("context", "all", "store_tokens_final_mean", context.store_tokens_final_mean);
  add("context", "all", "store_segments_final_mean", context.store_segments_final_mean);
  add("context", "all", "store_tokens_max", context.store_tokens_max);
}

export function rowKey(row: Pick<MetricRow, "scope" | "group" | "metric">): string {
  return `${row.scope}\u0000${row.group}\u0000${row.metric}`;
}
