// A valid scenario file (snake_case, defaults applied by the schema) as the simulator's Scenario (camelCase).
// Only mapping happens here: every check has run before (schema-problems.ts, references.ts, feasibility.ts).

import type { ScenarioFile } from "./schema.ts";
import { traceFilesOf, traceSpecOf } from "./trace-spec.ts";
import type { JobTemplate, PolicySpec, ProviderSpec, Scenario, SessionsSpec } from "./types.ts";

export function normalize(data: ScenarioFile): Scenario {
  const providers: ProviderSpec[] = data.providers.map((provider) => ({
    name: provider.name,
    maxConcurrent: provider.max_concurrent,
    rateLimit: {
      mode: provider.rate_limit.mode,
      requestsPerMinute: provider.rate_limit.requests_per_minute,
      tokensPerMinute: provider.rate_limit.tokens_per_minute,
      windowMs: provider.rate_limit.window_ms,
    },
    latency: {
      timeToFirstTokenMs: provider.latency.time_to_first_token_ms,
      decodeTokensPerSecond: provider.latency.decode_tokens_per_second,
    },
    rejectLatencyMs: provider.reject_latency_ms,
    errorRate: provider.error_rate,
    timeoutRate: provider.timeout_rate,
    timeoutMs: provider.timeout_ms,
    outages: provider.outages.map((outage) => ({ startMs: outage.start_ms, endMs: outage.end_ms, status: outage.status })),
    latencySpikes: provider.latency_spikes.map((spike) => ({ startMs: spike.start_ms, endMs: spike.end_ms, factor: spike.factor })),
    pricePer1kInputTokens: provider.price_per_1k_input_tokens,
    pricePer1kOutputTokens: provider.price_per_1k_output_tokens,
  }));
  const templates: JobTemplate[] = data.templates.map((template) => {
    return {
      name: template.name,
      weight: template.weight,
      lane: template.lane,
      tenant: template.tenant,
      mode: template.mode,
      provider: template.provider,
      shape: template.shape,
      callsPerTask: template.calls_per_task,
      inputTokens: template.input_tokens,
      outputTokens: template.output_tokens,
      maxOutputTokens: template.max_output_tokens,
      roleProviders: definedOnly(template.role_providers),
      resources: template.resources,
    };
  });
  const policies: PolicySpec[] = data.policies.map((policy) => ({
    name: policy.name,
    description: policy.description,
    queue: { kind: policy.queue.kind, groupBy: policy.queue.group_by, options: policy.queue },
    yieldBetweenCalls: policy.yield_between_calls,
    admission: policy.admission,
    globalMaxConcurrent: policy.global_max_concurrent,
    modeLimits: definedOnly(policy.mode_limits),
    projectLimits: policy.project_limits,
    projectMentionLimits: policy.project_mention_limits,
    salvageTransient: policy.salvage_transient,
    taskFailure: {
      strategy: policy.task_failure.strategy,
      maxRetries: policy.task_failure.max_retries,
      backoffBaseMs: policy.task_failure.backoff_base_ms,
      backoffMaxMs: policy.task_failure.backoff_max_ms,
      jitter: policy.task_failure.jitter,
    },
    ask: { answer: policy.ask.answer, afterMs: policy.ask.after_ms },
    taskTimeoutMs: policy.task_timeout_ms,
    reapAfterMs: policy.reap_after_ms,
    rejectBackoff: { baseMs: policy.reject_backoff.base_ms, maxMs: policy.reject_backoff.max_ms },
    tokenBudget: policy.token_budget === undefined ? undefined : { tokensPerTask: policy.token_budget.tokens_per_task, enforcement: policy.token_budget.enforcement },
    retry: {
      maxAttempts: policy.retry.max_attempts,
      onRateLimit: policy.retry.on_rate_limit,
      fixedDelayMs: policy.retry.fixed_delay_ms,
      errorBackoffBaseMs: policy.retry.error_backoff_base_ms,
      errorBackoffMaxMs: policy.retry.error_backoff_max_ms,
      backoffMultiplier: policy.retry.backoff_multiplier,
      jitter: policy.retry.jitter,
    },
    rateControl: policy.rate_control,
    orchestratorProvider: policy.orchestrator_provider,
    context: policy.context === undefined ? undefined : { kind: policy.context.kind, options: policy.context },
  }));

  return {
    name: data.name,
    description: data.description,
    seed: data.seed,
    seeds: data.seeds,
    stop: { jobs: data.stop?.jobs, durationMs: data.stop?.duration_ms },
    arrivals: data.arrivals === undefined ? undefined : { process: data.arrivals.process, ratePerSecond: data.arrivals.rate_per_second, templates: data.arrivals.templates },
    traces: traceFilesOf(data.workload).map(({ path, trace }) => traceSpecOf(path, trace, templates[0]?.name ?? "", data.limits.max_trace_lines)),
    providers,
    templates,
    workers: {
      spawnMs: data.workers.spawn_ms,
      stopMs: data.workers.stop_ms,
      spawnFailureRate: data.workers.spawn_failure_rate,
      stallRate: data.workers.stall_rate,
      crashRate: data.workers.crash_rate,
    },
    faults: {
      jobCancelRate: data.faults.job_cancel_rate,
      cancelAfterMs: data.faults.cancel_after_ms,
      staleSelectionRate: data.faults.stale_selection_rate,
    },
    shutdown: data.shutdown === undefined ? undefined : { atMs: data.shutdown.at_ms, mode: data.shutdown.mode },
    resources: data.resources,
    orchestratorProvider: data.orchestrator_provider,
    policies,
    limits: { maxEvents: data.limits.max_events, maxTraceLines: data.limits.max_trace_lines },
    sessions: data.sessions === undefined ? undefined : normalizeSessions(data.sessions),
  };
}

/** Drops keys whose value is undefined (optional fields the file left out). */
function definedOnly<T>(record: Readonly<Record<string, T | undefined>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter((entry): entry is [string, T] => entry[1] !== undefined));
}

function normalizeSessions(sessions: NonNullable<ScenarioFile["sessions"]>): SessionsSpec {
  return {
    count: sessions.count,
    turns: sessions.turns,
    turnTokens: sessions.turn_tokens,
    turnGapMs: sessions.turn_gap_ms,
    windowTokens: sessions.window_tokens,
    factChance: sessions.fact_chance,
    importance: sessions.importance,
    pinnedImportanceMin: sessions.pinned_importance_min,
    probeChance: sessions.probe_chance,
    probeMinAgeTurns: sessions.probe_min_age_turns,
  };
}
