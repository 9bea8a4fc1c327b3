// A run's event log as a Chrome trace-event file (the JSON that ui.perfetto.dev and chrome://tracing open): one
// process per provider with a track per slot, where each task's lease is a slice (lease → release) holding its
// requests as nested slices and its 429s, reaps and yields as instants; a process of lanes with each job as a
// slice (arrival → finish) and a queue-depth counter; a scheduler process for leases that hold no provider and
// run-wide instants. Timestamps are whole microseconds of virtual time, so nesting survives rounding.

import { type EventSink, type LogEvent, isSessionEvent } from "../eventlog/events.ts";
import { StagedFile } from "../eventlog/staged-file.ts";
import { assert, unreachable } from "../policies/assert.ts";

/** One trace event (https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU). */
export interface TraceEvent {
  readonly ph: "X" | "i" | "C" | "M";
  readonly name: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  /** Instants: thread, process or global. */
  readonly s?: "t" | "p" | "g";
  readonly cat?: string;
  readonly args?: Readonly<Record<string, string | number | boolean>>;
}

type ObservedEvent = LogEvent;

interface OpenSlice {
  readonly pid: number;
  readonly tid: number;
  readonly pool: RowPool;
  readonly row: number;
  readonly startUs: number;
  readonly name: string;
  readonly args: Record<string, string | number | boolean>;
  /** Requests and instants inside the slice, written after it so a viewer meets the parent first. */
  readonly children: TraceEvent[];
}

interface OpenRequest {
  readonly task: number;
  readonly provider: string;
  readonly startUs: number;
  readonly attempt: number;
}

/** Rows of a process (provider slots, lane rows): the lowest free row is taken, and named on first use. */
class RowPool {
  private readonly busy: boolean[] = [];
  constructor(
    readonly pid: number,
    readonly rowName: (row: number) => string,
    readonly firstTid: number,
  ) {}

  take(): { row: number; fresh: boolean } {
    const free = this.busy.indexOf(false);
    const row = free >= 0 ? free : this.busy.length;
    const fresh = free < 0;
    this.busy[row] = true;
    return { row, fresh };
  }

  release(row: number): void {
    this.busy[row] = false;
  }
}

const LANES_PID = 1;
const SCHEDULER_PID = 2;
const FIRST_PROVIDER_PID = 3;
const SCHEDULER_EVENTS_TID = 1;
const SCHEDULER_LEASES_TID = 100;

function micros(timeMs: number): number {
  return Math.round(timeMs * 1000);
}

export class TraceBuilder implements EventSink {
  private readonly providerPools = new Map<string, RowPool>();
  private readonly lanePools = new Map<string, RowPool>();
  private readonly leasePool = new RowPool(SCHEDULER_PID, (row) => `leases without a provider ${row + 1}`, SCHEDULER_LEASES_TID);
  private readonly leases = new Map<number, OpenSlice>();
  private readonly leasesOfTask = new Map<number, number[]>();
  private readonly requests = new Map<number, OpenRequest>();
  private readonly jobs = new Map<number, OpenSlice>();
  private readonly jobLane = new Map<number, string>();
  private readonly taskLane = new Map<number, string>();
  /** Where a task's last lease was, for a yield that is logged after its release. */
  private readonly lastTrackOfTask = new Map<number, { pid: number; tid: number }>();
  private readonly waiting = new Set<number>();
  private readonly queued = new Map<string, number>();
  private nowUs = 0;

  constructor(private readonly emit: (event: TraceEvent) => void) {}

  record(_seq: number, timeMs: number, event: ObservedEvent): void {
    const timeUs = micros(timeMs);
    assert(timeUs >= this.nowUs, "events come in time order");
    this.nowUs = timeUs;
    // Sessions have no track in the time series or the trace: their figures are in the Context table.
    if (isSessionEvent(event)) return;
    switch (event.type) {
      case "run_started":
        this.runStarted(event.scenario, event.policy, event.seed, event.capacities);
        return;
      case "job_arrived":
        this.jobArrived(event.job, event.lane, event.tenant, event.template, event.tasks);
        return;
      case "job_finished":
        this.jobFinished(event.job, event.status);
        return;
      case "task_ready":
        this.taskLane.set(event.task, this.jobLane.get(event.job) ?? "unknown");
        this.enterQueue(event.task);
        return;
      case "lease_acquired":
        this.leaveQueue(event.task);
        this.leaseAcquired(event.lease, event.task, event.resources);
        return;
      case "lease_released":
        if (event.result === "released") this.leaseReleased(event.lease, event.reason);
        return;
      case "task_finished":
        this.leaveQueue(event.task);
        this.taskLane.delete(event.task);
        this.lastTrackOfTask.delete(event.task);
        return;
      case "request_started":
        this.requests.set(event.request, { task: event.task, provider: event.provider, startUs: this.nowUs, attempt: event.attempt });
        return;
      case "request_finished":
        this.requestEnded(event.request, event.status, event.retry_after_ms);
        return;
      case "request_aborted":
        this.requestEnded(event.request, "aborted", undefined);
        return;
      case "worker_stop_requested":
        if (event.reason === "reaped") this.taskInstant(event.task, "reaped", {});
        return;
      case "task_yielded":
        this.taskInstant(event.task, "yield", {});
        return;
      case "circuit_state_changed":
        this.providerInstant(event.provider, `circuit ${event.state}`);
        return;
      case "limit_changed":
        this.limitChanged(event.resource, event.limit);
        return;
      case "request_refused":
        this.providerInstant(event.provider, "refused: circuit open");
        return;
      case "retry_denied":
        this.providerInstant(event.provider, "retry denied: budget");
        return;
      case "deadlock_detected":
        this.emit({ ph: "i", s: "g", name: "deadlock", pid: SCHEDULER_PID, tid: SCHEDULER_EVENTS_TID, ts: this.nowUs, args: { reason: event.reason } });
        return;
      case "shutdown_started":
        this.emit({ ph: "i", s: "g", name: `shutdown (${event.mode})`, pid: SCHEDULER_PID, tid: SCHEDULER_EVENTS_TID, ts: this.nowUs });
        return;
      case "run_finished":
        this.runFinished();
        return;
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
      case "task_retry_scheduled":
      case "job_paused":
      case "job_resumed":
      case "request_delayed":
        return;
      default:
        unreachable(event);
    }
  }

  /** The row of a pool a new slice goes on; protected so tests can plant a bug (test/report/trace.test.ts). */
  protected takeRow(pool: RowPool): number {
    const { row, fresh } = pool.take();
    if (fresh) {
      const tid = pool.firstTid + row;
      this.emit({ ph: "M", name: "thread_name", pid: pool.pid, tid, ts: 0, args: { name: pool.rowName(row) } });
      this.emit({ ph: "M", name: "thread_sort_index", pid: pool.pid, tid, ts: 0, args: { sort_index: tid } });
    }
    return row;
  }

  private runStarted(scenario: string, policy: string, seed: number, capacities: Readonly<Record<string, number>>): void {
    this.processName(LANES_PID, "lanes: jobs from arrival to finish", 0);
    this.processName(SCHEDULER_PID, `scheduler: ${scenario}, ${policy}, seed ${seed}`, 1);
    this.emit({ ph: "M", name: "thread_name", pid: SCHEDULER_PID, tid: SCHEDULER_EVENTS_TID, ts: 0, args: { name: "run events" } });
    let pid = FIRST_PROVIDER_PID;
    for (const [key, limit] of Object.entries(capacities)) {
      if (!key.startsWith("provider:")) continue;
      const provider = key.slice("provider:".length);
      this.processName(pid, `provider ${provider} (${limit} slots)`, pid);
      this.providerPools.set(provider, new RowPool(pid, (row) => `slot ${row + 1}`, 1));
      pid += 1;
    }
  }

  private processName(pid: number, name: string, sortIndex: number): void {
    this.emit({ ph: "M", name: "process_name", pid, tid: 0, ts: 0, args: { name } });
    this.emit({ ph: "M", name: "process_sort_index", pid, tid: 0, ts: 0, args: { sort_index: sortIndex } });
  }

  private jobArrived(job: number, lane: string, tenant: string, template: string, tasks: number): void {
    this.jobLane.set(job, lane);
    let pool = this.lanePools.get(lane);
    if (pool === undefined) {
      pool = new RowPool(LANES_PID, (row) => `${lane} ${row + 1}`, 1000 * (this.lanePools.size + 1));
      this.lanePools.set(lane, pool);
    }
    const row = this.takeRow(pool);
    const args = { job, lane, tenant, template, tasks };
    this.jobs.set(job, { pid: LANES_PID, tid: pool.firstTid + row, pool, row, startUs: this.nowUs, name: `${template} job ${job}`, args, children: [] });
  }

  private jobFinished(job: number, status: string): void {
    const slice = this.jobs.get(job);
    this.jobLane.delete(job);
    if (slice === undefined) return;
    this.jobs.delete(job);
    slice.args.status = status;
    this.closeSlice(slice);
  }

  private leaseAcquired(lease: number, task: number, resources: Readonly<Record<string, number>>): void {
    const provider = Object.keys(resources).find((key) => key.startsWith("provider:") && this.providerPools.has(key.slice("provider:".length)));
    const pool = provider === undefined ? this.leasePool : (this.providerPools.get(provider.slice("provider:".length)) as RowPool);
    const row = this.takeRow(pool);
    const args: Record<string, string | number | boolean> = { task, lease, lane: this.taskLane.get(task) ?? "unknown", resources: Object.keys(resources).join(", ") };
    this.leases.set(lease, { pid: pool.pid, tid: pool.firstTid + row, pool, row, startUs: this.nowUs, name: `task ${task}`, args, children: [] });
    this.leasesOfTask.set(task, [...(this.leasesOfTask.get(task) ?? []), lease]);
  }

  private leaseReleased(lease: number, reason: string): void {
    const slice = this.leases.get(lease);
    if (slice === undefined) return;
    this.leases.delete(lease);
    const task = slice.args.task as number;
    const others = (this.leasesOfTask.get(task) ?? []).filter((id) => id !== lease);
    if (others.length > 0) this.leasesOfTask.set(task, others);
    else this.leasesOfTask.delete(task);
    this.lastTrackOfTask.set(task, { pid: slice.pid, tid: slice.tid });
    slice.args.reason = reason;
    this.closeSlice(slice);
  }

  /** The open lease of a task that holds `provider`'s slot, else any open lease of the task. */
  private leaseOf(task: number, provider?: string): OpenSlice | undefined {
    const open = (this.leasesOfTask.get(task) ?? []).map((lease) => this.leases.get(lease)).filter((slice) => slice !== undefined);
    const pid = provider === undefined ? undefined : this.providerPools.get(provider)?.pid;
    return open.find((slice) => slice.pid === pid) ?? open[0];
  }

  private requestEnded(request: number, status: string, retryAfterMs: number | undefined): void {
    const open = this.requests.get(request);
    if (open === undefined) return;
    this.requests.delete(request);
    const lease = this.leaseOf(open.task, open.provider);
    const pid = lease?.pid ?? SCHEDULER_PID;
    const tid = lease?.tid ?? SCHEDULER_EVENTS_TID;
    const slice = this.requestSlice(request, open, status, pid, tid);
    const limited: TraceEvent[] =
      status === "rate_limited" ? [{ ph: "i", s: "t", name: "429", pid, tid, ts: this.nowUs, args: { request, retry_after_ms: retryAfterMs ?? 0 } }] : [];
    if (lease === undefined) [slice, ...limited].forEach((event) => this.emit(event));
    else lease.children.push(slice, ...limited);
  }

  /** A request's slice; protected so tests can plant a bug (test/report/trace.test.ts). */
  protected requestSlice(request: number, open: OpenRequest, status: string, pid: number, tid: number): TraceEvent {
    return {
      ph: "X",
      cat: "request",
      name: `request ${request} ${status === "rate_limited" ? "429" : status}`,
      pid,
      tid,
      ts: open.startUs,
      dur: this.nowUs - open.startUs,
      args: { request, task: open.task, provider: open.provider, attempt: open.attempt, status },
    };
  }

  private taskInstant(task: number, name: string, args: Record<string, string | number>): void {
    const lease = this.leaseOf(task);
    const track = lease ?? this.lastTrackOfTask.get(task) ?? { pid: SCHEDULER_PID, tid: SCHEDULER_EVENTS_TID };
    const instant: TraceEvent = { ph: "i", s: "t", name, pid: track.pid, tid: track.tid, ts: this.nowUs, args: { task, ...args } };
    if (lease === undefined) this.emit(instant);
    else lease.children.push(instant);
  }

  private providerInstant(provider: string, name: string): void {
    const pid = this.providerPools.get(provider)?.pid ?? SCHEDULER_PID;
    this.emit({ ph: "i", s: "p", name, pid, tid: 0, ts: this.nowUs, args: { provider } });
  }

  private limitChanged(resource: string, limit: number): void {
    const provider = resource.startsWith("provider:") ? this.providerPools.get(resource.slice("provider:".length)) : undefined;
    this.emit({ ph: "C", name: `limit ${resource}`, pid: provider?.pid ?? SCHEDULER_PID, tid: 0, ts: this.nowUs, args: { limit } });
  }

  private enterQueue(task: number): void {
    if (this.waiting.has(task)) return;
    this.waiting.add(task);
    this.changeQueued(this.taskLane.get(task) ?? "unknown", 1);
  }

  private leaveQueue(task: number): void {
    if (!this.waiting.delete(task)) return;
    this.changeQueued(this.taskLane.get(task) ?? "unknown", -1);
  }

  private changeQueued(lane: string, delta: number): void {
    this.queued.set(lane, (this.queued.get(lane) ?? 0) + delta);
    const args: Record<string, number> = {};
    for (const key of [...this.queued.keys()].sort()) args[key] = this.queued.get(key) as number;
    this.emit({ ph: "C", name: "queue depth (ready, not leased)", pid: LANES_PID, tid: 0, ts: this.nowUs, args });
  }

  private closeSlice(slice: OpenSlice): void {
    slice.pool.release(slice.row);
    this.emit({ ph: "X", name: slice.name, pid: slice.pid, tid: slice.tid, ts: slice.startUs, dur: this.nowUs - slice.startUs, args: slice.args });
    for (const child of slice.children) this.emit(child);
  }

  /** Leases and jobs still open at the end are closed there, and say so. */
  private runFinished(): void {
    for (const slice of [...this.leases.values(), ...this.jobs.values()]) {
      slice.args.open_at_end = true;
      this.closeSlice(slice);
    }
    this.leases.clear();
    this.jobs.clear();
  }
}

/** Writes a trace file as the run goes: to a temporary name, renamed into place when the run succeeds. */
export class TraceFileWriter implements EventSink {
  private readonly builder = new TraceBuilder((event) => this.write(event));
  private readonly file: StagedFile;
  private first = true;

  constructor(readonly path: string) {
    this.file = new StagedFile(path);
    this.file.write('{"displayTimeUnit":"ms","traceEvents":[\n');
  }

  record(seq: number, timeMs: number, event: LogEvent): void {
    this.builder.record(seq, timeMs, event);
  }

  close(): void {
    if (this.file.closed) return;
    this.file.write("\n]}\n");
    this.file.commit();
  }

  abandon(): void {
    this.file.abandon();
  }

  private write(event: TraceEvent): void {
    this.file.write(`${this.first ? "" : ",\n"}${JSON.stringify(event)}`);
    this.first = false;
  }
}
