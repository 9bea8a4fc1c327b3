// Time series of one run for the report's charts, derived from the event log in bounded memory: a fixed number
// of time buckets whose width doubles (adjacent buckets merged) whenever the run outgrows them, so memory is
// O(buckets × series) whatever the run's length. Levels (queue depth, capacity held, requests in flight, limits)
// are time averages over each bucket; counts (429s, completed jobs) are rates per second.

import { type EventSink, type LogEvent, isSessionEvent } from "../eventlog/events.ts";
import { assert, unreachable } from "../policies/assert.ts";
import { LiveRecords } from "./id-table.ts";

export const TIMELINE_BUCKETS = 240;
const FIRST_BUCKET_MS = 250;
/** Lanes, resources and providers are a handful; past this many series the rest are not drawn. */
const SERIES_MAX = 256;

export type SeriesKind =
  /** Tasks ready and not yet leased, all or of one lane. */
  | "queued"
  /** Tasks waiting, attributed to each resource of the lease they then got. */
  | "waiting"
  /** Capacity held by leases. */
  | "held"
  /** A resource's limit, drawn only when the log has `limit_changed` for it. */
  | "limit"
  | "in_flight"
  /** `request_finished` with status `rate_limited`, per second. */
  | "rate_limited"
  /** Completed jobs per second. */
  | "completed";

export interface TimelineSeries {
  readonly kind: SeriesKind;
  /** A lane, a resource key or a provider name; `all` for totals. */
  readonly key: string;
  /** One value per bucket: a time average for levels, a rate per second for counts. */
  readonly values: readonly number[];
}

export interface TimelineData {
  readonly bucket_ms: number;
  readonly end_ms: number;
  /** Resource limits at the start (`run_started.capacities`). */
  readonly capacities: Readonly<Record<string, number>>;
  readonly series: readonly TimelineSeries[];
}

interface Series {
  readonly kind: SeriesKind;
  readonly key: string;
  readonly counts: boolean;
  values: Float64Array;
  /** Levels: the current value and since when it holds. */
  level: number;
  sinceMs: number;
}

type ObservedEvent = LogEvent;

/** Task rows: when it became ready, and its lane (index into `lanes`). */
const READY_MS = 0;
const LANE = 1;

export class TimelineSink implements EventSink {
  private bucketMs = FIRST_BUCKET_MS;
  private nowMs = 0;
  private endMs = Number.NaN;
  /** Series in the order they were made, and by kind then key (no string building per event). */
  private readonly series: Series[] = [];
  private readonly byKind = new Map<SeriesKind, Map<string, Series>>();
  private capacities: Readonly<Record<string, number>> = {};
  private readonly lanes: string[] = [];
  private readonly jobLane = new LiveRecords(1);
  private readonly waiting = new LiveRecords(2);
  private readonly leaseResources = new Map<number, Readonly<Record<string, number>>>();

  record(_seq: number, timeMs: number, event: ObservedEvent): void {
    assert(timeMs >= this.nowMs, "events come in time order");
    this.nowMs = timeMs;
    while (timeMs >= TIMELINE_BUCKETS * this.bucketMs) this.widenBuckets();
    // Sessions have no track in the time series or the trace: their figures are in the Context table.
    if (isSessionEvent(event)) return;
    switch (event.type) {
      case "run_started":
        this.capacities = event.capacities;
        this.change("queued", "all", 0);
        for (const key of Object.keys(event.capacities)) this.change("held", key, 0);
        for (const key of Object.keys(event.capacities)) {
          if (!key.startsWith("provider:")) continue;
          this.change("in_flight", key.slice("provider:".length), 0);
          this.count("rate_limited", key.slice("provider:".length), 0);
        }
        this.count("completed", "all", 0);
        return;
      case "job_arrived":
        this.jobLane.set(event.job, 0, this.laneIndex(event.lane));
        return;
      case "task_ready":
        this.taskReady(event.task, this.jobLane.get(event.job, 0));
        return;
      case "lease_acquired":
        this.leaseAcquired(event.task, event.lease, event.resources);
        return;
      case "lease_released": {
        const resources = this.leaseResources.get(event.lease);
        if (event.result !== "released" || resources === undefined) return;
        this.leaseResources.delete(event.lease);
        for (const key in resources) this.change("held", key, -(resources[key] as number));
        return;
      }
      case "task_finished":
        if (!Number.isNaN(this.waiting.get(event.task, READY_MS))) this.leaveQueue(event.task);
        return;
      case "job_finished":
        this.jobLane.delete(event.job);
        if (event.status === "completed") this.count("completed", "all", 1);
        return;
      case "request_started":
        this.change("in_flight", event.provider, 1);
        return;
      case "request_finished":
        this.change("in_flight", event.provider, -1);
        if (event.status === "rate_limited") this.count("rate_limited", event.provider, 1);
        return;
      case "request_aborted":
        this.change("in_flight", event.provider, -1);
        return;
      case "limit_changed":
        this.limitChanged(event.resource, event.limit);
        return;
      case "run_finished":
        this.endMs = timeMs;
        return;
      case "circuit_state_changed":
      case "request_delayed":
      case "request_refused":
      case "retry_denied":
      case "worker_spawned":
      case "spawn_failed":
      case "worker_stalled":
      case "worker_crashed":
      case "worker_stopped":
      case "budget_exceeded":
      case "job_cancel_requested":
      case "worker_wait_started":
      case "worker_wait_ended":
      case "spawn_refused":
      case "backoff_started":
      case "backoff_ended":
      case "worker_stop_requested":
      case "task_retry_scheduled":
      case "task_yielded":
      case "job_paused":
      case "job_resumed":
      case "deadlock_detected":
      case "shutdown_started":
        return;
      default:
        unreachable(event);
    }
  }

  data(): TimelineData {
    const endMs = Number.isNaN(this.endMs) ? this.nowMs : this.endMs;
    const bucketCount = Math.max(1, Math.ceil(endMs / this.bucketMs));
    const series: TimelineSeries[] = [];
    for (const entry of this.series) {
      if (!entry.counts) this.spread(entry, entry.sinceMs, endMs, entry.level);
      entry.sinceMs = endMs;
      const values: number[] = [];
      for (let bucket = 0; bucket < bucketCount; bucket += 1) {
        const coveredMs = Math.min(this.bucketMs, endMs - bucket * this.bucketMs);
        const total = entry.values[bucket] as number;
        values.push(coveredMs > 0 ? rounded(entry.counts ? (total * 1000) / coveredMs : total / coveredMs) : 0);
      }
      series.push({ kind: entry.kind, key: entry.key, values });
    }
    return { bucket_ms: this.bucketMs, end_ms: endMs, capacities: this.capacities, series };
  }

  private taskReady(task: number, lane: number): void {
    // Ready again while still waiting (a stale selection, say): one waiting task, since the first time.
    if (!Number.isNaN(this.waiting.get(task, READY_MS))) return;
    this.waiting.set(task, READY_MS, this.nowMs);
    this.waiting.set(task, LANE, lane);
    this.change("queued", "all", 1);
    if (!Number.isNaN(lane)) this.change("queued", this.lanes[lane] as string, 1);
  }

  private leaseAcquired(task: number, lease: number, resources: Readonly<Record<string, number>>): void {
    const readyMs = this.waiting.get(task, READY_MS);
    if (!Number.isNaN(readyMs)) {
      for (const key of Object.keys(resources)) {
        const waiting = this.entry("waiting", key, false);
        if (waiting !== undefined) this.spread(waiting, readyMs, this.nowMs, 1);
      }
      this.leaveQueue(task);
    }
    this.leaseResources.set(lease, resources);
    for (const key in resources) this.change("held", key, resources[key] as number);
  }

  private leaveQueue(task: number): void {
    const lane = this.waiting.get(task, LANE);
    this.waiting.delete(task);
    this.change("queued", "all", -1);
    if (!Number.isNaN(lane)) this.change("queued", this.lanes[lane] as string, -1);
  }

  private limitChanged(resource: string, limit: number): void {
    if (this.byKind.get("limit")?.has(resource) !== true) {
      const initial = this.entry("limit", resource, false);
      if (initial === undefined) return;
      initial.level = this.capacities[resource] ?? limit;
      initial.sinceMs = 0;
    }
    const entry = this.entry("limit", resource, false);
    if (entry !== undefined) this.setLevel(entry, limit);
  }

  private laneIndex(lane: string): number {
    const known = this.lanes.indexOf(lane);
    if (known >= 0) return known;
    this.lanes.push(lane);
    return this.lanes.length - 1;
  }

  /** A level moves by `delta`. */
  private change(kind: SeriesKind, key: string, delta: number): void {
    const entry = this.entry(kind, key, false);
    if (entry !== undefined) this.setLevel(entry, entry.level + delta);
  }

  private setLevel(entry: Series, value: number): void {
    this.spread(entry, entry.sinceMs, this.nowMs, entry.level);
    entry.level = value;
    entry.sinceMs = this.nowMs;
  }

  private count(kind: SeriesKind, key: string, amount: number): void {
    const entry = this.entry(kind, key, true);
    if (entry === undefined || amount === 0) return;
    const bucket = Math.floor(this.nowMs / this.bucketMs);
    entry.values[bucket] = (entry.values[bucket] as number) + amount;
  }

  /** Adds `amount` × the overlap of [fromMs, toMs] with each bucket. */
  private spread(entry: Series, fromMs: number, toMs: number, amount: number): void {
    if (toMs <= fromMs || amount === 0) return;
    for (let bucket = Math.floor(fromMs / this.bucketMs); bucket * this.bucketMs < toMs; bucket += 1) {
      const overlapMs = Math.min(toMs, (bucket + 1) * this.bucketMs) - Math.max(fromMs, bucket * this.bucketMs);
      entry.values[bucket] = (entry.values[bucket] as number) + amount * overlapMs;
    }
  }

  /** The series, made on first use; undefined past SERIES_MAX. */
  private entry(kind: SeriesKind, key: string, counts: boolean): Series | undefined {
    let ofKind = this.byKind.get(kind);
    if (ofKind === undefined) {
      ofKind = new Map();
      this.byKind.set(kind, ofKind);
    }
    const known = ofKind.get(key);
    if (known !== undefined) return known;
    if (this.series.length >= SERIES_MAX) return undefined;
    const made: Series = { kind, key, counts, values: new Float64Array(TIMELINE_BUCKETS), level: 0, sinceMs: this.nowMs };
    ofKind.set(key, made);
    this.series.push(made);
    return made;
  }

  /** The run outgrew the buckets: merge neighbours, doubling each bucket's width. */
  private widenBuckets(): void {
    for (const entry of this.series) {
      const merged = new Float64Array(TIMELINE_BUCKETS);
      for (let bucket = 0; bucket < TIMELINE_BUCKETS / 2; bucket += 1) {
        merged[bucket] = (entry.values[2 * bucket] as number) + (entry.values[2 * bucket + 1] as number);
      }
      entry.values = merged;
    }
    this.bucketMs *= 2;
  }
}

/** Four significant digits: the charts need no more, and the page stays small. */
function rounded(value: number): number {
  return value === 0 ? 0 : Number(value.toPrecision(4));
}
