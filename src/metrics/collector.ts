// Derives a run's summary from its event log and nothing else, so that anyone holding the log can
// recompute every figure (../shared/docs/DESIGN.md, "Metrics"). It consumes events as they happen (as a sink
// during a run) or from a parsed JSONL file; both paths give the same summary.

import { type BacklogSummary, BacklogTrend } from "./backlog.ts";
import { unreachable } from "../policies/assert.ts";
import type { EventSink, LogEvent, LoggedEvent, ProviderPrice, QueueDescription } from "../eventlog/events.ts";
import { ArrivalWindow, type ArrivalWindowSummary, type JobBreakdown, OutcomeCounts, percentilesByPair } from "./breakdown.ts";
import { type FairnessSummary, FairnessTracker } from "./fairness.ts";
import { GroupedSample } from "./grouped-percentiles.ts";
import { IdTable, LiveRecords } from "./id-table.ts";
import { type Percentiles, Sample, percentiles } from "./percentiles.ts";
import { type ProviderSummary, ProviderTracker } from "./providers.ts";
import { type ContextSummary, ContextTracker } from "./context.ts";
import { ReapCounter } from "./reaps.ts";

export interface RunSummary {
  readonly scenario: string;
  readonly policy: string;
  readonly seed: number;
  readonly makespan_ms: number;
  readonly events: number;
  readonly jobs: { readonly arrived: number; readonly completed: number; readonly failed: number; readonly canceled: number };
  readonly tasks: { readonly ready: number; readonly completed: number; readonly failed: number; readonly canceled: number; readonly skipped: number };
  /** Completed jobs per second of makespan. */
  readonly throughput_jobs_per_s: number;
  /** job_finished.t − job_arrived.t over completed jobs. */
  readonly latency_ms: {
    readonly overall: Percentiles;
    readonly by_lane: Readonly<Record<string, Percentiles>>;
    readonly by_tenant: Readonly<Record<string, Percentiles>>;
    /** Keyed `tenant/lane` (breakdown.ts). */
    readonly by_tenant_lane: Readonly<Record<string, Percentiles>>;
  };
  /** Job outcomes per tenant, lane and tenant × lane. */
  readonly jobs_by_group: JobBreakdown;
  /** Throughput and utilization from the start to the last arrival: the steady state, without the drain. */
  readonly arrival_window: ArrivalWindowSummary;
  /** Jobs in the system through the arrival window, and whether that backlog grew the whole time (overload). */
  readonly backlog: BacklogSummary;
  /** lease_acquired.t − task_ready.t, per admission. */
  readonly queue_wait_ms: Percentiles;
  /**
   * task_ready.t to the last lease_acquired before the task's first request: how long until the task held
   * everything it needs. Equals queue wait under lease-before-spawn; adds the hidden wait otherwise.
   */
  readonly ready_to_lease_gap_ms: Percentiles;
  readonly requests: {
    readonly started: number;
    readonly ok: number;
    readonly rate_limited: number;
    readonly errors: number;
    readonly timeouts: number;
    /** Requests that were a second or later attempt. */
    readonly retries: number;
    /** Input tokens, and output tokens produced, of the requests that finished `ok`. */
    readonly input_tokens_ok: number;
    readonly output_tokens_ok: number;
  };
  /** Per resource: ∫ held dt / (limit × makespan). */
  readonly utilization: Readonly<Record<string, number>>;
  readonly hidden_waiters: { readonly max: number; readonly total_wait_ms: number };
  readonly scheduler: {
    readonly refused_spawns: number;
    readonly backoff_ms: number;
    readonly task_retries: number;
    readonly spawn_failures: number;
    readonly deadlocks: number;
    readonly jobs_paused: number;
    readonly zombies: number;
    readonly worker_crashes: number;
    readonly requests_aborted: number;
    readonly budget_warnings: number;
    readonly budget_enforced: number;
    /** Workers stopped with reason `reaped`, and those of them that had not stalled (docs/metrics.md). */
    readonly reaped: number;
    readonly false_reaps: number;
  };
  /** Price of successful requests: input and produced output tokens at the provider's price per 1k. */
  readonly cost: { readonly total: number; readonly per_completed_job: Percentiles };
  /** Service, backlog, Jain's index, service lag and queue wait per tenant and per lane (docs/metrics.md, "Fairness"). */
  readonly fairness: { readonly by_tenant: FairnessSummary; readonly by_lane: FairnessSummary };
  /** Per provider: goodput, 429s and attempts per success, wasted tokens, controller delays, circuit and AIMD figures. */
  readonly providers: Readonly<Record<string, ProviderSummary>>;
  readonly leases: {
    readonly acquired: number;
    readonly released: number;
    /** Leases still held when the run finished: always a bug. */
    readonly unreleased: number;
    readonly results: Readonly<Record<string, number>>;
    readonly reasons: Readonly<Record<string, number>>;
  };
  /** Retention, compaction and recall of the agent sessions (docs/metrics.md, "Context"); present when the run had sessions. */
  readonly context?: ContextSummary;
}

/** The fields of `taskGroups` and `requestService`. */
const TASK_TENANT = 0;
const TASK_LANE = 1;
const REQUEST_STARTED_MS = 0;
const REQUEST_INPUT_TOKENS = 1;
const REQUEST_TENANT_CLOCK_MS = 2;
const REQUEST_LANE_CLOCK_MS = 3;
const REQUEST_FIELDS = 4;

interface ResourceUse {
  readonly limit: number;
  held: number;
  sinceMs: number;
  integral: number;
}


export class MetricsCollector implements EventSink {
  private scenario = "";
  private policy = "";
  private seed = 0;
  private makespanMs = 0;
  private events = 0;
  /** Per job: arrival time, and lane and tenant as group indexes of `byLane` and `byTenant`. */
  private readonly jobArrivedMs = new IdTable();
  private readonly jobLane = new IdTable();
  private readonly jobTenant = new IdTable();
  private readonly byTenant: FairnessTracker;
  private readonly byLane: FairnessTracker;
  /** Per task: its job's tenant and lane (group indexes), read together at every step of its service. */
  private readonly taskGroups = new LiveRecords(2);
  /** Per request in flight: start time, input tokens, and its groups' contended-backlog clocks at the start. */
  private readonly requestService = new LiveRecords(REQUEST_FIELDS);
  private readonly jobCounts = { arrived: 0, completed: 0, failed: 0, canceled: 0 };
  private readonly taskCounts = { ready: 0, completed: 0, failed: 0, canceled: 0, skipped: 0 };
  /** Latency of completed jobs, with each job's tenant and lane. */
  private readonly latency = new GroupedSample();
  private readonly readySince = new IdTable();
  private readonly queueWait = new GroupedSample();
  private readonly requestCounts = { started: 0, ok: 0, rate_limited: 0, errors: 0, timeouts: 0, retries: 0, input_tokens_ok: 0, output_tokens_ok: 0 };
  private readonly resources = new Map<string, ResourceUse>();
  private readonly leaseResources = new Map<number, Readonly<Record<string, number>>>();
  private readonly leaseCounts = { acquired: 0, released: 0 };
  private readonly releaseResults: Record<string, number> = {};
  private readonly releaseReasons: Record<string, number> = {};
  private readonly waitingSince = new Map<string, number>();
  private hiddenWaitersMax = 0;
  private hiddenWaitMs = 0;
  /** Per task, from its first lease until its first request: when it became ready, when it last got a lease. */
  private readonly awaitingReadyMs = new IdTable();
  private readonly awaitingLeaseMs = new IdTable();
  private readonly readyToLeaseGap = new Sample();
  private readonly schedulerCounts = {
    refused_spawns: 0,
    backoff_ms: 0,
    task_retries: 0,
    spawn_failures: 0,
    deadlocks: 0,
    jobs_paused: 0,
    zombies: 0,
    worker_crashes: 0,
    requests_aborted: 0,
    budget_warnings: 0,
    budget_enforced: 0,
  };
  private readonly reaps: ReapCounter;
  private backoffSinceMs: number | undefined;
  private prices: Readonly<Record<string, ProviderPrice>> = {};
  private pricing = false;
  private costTotal = 0;
  private readonly jobOfTask = new Map<number, number>();
  private readonly costOfJob = new Map<number, number>();
  private readonly requestCostBasis = new Map<number, { task: number; provider: string; inputTokens: number }>();
  private readonly jobCost = new Sample();
  private readonly providerFigures: ProviderTracker;
  private readonly outcomes: OutcomeCounts;
  private readonly arrivalWindow: ArrivalWindow;
  private readonly backlog = new BacklogTrend();
  private readonly context: ContextTracker;

  /** The arguments let tests plant bugs (test/metrics/fairness.test.ts, breakdown-recompute.test.ts, false-reaps.test.ts, providers-recompute.test.ts, context.test.ts). */
  constructor(
    newFairnessTracker: () => FairnessTracker = () => new FairnessTracker(),
    parts: { outcomes?: OutcomeCounts; arrivalWindow?: ArrivalWindow; reaps?: ReapCounter; providers?: ProviderTracker; context?: ContextTracker } = {},
  ) {
    this.byTenant = newFairnessTracker();
    this.byLane = newFairnessTracker();
    this.outcomes = parts.outcomes ?? new OutcomeCounts();
    this.arrivalWindow = parts.arrivalWindow ?? new ArrivalWindow();
    this.reaps = parts.reaps ?? new ReapCounter();
    this.providerFigures = parts.providers ?? new ProviderTracker();
    this.context = parts.context ?? new ContextTracker();
  }

  record(_seq: number, timeMs: number, event: LogEvent): void {
    this.events += 1;
    switch (event.type) {
      case "run_started":
        this.scenario = event.scenario;
        this.policy = event.policy;
        this.seed = event.seed;
        this.prices = event.prices;
        this.pricing = Object.values(event.prices).some((price) => price.input_per_1k > 0 || price.output_per_1k > 0);
        for (const [key, limit] of Object.entries(event.capacities)) {
          this.resources.set(key, { limit, held: 0, sinceMs: timeMs, integral: 0 });
        }
        this.useQueueWeights(event.queue);
        this.providerFigures.start(timeMs, event.capacities);
        return;
      case "job_arrived":
        this.jobCounts.arrived += 1;
        this.jobArrivedMs.set(event.job, timeMs);
        this.jobLane.set(event.job, this.byLane.groupOf(event.lane));
        this.jobTenant.set(event.job, this.byTenant.groupOf(event.tenant));
        this.outcomes.arrived(this.jobTenant.get(event.job), this.jobLane.get(event.job));
        this.arrivalWindow.arrival(timeMs, this.jobCounts.completed, this.resources);
        this.backlog.arrival(timeMs, this.jobCounts.arrived - this.jobCounts.completed - this.jobCounts.failed - this.jobCounts.canceled);
        return;
      case "task_ready":
        this.onTaskReady(timeMs, event.task, event.job);
        return;
      case "lease_acquired":
        this.onLeaseAcquired(timeMs, event.lease, event.task, event.resources);
        return;
      case "request_started": {
        this.requestCounts.started += 1;
        if (event.attempt > 1) this.requestCounts.retries += 1;
        const readyMs = this.awaitingReadyMs.get(event.task);
        if (!Number.isNaN(readyMs)) {
          this.readyToLeaseGap.push(this.awaitingLeaseMs.get(event.task) - readyMs);
          this.awaitingReadyMs.delete(event.task);
          this.awaitingLeaseMs.delete(event.task);
        }
        if (this.pricing) this.requestCostBasis.set(event.request, { task: event.task, provider: event.provider, inputTokens: event.input_tokens });
        this.startService(timeMs, event.task, event.request, event.input_tokens);
        this.providerFigures.requestStarted(timeMs, event.task, event.provider, event.request, event.tokens);
        return;
      }
      case "request_finished":
        this.onRequestFinished(event.status);
        if (this.pricing) this.chargeRequest(event.request, event.status === "ok" ? event.output_tokens : undefined);
        this.finishService(timeMs, event.task, event.request, event.status === "ok", event.output_tokens);
        this.providerFigures.requestFinished(timeMs, event.provider, event.request, event.status, event.output_tokens);
        return;
      case "lease_released":
        this.onLeaseReleased(timeMs, event.lease, event.reason, event.result);
        this.providerFigures.taskStoppedWaiting(timeMs, event.task);
        return;
      case "task_finished":
        this.taskCounts[event.status] += 1;
        this.awaitingReadyMs.delete(event.task);
        this.awaitingLeaseMs.delete(event.task);
        // Finished while waiting (canceled, or failed by a deadlock): it leaves its group's backlog, with no wait sample.
        if (!Number.isNaN(this.readySince.get(event.task))) {
          this.leaveQueue(timeMs, this.taskGroups.get(event.task, TASK_TENANT), this.taskGroups.get(event.task, TASK_LANE));
        }
        this.readySince.delete(event.task);
        this.jobOfTask.delete(event.task);
        this.taskGroups.delete(event.task);
        return;
      case "job_finished":
        this.onJobFinished(timeMs, event.job, event.status);
        return;
      case "worker_stopped":
        this.reaps.forget(event.task);
        return;
      case "worker_stop_requested":
        this.reaps.stopRequested(event.task, event.reason);
        return;
      case "worker_spawned":
      case "job_resumed":
      case "task_yielded":
      case "job_cancel_requested":
      case "shutdown_started":
        return;
      case "spawn_refused":
        this.schedulerCounts.refused_spawns += 1;
        return;
      case "backoff_started":
        this.backoffSinceMs = timeMs;
        return;
      case "backoff_ended":
        if (this.backoffSinceMs !== undefined) this.schedulerCounts.backoff_ms += timeMs - this.backoffSinceMs;
        this.backoffSinceMs = undefined;
        return;
      case "task_retry_scheduled":
        this.schedulerCounts.task_retries += 1;
        return;
      case "spawn_failed":
        this.schedulerCounts.spawn_failures += 1;
        return;
      case "deadlock_detected":
        this.schedulerCounts.deadlocks += 1;
        return;
      case "job_paused":
        this.schedulerCounts.jobs_paused += 1;
        return;
      case "worker_stalled":
        this.schedulerCounts.zombies += 1;
        this.reaps.workerStalled(event.task);
        return;
      case "worker_crashed":
        this.schedulerCounts.worker_crashes += 1;
        return;
      case "request_aborted":
        this.schedulerCounts.requests_aborted += 1;
        this.requestCostBasis.delete(event.request);
        this.requestService.delete(event.request);
        this.providerFigures.requestAborted(event.provider, event.request);
        return;
      case "request_delayed":
        this.providerFigures.requestDelayed(timeMs, event.task, event.provider);
        return;
      case "request_refused":
        this.providerFigures.requestRefused(timeMs, event.task, event.provider);
        return;
      case "retry_denied":
        this.providerFigures.retryDenied(event.provider);
        return;
      case "limit_changed":
        this.providerFigures.limitChanged(timeMs, event.resource, event.limit);
        return;
      case "circuit_state_changed":
        this.providerFigures.circuitStateChanged(timeMs, event.provider, event.state);
        return;
      case "budget_exceeded":
        if (event.enforced) this.schedulerCounts.budget_enforced += 1;
        else this.schedulerCounts.budget_warnings += 1;
        return;
      case "worker_wait_started":
        this.waitingSince.set(`${event.worker}/${event.resource}`, timeMs);
        this.hiddenWaitersMax = Math.max(this.hiddenWaitersMax, this.waitingSince.size);
        return;
      case "worker_wait_ended": {
        const key = `${event.worker}/${event.resource}`;
        const since = this.waitingSince.get(key);
        if (since !== undefined) this.hiddenWaitMs += timeMs - since;
        this.waitingSince.delete(key);
        return;
      }
      case "run_finished":
        this.makespanMs = event.makespan_ms;
        return;
      // Cases of the switch rather than a lookup before it: nothing more per event for runs without sessions.
      case "session_started":
      case "context_compacted":
      case "context_recalled":
      case "fact_probed":
      case "context_assembled":
      case "session_finished":
        this.context.record(event);
        return;
      default:
        unreachable(event);
    }
  }

  /** Feeds a parsed log, e.g. from `readJsonl`. */
  replay(events: Iterable<LoggedEvent>): this {
    for (const event of events) this.record(event.seq, event.t, event);
    return this;
  }

  summary(): RunSummary {
    const makespanMs = this.makespanMs;
    const latency = this.latency.percentiles(this.byTenant.groupCount, this.byLane.groupCount);
    const queueWait = this.queueWait.percentiles(this.byTenant.groupCount, this.byLane.groupCount);
    const utilization: Record<string, number> = {};
    for (const [key, use] of this.resources) {
      const integral = use.integral + use.held * (makespanMs - use.sinceMs);
      utilization[key] = makespanMs > 0 ? integral / (use.limit * makespanMs) : 0;
    }
    return {
      scenario: this.scenario,
      policy: this.policy,
      seed: this.seed,
      makespan_ms: makespanMs,
      events: this.events,
      jobs: { ...this.jobCounts },
      tasks: { ...this.taskCounts },
      throughput_jobs_per_s: makespanMs > 0 ? (this.jobCounts.completed * 1000) / makespanMs : 0,
      latency_ms: {
        overall: latency.overall,
        by_lane: this.byName(this.byLane, latency.byLane),
        by_tenant: this.byName(this.byTenant, latency.byTenant),
        by_tenant_lane: percentilesByPair(latency.byTenantLane, this.byTenant.groupNames, this.byLane.groupNames),
      },
      jobs_by_group: this.outcomes.summary(this.byTenant.groupNames, this.byLane.groupNames),
      arrival_window: this.arrivalWindow.summary(),
      backlog: this.backlog.summary(),
      queue_wait_ms: queueWait.overall,
      ready_to_lease_gap_ms: percentiles(this.readyToLeaseGap.toArray()),
      requests: { ...this.requestCounts },
      utilization,
      hidden_waiters: { max: this.hiddenWaitersMax, total_wait_ms: this.hiddenWaitMs },
      scheduler: { ...this.schedulerCounts, ...this.reaps.counts() },
      cost: { total: this.costTotal, per_completed_job: percentiles(this.jobCost.toArray()) },
      fairness: {
        by_tenant: this.byTenant.summary(makespanMs, queueWait.byTenant),
        by_lane: this.byLane.summary(makespanMs, queueWait.byLane),
      },
      providers: this.providerFigures.summary(makespanMs),
      leases: {
        ...this.leaseCounts,
        unreleased: this.leaseResources.size,
        results: sortedRecord(this.releaseResults),
        reasons: sortedRecord(this.releaseReasons),
      },
      ...(this.context.active ? { context: this.context.summary() } : {}),
    };
  }

  private onLeaseAcquired(timeMs: number, lease: number, task: number, resources: Readonly<Record<string, number>>): void {
    this.leaseCounts.acquired += 1;
    const readyMs = this.readySince.get(task);
    if (!Number.isNaN(readyMs)) {
      const tenant = this.taskGroups.get(task, TASK_TENANT);
      const lane = this.taskGroups.get(task, TASK_LANE);
      this.queueWait.push(timeMs - readyMs, tenant, lane);
      this.leaveQueue(timeMs, tenant, lane);
      this.readySince.delete(task);
      this.awaitingReadyMs.set(task, readyMs);
    }
    this.awaitingLeaseMs.set(task, timeMs);
    this.leaseResources.set(lease, resources);
    this.changeHeld(timeMs, resources, 1);
  }

  private onLeaseReleased(timeMs: number, lease: number, reason: string, result: string): void {
    this.releaseResults[result] = (this.releaseResults[result] ?? 0) + 1;
    this.releaseReasons[reason] = (this.releaseReasons[reason] ?? 0) + 1;
    if (result !== "released") return;
    this.leaseCounts.released += 1;
    const resources = this.leaseResources.get(lease);
    if (resources === undefined) return;
    this.leaseResources.delete(lease);
    this.changeHeld(timeMs, resources, -1);
  }

  private changeHeld(timeMs: number, resources: Readonly<Record<string, number>>, sign: 1 | -1): void {
    for (const key in resources) {
      const use = this.resources.get(key);
      if (use === undefined) continue;
      use.integral += use.held * (timeMs - use.sinceMs);
      use.sinceMs = timeMs;
      use.held += sign * (resources[key] as number);
    }
  }

  private onRequestFinished(status: "ok" | "rate_limited" | "error" | "timeout"): void {
    switch (status) {
      case "ok":
        this.requestCounts.ok += 1;
        return;
      case "rate_limited":
        this.requestCounts.rate_limited += 1;
        return;
      case "error":
        this.requestCounts.errors += 1;
        return;
      case "timeout":
        this.requestCounts.timeouts += 1;
        return;
      default:
        unreachable(status);
    }
  }

  /** Successful requests are billed: input tokens and the output actually produced. */
  private chargeRequest(request: number, outputTokens: number | undefined): void {
    const basis = this.requestCostBasis.get(request);
    this.requestCostBasis.delete(request);
    if (basis === undefined || outputTokens === undefined) return;
    const price = this.prices[basis.provider];
    if (price === undefined) return;
    const cost = (basis.inputTokens * price.input_per_1k + outputTokens * price.output_per_1k) / 1000;
    this.costTotal += cost;
    const job = this.jobOfTask.get(basis.task);
    if (job !== undefined) this.costOfJob.set(job, (this.costOfJob.get(job) ?? 0) + cost);
  }

  private onJobFinished(timeMs: number, job: number, status: "completed" | "failed" | "canceled"): void {
    this.jobCounts[status] += 1;
    this.outcomes.finished(this.jobTenant.get(job), this.jobLane.get(job), status);
    if (this.pricing) {
      if (status === "completed") this.jobCost.push(this.costOfJob.get(job) ?? 0);
      this.costOfJob.delete(job);
    }
    const arrivedMs = this.jobArrivedMs.get(job);
    const tenant = this.jobTenant.get(job);
    const lane = this.jobLane.get(job);
    this.jobArrivedMs.delete(job);
    this.jobTenant.delete(job);
    this.jobLane.delete(job);
    if (Number.isNaN(arrivedMs) || status !== "completed") return;
    this.latency.push(timeMs - arrivedMs, tenant, lane);
  }

  /** Percentiles of the groups that have a value, by name in order. */
  private byName(groups: FairnessTracker, byIndex: readonly Percentiles[]): Record<string, Percentiles> {
    const named: [string, Percentiles][] = [];
    byIndex.forEach((figures, group) => {
      if (figures.count > 0) named.push([groups.nameOf(group), figures]);
    });
    named.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(named);
  }

  /**
   * The queue's weights normalise the dimension it groups by (`project` is the tenant); the other dimension
   * keeps weight 1. A log without `queue` is plain FIFO: every weight is 1.
   */
  private useQueueWeights(queue: QueueDescription | undefined): void {
    if (queue === undefined) return;
    if (queue.group_by === "tenant" || queue.group_by === "project") this.byTenant.useWeights(queue.weights, queue.default_weight);
    if (queue.group_by === "lane") this.byLane.useWeights(queue.weights, queue.default_weight);
  }

  private onTaskReady(timeMs: number, task: number, job: number): void {
    this.taskCounts.ready += 1;
    if (this.pricing) this.jobOfTask.set(task, job);
    const tenant = this.jobTenant.get(job);
    const lane = this.jobLane.get(job);
    this.taskGroups.set(task, TASK_TENANT, tenant);
    this.taskGroups.set(task, TASK_LANE, lane);
    // Ready again without a lease in between: still one waiting task, and its wait restarts.
    const alreadyWaiting = !Number.isNaN(this.readySince.get(task));
    this.readySince.set(task, timeMs);
    if (alreadyWaiting || Number.isNaN(tenant)) return;
    this.byTenant.taskWaiting(tenant, timeMs);
    this.byLane.taskWaiting(lane, timeMs);
  }

  /** A waiting task of these groups was leased or finished. Only tasks counted by onTaskReady count down. */
  private leaveQueue(timeMs: number, tenant: number, lane: number): void {
    if (Number.isNaN(tenant)) return;
    this.byTenant.taskLeftQueue(tenant, timeMs);
    this.byLane.taskLeftQueue(lane, timeMs);
  }

  /** Keeps what a request's service needs when it finishes. */
  private startService(timeMs: number, task: number, request: number, inputTokens: number): void {
    const tenant = this.taskGroups.get(task, TASK_TENANT);
    if (Number.isNaN(tenant)) return;
    this.requestService.set(request, REQUEST_STARTED_MS, timeMs);
    this.requestService.set(request, REQUEST_INPUT_TOKENS, inputTokens);
    this.requestService.set(request, REQUEST_TENANT_CLOCK_MS, this.byTenant.clockMs(tenant, timeMs));
    this.requestService.set(request, REQUEST_LANE_CLOCK_MS, this.byLane.clockMs(this.taskGroups.get(task, TASK_LANE), timeMs));
  }

  /** A request's service: its tokens if it finished `ok` (input + output), and its duration whatever its status. */
  private finishService(timeMs: number, task: number, request: number, ok: boolean, outputTokens: number): void {
    const startedMs = this.requestService.get(request, REQUEST_STARTED_MS);
    const inputTokens = this.requestService.get(request, REQUEST_INPUT_TOKENS);
    const tokens = ok ? inputTokens + outputTokens : 0;
    const tenantClockMs = this.requestService.get(request, REQUEST_TENANT_CLOCK_MS);
    const laneClockMs = this.requestService.get(request, REQUEST_LANE_CLOCK_MS);
    this.requestService.delete(request);
    const tenant = this.taskGroups.get(task, TASK_TENANT);
    if (Number.isNaN(startedMs) || Number.isNaN(tenant)) return;
    if (ok) {
      this.requestCounts.input_tokens_ok += inputTokens;
      this.requestCounts.output_tokens_ok += outputTokens;
    }
    this.byTenant.requestFinished(tenant, timeMs, startedMs, tenantClockMs, ok, tokens);
    this.byLane.requestFinished(this.taskGroups.get(task, TASK_LANE), timeMs, startedMs, laneClockMs, ok, tokens);
  }
}

function sortedRecord(record: Record<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const key of Object.keys(record).sort()) result[key] = record[key] as number;
  return result;
}
