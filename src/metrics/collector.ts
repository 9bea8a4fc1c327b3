// Derives a run's summary from its event log and nothing else, so that anyone holding the log can
// recompute every figure (../shared/docs/DESIGN.md, "Metrics"). It consumes events as they happen (as a sink
// during a run) or from a parsed JSONL file; both paths give the same summary.

import type { EventSink, LogEvent, LoggedEvent } from "../eventlog/events.ts";
import { type Percentiles, Sample, percentiles } from "./percentiles.ts";

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
  };
  /** lease_acquired.t − task_ready.t, per admission. */
  readonly queue_wait_ms: Percentiles;
  readonly requests: {
    readonly started: number;
    readonly ok: number;
    readonly rate_limited: number;
    readonly errors: number;
    readonly timeouts: number;
    /** Requests that were a second or later attempt. */
    readonly retries: number;
  };
  /** Per resource: ∫ held dt / (limit × makespan). */
  readonly utilization: Readonly<Record<string, number>>;
  readonly hidden_waiters: { readonly max: number; readonly total_wait_ms: number };
  readonly leases: {
    readonly acquired: number;
    readonly released: number;
    /** Leases still held when the run finished: always a bug. */
    readonly unreleased: number;
    readonly results: Readonly<Record<string, number>>;
    readonly reasons: Readonly<Record<string, number>>;
  };
}

interface ResourceUse {
  readonly limit: number;
  held: number;
  sinceMs: number;
  integral: number;
}

interface JobInfo {
  readonly arrivedMs: number;
  readonly lane: string;
  readonly tenant: string;
}

export class MetricsCollector implements EventSink {
  private scenario = "";
  private policy = "";
  private seed = 0;
  private makespanMs = 0;
  private events = 0;
  private readonly jobs = new Map<number, JobInfo>();
  private readonly jobCounts = { arrived: 0, completed: 0, failed: 0, canceled: 0 };
  private readonly taskCounts = { ready: 0, completed: 0, failed: 0, canceled: 0, skipped: 0 };
  private readonly latencyOverall = new Sample();
  private readonly latencyByLane = new Map<string, Sample>();
  private readonly latencyByTenant = new Map<string, Sample>();
  private readonly readySince = new Map<number, number>();
  private readonly queueWait = new Sample();
  private readonly requestCounts = { started: 0, ok: 0, rate_limited: 0, errors: 0, timeouts: 0, retries: 0 };
  private readonly resources = new Map<string, ResourceUse>();
  private readonly leaseResources = new Map<number, Readonly<Record<string, number>>>();
  private readonly leaseCounts = { acquired: 0, released: 0 };
  private readonly releaseResults: Record<string, number> = {};
  private readonly releaseReasons: Record<string, number> = {};
  private readonly waitingSince = new Map<string, number>();
  private hiddenWaitersMax = 0;
  private hiddenWaitMs = 0;

  record(_seq: number, timeMs: number, event: LogEvent): void {
    this.events += 1;
    switch (event.type) {
      case "run_started":
        this.scenario = event.scenario;
        this.policy = event.policy;
        this.seed = event.seed;
        for (const [key, limit] of Object.entries(event.capacities)) {
          this.resources.set(key, { limit, held: 0, sinceMs: timeMs, integral: 0 });
        }
        return;
      case "job_arrived":
        this.jobCounts.arrived += 1;
        this.jobs.set(event.job, { arrivedMs: timeMs, lane: event.lane, tenant: event.tenant });
        return;
      case "task_ready":
        this.taskCounts.ready += 1;
        this.readySince.set(event.task, timeMs);
        return;
      case "lease_acquired":
        this.onLeaseAcquired(timeMs, event.lease, event.task, event.resources);
        return;
      case "worker_spawned":
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
      case "request_started":
        this.requestCounts.started += 1;
        if (event.attempt > 1) this.requestCounts.retries += 1;
        return;
      case "request_finished":
        this.onRequestFinished(event.status);
        return;
      case "lease_released":
        this.onLeaseReleased(timeMs, event.lease, event.reason, event.result);
        return;
      case "task_finished":
        this.taskCounts[event.status] += 1;
        return;
      case "job_finished":
        this.onJobFinished(timeMs, event.job, event.status);
        return;
      case "run_finished":
        this.makespanMs = event.makespan_ms;
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
        overall: percentiles(this.latencyOverall.toArray()),
        by_lane: summarize(this.latencyByLane),
        by_tenant: summarize(this.latencyByTenant),
      },
      queue_wait_ms: percentiles(this.queueWait.toArray()),
      requests: { ...this.requestCounts },
      utilization,
      hidden_waiters: { max: this.hiddenWaitersMax, total_wait_ms: this.hiddenWaitMs },
      leases: {
        ...this.leaseCounts,
        unreleased: this.leaseResources.size,
        results: sortedRecord(this.releaseResults),
        reasons: sortedRecord(this.releaseReasons),
      },
    };
  }

  private onLeaseAcquired(timeMs: number, lease: number, task: number, resources: Readonly<Record<string, number>>): void {
    this.leaseCounts.acquired += 1;
    const readyMs = this.readySince.get(task);
    if (readyMs !== undefined) {
      this.queueWait.push(timeMs - readyMs);
      this.readySince.delete(task);
    }
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

  private onJobFinished(timeMs: number, job: number, status: "completed" | "failed" | "canceled"): void {
    this.jobCounts[status] += 1;
    const info = this.jobs.get(job);
    this.jobs.delete(job);
    if (info === undefined || status !== "completed") return;
    const latencyMs = timeMs - info.arrivedMs;
    this.latencyOverall.push(latencyMs);
    sampleFor(this.latencyByLane, info.lane).push(latencyMs);
    sampleFor(this.latencyByTenant, info.tenant).push(latencyMs);
  }
}

function sampleFor(samples: Map<string, Sample>, key: string): Sample {
  let sample = samples.get(key);
  if (sample === undefined) {
    sample = new Sample();
    samples.set(key, sample);
  }
  return sample;
}

function summarize(samples: Map<string, Sample>): Record<string, Percentiles> {
  const result: Record<string, Percentiles> = {};
  for (const key of [...samples.keys()].sort()) result[key] = percentiles((samples.get(key) as Sample).toArray());
  return result;
}

function sortedRecord(record: Record<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const key of Object.keys(record).sort()) result[key] = record[key] as number;
  return result;
}

function unreachable(value: never): never {
  throw new Error(`unhandled event ${JSON.stringify(value)}`);
}
