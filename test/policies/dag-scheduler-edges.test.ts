// DagScheduler edges a mutation run found unpinned (docs/checking.md, "Mutation testing"): its own counters of
// running tasks and pending timers (a drift silently switches off deadlock detection and reject_backoff's
// backoff), the deadlock event, cancellations that meet a retry or a stop on its way, ask pauses, reject_backoff
// during a backoff, retry jitter, and reports an orchestrator must not make. Public API only.

import { describe, expect, it } from "vitest";
import { AssertionError } from "../../src/policies/assert.ts";
import type { Clock } from "../../src/policies/clock.ts";
import {
  type DagSchedulerOptions,
  DagScheduler,
  type TaskRecord,
  type JobDefinition,
  type Orchestrator,
  type SchedulerTask,
  type TaskDefinition,
} from "../../src/policies/dag-scheduler.ts";
import { type Lease, LeaseLedger } from "../../src/policies/lease-ledger.ts";
import { FifoQueue } from "../../src/policies/queues/fifo.ts";
import type { ServiceUsage } from "../../src/policies/ready-queue.ts";
import type { SchedulerEvent } from "../../src/policies/scheduler-events.ts";
import type { TimerHandle, Timers } from "../../src/policies/timers.ts";

type EventOf<T extends SchedulerEvent["type"]> = Extract<SchedulerEvent, { type: T }>;

/** Timers on a manual clock that the test advances; it can say how many are pending. */
class ManualTimers implements Timers, Clock {
  private timeMs = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { atMs: number; callback: () => void }>();

  now(): number {
    return this.timeMs;
  }

  schedule(delayMs: number, callback: () => void): TimerHandle {
    const handle = { id: this.nextId };
    this.nextId += 1;
    this.pending.set(handle.id, { atMs: this.timeMs + delayMs, callback });
    return handle;
  }

  cancel(handle: TimerHandle): void {
    this.pending.delete(handle.id);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Fires the earliest pending timer, moving the clock to it. False when none is left. */
  fireNext(): boolean {
    let earliest: [number, { atMs: number; callback: () => void }] | undefined;
    for (const entry of this.pending) if (earliest === undefined || entry[1].atMs < earliest[1].atMs) earliest = entry;
    if (earliest === undefined) return false;
    this.pending.delete(earliest[0]);
    this.timeMs = Math.max(this.timeMs, earliest[1].atMs);
    earliest[1].callback();
    return true;
  }

  /** Fires timers until none is left (bounded, so a timer loop fails the test instead of hanging it). */
  fireAll(): void {
    for (let fired = 0; this.fireNext(); fired += 1) if (fired > 1000) throw new Error("timers never run out");
  }

  advance(ms: number): void {
    this.timeMs += ms;
  }
}

class Recorder implements Orchestrator<string> {
  readonly events: SchedulerEvent[] = [];
  readonly spawned: SchedulerTask<string>[] = [];
  readonly stopped: SchedulerTask<string>[] = [];
  wanted: (task: SchedulerTask<string>) => boolean = () => true;

  spawn(task: SchedulerTask<string>): void {
    this.spawned.push(task);
  }
  stop(task: SchedulerTask<string>): void {
    this.stopped.push(task);
  }
  record(event: SchedulerEvent): void {
    this.events.push(event);
  }
  stillWanted(task: SchedulerTask<string>): boolean {
    return this.wanted(task);
  }

  of<T extends SchedulerEvent["type"]>(type: T): EventOf<T>[] {
    return this.events.filter((event): event is EventOf<T> => event.type === type);
  }

  /** The latest spawn of the task with this payload ("j<job>.<role>"). */
  task(payload: string): SchedulerTask<string> {
    const found = this.spawned.findLast((task) => task.payload === payload);
    if (found === undefined) throw new Error(`${payload} was never spawned`);
    return found;
  }

  finished(job: number): string[] {
    return this.of("task_finished")
      .filter((event) => event.job === job)
      .sort((a, b) => a.task - b.task)
      .map((event) => event.status);
  }

  jobStatus(job: number): string | undefined {
    return this.of("job_finished").find((event) => event.job === job)?.status;
  }

  releases(task: number): string[] {
    return this.of("lease_released")
      .filter((event) => event.task === task)
      .map((event) => `${event.reason}:${event.result}`);
  }
}

/** A FIFO that hears service reports and always asks a running task to yield. */
class EagerQueue extends FifoQueue<TaskRecord<string>> {
  readonly charged: string[] = [];
  charge(task: TaskRecord<string>, usage: ServiceUsage): void {
    this.charged.push(`${task.payload} ${usage.outputTokens}`);
  }
  shouldYield(): boolean {
    return true;
  }
}

function setup(
  limits: Readonly<Record<string, number>> = { global: 1 },
  options: Partial<DagSchedulerOptions> = {},
  random: () => number = () => 0.5,
  queue: FifoQueue<TaskRecord<string>> = new FifoQueue(),
) {
  const timers = new ManualTimers();
  const ledger = new LeaseLedger(limits, timers);
  const orchestrator = new Recorder();
  const scheduler = new DagScheduler<string>(ledger, queue, { clock: timers, timers, random }, orchestrator, options);
  return { timers, ledger, orchestrator, scheduler, queue };
}
type Setup = ReturnType<typeof setup>;

function taskDef(role: string, overrides: Partial<TaskDefinition<string>> = {}): TaskDefinition<string> {
  return { resources: { global: 1 }, dependsOn: [], failure: "abort", maxRetries: 3, timeoutMs: undefined, role, payload: role, ...overrides };
}

function jobDef(id: number, ...tasks: TaskDefinition<string>[]): JobDefinition<string> {
  return { id, tasks: tasks.map((task) => ({ ...task, payload: `j${id}.${task.role}` })) };
}

const noop = (): void => undefined;

function runToSuccess(h: Setup, payload: string, worker = 1): void {
  const task = h.orchestrator.task(payload);
  h.scheduler.started(task, worker, noop);
  h.scheduler.succeeded(task);
}

/**
 * The scheduler's counters are back at zero: with capacity held outside it and nothing of its own running and no
 * timer pending, a new job that needs that capacity is reported as a deadlock at once. A count of running tasks
 * or timers left too high would leave the job waiting silently instead.
 */
function expectCountersAtRest(h: Setup, jobId: number, resources: Readonly<Record<string, number>> = { global: 1 }): void {
  expect(h.timers.pendingCount).toBe(0);
  const outside: Lease[] = [];
  for (const [resource, limit] of Object.entries(h.ledger.capacities())) {
    const free = limit - h.ledger.heldAmount(resource);
    if (free > 0) outside.push(h.ledger.tryAcquire(h.ledger.demand({ [resource]: free }), -1) as Lease);
  }
  const before = h.orchestrator.of("deadlock_detected").length;
  h.scheduler.submit(jobDef(jobId, taskDef("probe", { resources })));
  expect(h.orchestrator.of("deadlock_detected").slice(before), "a blocked job with nothing running is a deadlock").toHaveLength(1);
  expect(h.orchestrator.jobStatus(jobId)).toBe("failed");
  for (const lease of outside) h.ledger.release(lease, "success");
}

describe("DagScheduler: ready work with nothing running and no timers is a deadlock", () => {
  it("reports every stuck job and task with the reason, fails those jobs, and cancels their other tasks", () => {
    const h = setup({ global: 2 });
    const outside = h.ledger.tryAcquire(h.ledger.demand({ global: 2 }), -1) as Lease;
    // Job 1 is submitted while capacity is held outside and nothing of the scheduler's runs: stuck at once.
    h.scheduler.submit(jobDef(1, taskDef("a"), taskDef("b"), taskDef("c", { dependsOn: [0] })));
    const deadlocks = h.orchestrator.of("deadlock_detected");
    expect(deadlocks).toEqual([
      {
        type: "deadlock_detected",
        jobs: [1],
        tasks: [1, 2],
        reason: "ready tasks that can never be admitted: nothing is running, nothing will free capacity",
      },
    ]);
    expect(h.orchestrator.finished(1)).toEqual(["canceled", "canceled", "canceled"]);
    expect(h.orchestrator.jobStatus(1)).toBe("failed");
    expect(h.scheduler.unfinishedJobs).toBe(0);
    expect(h.scheduler.readyCount).toBe(0);
    h.ledger.release(outside, "success");
  });

  it("names every job stuck at the same moment, each once, and every stuck task in queue order", () => {
    const h = setup({ global: 1, gpu: 1 });
    const outside = h.ledger.tryAcquire(h.ledger.demand({ global: 1 }), -1) as Lease;
    h.scheduler.submit(jobDef(1, taskDef("a", { resources: { gpu: 1 } })));
    h.scheduler.submit(jobDef(2, taskDef("a")));
    h.scheduler.submit(jobDef(3, taskDef("a"), taskDef("b")));
    // Job 1's task runs, so the waiting ones may yet get in: no deadlock.
    expect(h.orchestrator.of("deadlock_detected")).toEqual([]);
    // It ends, freeing only gpu: nothing runs any more and global stays held.
    runToSuccess(h, "j1.a");
    expect(h.orchestrator.of("deadlock_detected")).toEqual([
      { type: "deadlock_detected", jobs: [2, 3], tasks: [2, 3, 4], reason: "ready tasks that can never be admitted: nothing is running, nothing will free capacity" },
    ]);
    expect(h.orchestrator.jobStatus(1)).toBe("completed");
    expect(h.orchestrator.jobStatus(2)).toBe("failed");
    expect(h.orchestrator.jobStatus(3)).toBe("failed");
    expect(h.orchestrator.finished(3)).toEqual(["canceled", "canceled"]);
    h.ledger.release(outside, "success");
  });

  it("a demand over its limit is a deadlock as soon as the task is ready, naming the resource and the limit", () => {
    const h = setup({ global: 2, gpu: 1 });
    h.scheduler.submit(jobDef(1, taskDef("a"), taskDef("b", { resources: { gpu: 2 }, dependsOn: [0] })));
    runToSuccess(h, "j1.a");
    expect(h.orchestrator.of("deadlock_detected")).toEqual([{ type: "deadlock_detected", jobs: [1], tasks: [2], reason: "task 2 needs more gpu than its limit of 1" }]);
    expect(h.orchestrator.finished(1)).toEqual(["completed", "failed"]);
    expect(h.orchestrator.jobStatus(1)).toBe("failed");
  });

  it("is not a deadlock while a task of the scheduler runs: its release will free capacity", () => {
    const h = setup({ global: 1 });
    h.scheduler.submit(jobDef(1, taskDef("a")));
    h.scheduler.started(h.orchestrator.task("j1.a"), 1, noop);
    h.scheduler.submit(jobDef(2, taskDef("a")));
    expect(h.orchestrator.of("deadlock_detected")).toEqual([]);
    h.scheduler.succeeded(h.orchestrator.task("j1.a"));
    runToSuccess(h, "j2.a", 2);
    expect(h.orchestrator.jobStatus(2)).toBe("completed");
    expectCountersAtRest(h, 3);
  });

  it("is not a deadlock while a timer is pending: a retry will come back", () => {
    const h = setup({ global: 1 }, { retryBackoffBaseMs: 100 });
    h.scheduler.submit(jobDef(1, taskDef("a", { failure: "retry", maxRetries: 1 })));
    const a = h.orchestrator.task("j1.a");
    h.scheduler.started(a, 1, noop);
    h.scheduler.failed(a, "error");
    const outside = h.ledger.tryAcquire(h.ledger.demand({ global: 1 }), -1) as Lease;
    h.scheduler.submit(jobDef(2, taskDef("a")));
    expect(h.orchestrator.of("deadlock_detected")).toEqual([]);
    h.ledger.release(outside, "success");
    h.timers.fireAll();
    runToSuccess(h, "j2.a", 2);
    runToSuccess(h, "j1.a", 3);
    expect(h.orchestrator.jobStatus(1)).toBe("completed");
    expectCountersAtRest(h, 3);
  });
});

describe("DagScheduler: its counters of running tasks and pending timers", () => {
  it("come back to rest after a spawn failure", () => {
    const h = setup({ global: 1 }, { maxSpawnFailures: 2 });
    h.scheduler.submit(jobDef(1, taskDef("a")));
    h.scheduler.spawnFailed(h.orchestrator.task("j1.a"));
    runToSuccess(h, "j1.a");
    expectCountersAtRest(h, 2);
  });

  it("come back to rest after spawn failures that fail the task", () => {
    const h = setup({ global: 1 }, { maxSpawnFailures: 0 });
    h.scheduler.submit(jobDef(1, taskDef("a")));
    h.scheduler.spawnFailed(h.orchestrator.task("j1.a"));
    expect(h.orchestrator.jobStatus(1)).toBe("failed");
    expectCountersAtRest(h, 2);
  });

  it("come back to rest after a selection that is no longer wanted", () => {
    const h = setup({ global: 1 });
    let asked = 0;
    h.orchestrator.wanted = () => {
      asked += 1;
      return asked > 1;
    };
    h.scheduler.submit(jobDef(1, taskDef("a")));
    expect(h.orchestrator.spawned).toEqual([]);
    expect(h.timers.pendingCount).toBe(1);
    h.timers.fireAll();
    runToSuccess(h, "j1.a");
    expectCountersAtRest(h, 2);
  });

  it("come back to rest when a timeout fires and the worker stops", () => {
    const h = setup({ global: 1 });
    h.scheduler.submit(jobDef(1, taskDef("a", { timeoutMs: 50 })));
    const a = h.orchestrator.task("j1.a");
    h.scheduler.started(a, 1, noop);
    h.timers.fireAll();
    expect(h.orchestrator.of("worker_stop_requested")).toEqual([{ type: "worker_stop_requested", task: 1, reason: "timeout" }]);
    h.scheduler.stopped(a);
    expect(h.orchestrator.jobStatus(1)).toBe("failed");
    expectCountersAtRest(h, 2);
  });

  it("come back to rest when the reaper fires", () => {
    const h = setup({ global: 1 }, { reapAfterMs: 100 });
    h.scheduler.submit(jobDef(1, taskDef("a")));
    const a = h.orchestrator.task("j1.a");
    h.scheduler.started(a, 1, noop);
    h.timers.fireAll();
    expect(h.orchestrator.releases(1)).toEqual([]);
    h.scheduler.stopped(a);
    expect(h.orchestrator.releases(1)).toEqual(["reaped:released"]);
    expectCountersAtRest(h, 2);
  });

  it("a finished task's timeout and reaper are disarmed: nothing is left pending, nothing fires later", () => {
    const h = setup({ global: 1 }, { reapAfterMs: 100 });
    h.scheduler.submit(jobDef(1, taskDef("a", { timeoutMs: 50 })));
    const a = h.orchestrator.task("j1.a");
    h.scheduler.started(a, 1, noop);
    expect(h.timers.pendingCount).toBe(2);
    h.scheduler.succeeded(a);
    expect(h.timers.pendingCount).toBe(0);
    expect(h.orchestrator.of("worker_stop_requested")).toEqual([]);
    expectCountersAtRest(h, 2);
  });

  it("a task that stops on request has its timers disarmed when the stop is requested", () => {
    const h = setup({ global: 1 }, { reapAfterMs: 100 });
    h.scheduler.submit(jobDef(1, taskDef("a", { timeoutMs: 50 })));
    const a = h.orchestrator.task("j1.a");
    h.scheduler.started(a, 1, noop);
    h.scheduler.cancelJob(1);
    expect(h.timers.pendingCount).toBe(0);
    h.scheduler.stopped(a);
    expect(h.orchestrator.releases(1)).toEqual(["cancel:released"]);
    expectCountersAtRest(h, 2);
  });

  it("progress moves the reaper's deadline; a report of progress for a finished or unknown task is ignored", () => {
    const h = setup({ global: 1 }, { reapAfterMs: 100 });
    h.scheduler.submit(jobDef(1, taskDef("a")));
    const a = h.orchestrator.task("j1.a");
    h.scheduler.started(a, 1, noop);
    h.timers.advance(60);
    h.scheduler.progress(a);
    // Due at 100 but progress came at 60: the reaper re-arms for 160 instead of stopping.
    h.timers.fireNext();
    expect(h.orchestrator.of("worker_stop_requested")).toEqual([]);
    expect(h.timers.now()).toBe(100);
    h.timers.fireNext();
    expect(h.timers.now()).toBe(160);
    expect(h.orchestrator.of("worker_stop_requested")).toEqual([{ type: "worker_stop_requested", task: 1, reason: "reaped" }]);
    h.scheduler.stopped(a);
    h.scheduler.progress(a);
    h.scheduler.progress({ ...a, id: 99, jobId: 42 });
    expect(h.timers.pendingCount).toBe(0);
    expectCountersAtRest(h, 2);
  });
});

describe("DagScheduler: cancellations that meet a retry, a re-admission or a stop on its way", () => {
  it("canceling a job whose task waits for its retry cancels the timer and the task; it is never spawned again", () => {
    const h = setup({ global: 1 }, { retryBackoffBaseMs: 100 });
    h.scheduler.submit(jobDef(1, taskDef("a", { failure: "retry", maxRetries: 2 })));
    const a = h.orchestrator.task("j1.a");
    h.scheduler.started(a, 1, noop);
    h.scheduler.failed(a, "error");
    expect(h.timers.pendingCount).toBe(1);
    expect(h.scheduler.cancelJob(1)).toBe(true);
    expect(h.timers.pendingCount).toBe(0);
    expect(h.orchestrator.finished(1)).toEqual(["canceled"]);
    expect(h.orchestrator.jobStatus(1)).toBe("canceled");
    h.timers.fireAll();
    expect(h.orchestrator.spawned).toHaveLength(1);
    expect(h.scheduler.cancelJob(1)).toBe(false);
    expectCountersAtRest(h, 2);
  });

  it("canceling a job whose task waits for re-admission after a stale selection cancels it without a spawn", () => {
    const h = setup({ global: 1 });
    h.orchestrator.wanted = () => false;
    h.scheduler.submit(jobDef(1, taskDef("a")));
    expect(h.timers.pendingCount).toBe(1);
    h.scheduler.cancelJob(1);
    expect(h.timers.pendingCount).toBe(0);
    expect(h.orchestrator.finished(1)).toEqual(["canceled"]);
    expect(h.orchestrator.releases(1)).toEqual(["stale:released"]);
    h.timers.fireAll();
    expect(h.orchestrator.spawned).toEqual([]);
    h.orchestrator.wanted = () => true;
    expectCountersAtRest(h, 2);
  });

  it("a timeout stop that completes after its job was canceled settles the task canceled, without a retry", () => {
    const h = setup({ global: 1 });
    h.scheduler.submit(jobDef(1, taskDef("a", { timeoutMs: 50, failure: "retry", maxRetries: 3 })));
    const a = h.orchestrator.task("j1.a");
    h.scheduler.started(a, 1, noop);
    h.timers.fireAll();
    h.scheduler.cancelJob(1);
    // Asked to stop once, for the timeout; the cancel does not ask again.
    expect(h.orchestrator.stopped).toHaveLength(1);
    h.scheduler.stopped(a);
    expect(h.orchestrator.releases(1)).toEqual(["timeout:released"]);
    expect(h.orchestrator.of("task_retry_scheduled")).toEqual([]);
    expect(h.orchestrator.finished(1)).toEqual(["canceled"]);
    expect(h.orchestrator.jobStatus(1)).toBe("canceled");
    expectCountersAtRest(h, 2);
  });

  it("a reap that completes after its job was canceled settles the task canceled", () => {
    const h = setup({ global: 1 }, { reapAfterMs: 100 });
    h.scheduler.submit(jobDef(1, taskDef("a", { failure: "ask" })));
    const a = h.orchestrator.task("j1.a");
    h.scheduler.started(a, 1, noop);
    h.timers.fireAll();
    h.scheduler.cancelJob(1);
    h.scheduler.stopped(a);
    expect(h.orchestrator.releases(1)).toEqual(["reaped:released"]);
    expect(h.orchestrator.of("job_paused")).toEqual([]);
    expect(h.orchestrator.finished(1)).toEqual(["canceled"]);
    expectCountersAtRest(h, 2);
  });

  it("shutdown twice starts one shutdown; the second call changes nothing", () => {
    const h = setup({ global: 1 });
    h.scheduler.submit(jobDef(1, taskDef("a")));
    h.scheduler.shutdown("drain");
    h.scheduler.shutdown("cancel");
    expect(h.orchestrator.of("shutdown_started")).toEqual([{ type: "shutdown_started", mode: "drain" }]);
    // Drain: the running task was not stopped by the second call.
    expect(h.orchestrator.stopped).toEqual([]);
    runToSuccess(h, "j1.a");
    expect(h.orchestrator.jobStatus(1)).toBe("completed");
    expect(h.scheduler.submit(jobDef(2, taskDef("a")))).toBe(false);
  });

  it("shutdown cancel stops every job with reason shutdown", () => {
    const h = setup({ global: 2 });
    h.scheduler.submit(jobDef(1, taskDef("a")));
    h.scheduler.submit(jobDef(2, taskDef("a")));
    h.scheduler.shutdown("cancel");
    expect(h.orchestrator.of("worker_stop_requested").map((event) => event.reason)).toEqual(["shutdown", "shutdown"]);
    h.scheduler.shutdown("cancel");
    expect(h.orchestrator.of("shutdown_started")).toHaveLength(1);
  });
});

describe("DagScheduler: ask pauses", () => {
  it("resuming a job paused with a ready sibling queues the sibling again without a new task_ready or retry", () => {
    const h = setup({ global: 1 });
    h.scheduler.submit(jobDef(1, taskDef("a", { failure: "ask" }), taskDef("b")));
    const a = h.orchestrator.task("j1.a");
    h.scheduler.started(a, 1, noop);
    h.scheduler.failed(a, "error");
    // b was admitted when a's capacity came back? No: the pause parks it first.
    expect(h.orchestrator.of("job_paused")).toEqual([{ type: "job_paused", job: 1, task: 1 }]);
    expect(h.orchestrator.spawned.map((task) => task.payload)).toEqual(["j1.a"]);
    expect(h.scheduler.readyCount).toBe(0);
    const readyBefore = h.orchestrator.of("task_ready").length;
    expect(h.scheduler.resumeJob(1)).toBe(true);
    expect(h.orchestrator.of("job_resumed")).toEqual([{ type: "job_resumed", job: 1 }]);
    // Only the failed task is made ready again (a task_ready event); the parked sibling goes straight back, behind it.
    expect(h.orchestrator.of("task_ready").slice(readyBefore).map((event) => event.task)).toEqual([1]);
    expect(h.orchestrator.spawned.map((task) => task.payload)).toEqual(["j1.a", "j1.a"]);
    expect(h.orchestrator.task("j1.a").retries).toBe(1);
    runToSuccess(h, "j1.a", 2);
    expect(h.orchestrator.task("j1.b").retries).toBe(0);
    runToSuccess(h, "j1.b", 3);
    expect(h.orchestrator.finished(1)).toEqual(["completed", "completed"]);
    expect(h.orchestrator.jobStatus(1)).toBe("completed");
    expectCountersAtRest(h, 2);
  });

  it("two pauses in one job: both failed tasks run again on one resume", () => {
    const h = setup({ global: 2 });
    h.scheduler.submit(jobDef(1, taskDef("a", { failure: "ask" }), taskDef("b", { failure: "ask" })));
    const a = h.orchestrator.task("j1.a");
    const b = h.orchestrator.task("j1.b");
    h.scheduler.started(a, 1, noop);
    h.scheduler.started(b, 2, noop);
    h.scheduler.failed(a, "error");
    h.scheduler.failed(b, "error");
    expect(h.orchestrator.of("job_paused").map((event) => event.task)).toEqual([1, 2]);
    expect(h.scheduler.resumeJob(1)).toBe(true);
    expect(h.scheduler.resumeJob(1)).toBe(false);
    expect(h.orchestrator.spawned.map((task) => task.payload)).toEqual(["j1.a", "j1.b", "j1.a", "j1.b"]);
    expect([a.retries, b.retries]).toEqual([1, 1]);
    runToSuccess(h, "j1.a", 3);
    runToSuccess(h, "j1.b", 4);
    expect(h.orchestrator.jobStatus(1)).toBe("completed");
    expectCountersAtRest(h, 2);
  });

  it("resumeJob refuses a job that is not paused, unknown, or already decided", () => {
    const h = setup({ global: 1 });
    expect(h.scheduler.resumeJob(7)).toBe(false);
    h.scheduler.submit(jobDef(1, taskDef("a", { failure: "ask" }), taskDef("b")));
    expect(h.scheduler.resumeJob(1)).toBe(false);
    const a = h.orchestrator.task("j1.a");
    h.scheduler.started(a, 1, noop);
    h.scheduler.failed(a, "error");
    h.scheduler.cancelJob(1);
    expect(h.scheduler.resumeJob(1)).toBe(false);
    expect(h.orchestrator.of("job_resumed")).toEqual([]);
  });
});

describe("DagScheduler: reject_backoff", () => {
  const options: Partial<DagSchedulerOptions> = { design: "reject_backoff", rejectBackoffBaseMs: 100, rejectBackoffMaxMs: 5000 };

  it("a dispatch during a backoff tries nothing: no refusal is logged, nothing spawns until the backoff ends", () => {
    const h = setup({ global: 1 }, options);
    const outside = h.ledger.tryAcquire(h.ledger.demand({ global: 1 }), -1) as Lease;
    h.scheduler.submit(jobDef(1, taskDef("a")));
    expect(h.orchestrator.of("backoff_started")).toEqual([{ type: "backoff_started", delay_ms: 200, refused_batches: 1 }]);
    h.ledger.release(outside, "success");
    // A submit while backing off: capacity is free now, but nobody is tried before the backoff ends.
    h.scheduler.submit(jobDef(2, taskDef("a")));
    expect(h.orchestrator.of("spawn_refused")).toHaveLength(1);
    expect(h.orchestrator.spawned).toEqual([]);
    h.timers.fireNext();
    expect(h.orchestrator.of("backoff_ended")).toHaveLength(1);
    expect(h.orchestrator.spawned.map((task) => task.payload)).toEqual(["j1.a"]);
    expect(h.orchestrator.of("spawn_refused")).toHaveLength(2);
  });

  it("a wholly refused batch while a task runs starts no backoff but counts toward the next one", () => {
    const h = setup({ global: 1, gpu: 1 }, options);
    const outside = h.ledger.tryAcquire(h.ledger.demand({ global: 1 }), -1) as Lease;
    h.scheduler.submit(jobDef(1, taskDef("a", { resources: { gpu: 1 } })));
    h.scheduler.submit(jobDef(2, taskDef("a")));
    expect(h.orchestrator.of("spawn_refused")).toEqual([{ type: "spawn_refused", task: 2, job: 2, resource: "global" }]);
    expect(h.orchestrator.of("backoff_started")).toEqual([]);
    expect(h.timers.pendingCount).toBe(0);
    // Job 1's task ends: nothing runs, the batch is refused again, and this is the second refused batch.
    runToSuccess(h, "j1.a");
    expect(h.orchestrator.of("backoff_started")).toEqual([{ type: "backoff_started", delay_ms: 400, refused_batches: 2 }]);
    h.ledger.release(outside, "success");
    h.timers.fireAll();
    runToSuccess(h, "j2.a", 2);
    expect(h.orchestrator.jobStatus(2)).toBe("completed");
  });

  it("names the resource that is full in a refusal, also when it is not the first of the demand", () => {
    const h = setup({ global: 2, "provider:a": 1 }, options);
    h.scheduler.submit(jobDef(1, taskDef("a", { resources: { global: 1, "provider:a": 1 } })));
    h.scheduler.submit(jobDef(2, taskDef("a", { resources: { global: 1, "provider:a": 1 } })));
    expect(h.orchestrator.of("spawn_refused")).toEqual([{ type: "spawn_refused", task: 2, job: 2, resource: "provider:a" }]);
  });
});

describe("DagScheduler: retry backoff jitter", () => {
  it.each([
    [0, 0.8],
    [0.25, 0.9],
    [0.75, 1.1],
  ])("a draw of %s puts the jitter factor at %s", (draw, factor) => {
    const h = setup({ global: 1 }, { retryBackoffBaseMs: 1000, retryBackoffMaxMs: 3000, retryJitter: 0.2 }, () => draw);
    h.scheduler.submit(jobDef(1, taskDef("a", { failure: "retry", maxRetries: 3 })));
    const delays: number[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const a = h.orchestrator.task("j1.a");
      h.scheduler.started(a, attempt + 1, noop);
      h.scheduler.failed(a, "error");
      delays.push((h.orchestrator.of("task_retry_scheduled").at(-1) as EventOf<"task_retry_scheduled">).delay_ms);
      h.timers.fireAll();
    }
    // base × 2^(retry − 1), capped at the max, times the factor.
    expect(delays[0]).toBeCloseTo(1000 * factor, 9);
    expect(delays[1]).toBeCloseTo(2000 * factor, 9);
    expect(delays[2]).toBeCloseTo(3000 * factor, 9);
  });
});

describe("DagScheduler: reports an orchestrator must not make", () => {
  function running(h: Setup): SchedulerTask<string> {
    h.scheduler.submit(jobDef(1, taskDef("a"), taskDef("b", { dependsOn: [0] })));
    const a = h.orchestrator.task("j1.a");
    h.scheduler.started(a, 1, noop);
    return a;
  }

  it("started twice, succeeded before started, stopped without a stop: assertions naming the task and its state", () => {
    const h = setup({ global: 1 });
    h.scheduler.submit(jobDef(1, taskDef("a")));
    const a = h.orchestrator.task("j1.a");
    expect(() => h.scheduler.succeeded(a)).toThrow(new AssertionError("task 1 reported in state spawning, expected running"));
    expect(() => h.scheduler.failed(a, "error")).toThrow(AssertionError);
    expect(() => h.scheduler.stopped(a)).toThrow("task 1 reported in state spawning, expected stopping");
    h.scheduler.started(a, 1, noop);
    expect(() => h.scheduler.started(a, 1, noop)).toThrow("task 1 reported in state running, expected spawning");
    expect(() => h.scheduler.spawnFailed(a)).toThrow(AssertionError);
  });

  it("a duplicate success is refused: the task is no longer running", () => {
    const h = setup({ global: 1 });
    const a = running(h);
    h.scheduler.succeeded(a);
    expect(() => h.scheduler.succeeded(a)).toThrow("task 1 reported in state completed, expected running");
    expect(h.orchestrator.releases(1)).toEqual(["success:released"]);
  });

  it("a foreign task (same ids, another object, or another scheduler's) is refused as unknown", () => {
    const h = setup({ global: 1 });
    const a = running(h);
    expect(() => h.scheduler.succeeded({ ...a })).toThrow("task 1 reported in state unknown, expected running");
    expect(() => h.scheduler.stopped({ ...a, jobId: 9 })).toThrow(AssertionError);
    const other = setup({ global: 1 });
    const theirs = running(other);
    expect(() => h.scheduler.succeeded(theirs)).toThrow(AssertionError);
    // Nothing changed for the real task.
    h.scheduler.succeeded(a);
    expect(h.orchestrator.finished(1)).toEqual(["completed"]);
  });

  it.each([
    ["itself", [0]],
    ["a later task", [1]],
    ["a negative index", [-1]],
    ["an index out of range", [5]],
  ])("a job whose task depends on %s is refused as a bug, before anything is recorded", (_what, dependsOn) => {
    const h = setup({ global: 1 });
    expect(() => h.scheduler.submit(jobDef(1, taskDef("a", { dependsOn }), taskDef("b")))).toThrow(AssertionError);
    expect(() => h.scheduler.submit(jobDef(1, taskDef("a", { dependsOn }), taskDef("b")))).toThrow(`task 0 of job 1 depends on ${dependsOn[0]}`);
    expect(h.orchestrator.events).toEqual([]);
    expect(h.scheduler.unfinishedJobs).toBe(0);
  });

  it("a dependency on an earlier task is accepted, also from the last task", () => {
    const h = setup({ global: 1 });
    expect(h.scheduler.submit(jobDef(1, taskDef("a"), taskDef("b", { dependsOn: [0] }), taskDef("c", { dependsOn: [1, 0] })))).toBe(true);
    runToSuccess(h, "j1.a");
    runToSuccess(h, "j1.b", 2);
    runToSuccess(h, "j1.c", 3);
    expect(h.orchestrator.jobStatus(1)).toBe("completed");
  });
});

describe("DagScheduler: service reports and yields", () => {
  const usage: ServiceUsage = { inputTokens: 1, outputTokens: 7, providerMs: 3 };

  it("forwards service of a running or stopping task; ignores unknown tasks and queues without charge", () => {
    const queue = new EagerQueue();
    const h = setup({ global: 1 }, {}, () => 0.5, queue);
    h.scheduler.submit(jobDef(1, taskDef("a")));
    const a = h.orchestrator.task("j1.a");
    h.scheduler.serviceReceived(a, usage);
    h.scheduler.started(a, 1, noop);
    h.scheduler.serviceReceived(a, usage);
    h.scheduler.cancelJob(1);
    h.scheduler.serviceReceived(a, usage);
    h.scheduler.stopped(a);
    h.scheduler.serviceReceived(a, usage);
    expect(() => h.scheduler.serviceReceived({ ...a, jobId: 77 }, usage)).not.toThrow();
    expect(queue.charged).toEqual(["j1.a 7", "j1.a 7"]);

    const plain = setup({ global: 1 });
    plain.scheduler.submit(jobDef(1, taskDef("a")));
    const b = plain.orchestrator.task("j1.a");
    plain.scheduler.started(b, 1, noop);
    expect(() => plain.scheduler.serviceReceived(b, usage)).not.toThrow();
  });

  it("with preemption allowed, a queue without shouldYield never asks a task to yield", () => {
    const h = setup({ global: 1 }, { yieldBetweenCalls: true });
    h.scheduler.submit(jobDef(1, taskDef("a")));
    const a = h.orchestrator.task("j1.a");
    h.scheduler.started(a, 1, noop);
    expect(h.scheduler.shouldYield(a)).toBe(false);
  });

  it("a spawn_then_wait worker is never asked to yield, neither while it waits nor once it holds its provider", () => {
    const queue = new EagerQueue();
    const h = setup({ global: 2, "provider:a": 1 }, { design: "spawn_then_wait", yieldBetweenCalls: true }, () => 0.5, queue);
    const onProvider = { resources: { global: 1, "provider:a": 1 } };
    h.scheduler.submit(jobDef(1, taskDef("a", onProvider), taskDef("b", onProvider)));
    const a = h.orchestrator.task("j1.a");
    const b = h.orchestrator.task("j1.b");
    h.scheduler.started(a, 1, noop);
    h.scheduler.started(b, 2, noop);
    expect(h.orchestrator.of("worker_wait_started").map((event) => event.task)).toEqual([2]);
    expect(h.scheduler.shouldYield(a)).toBe(false);
    expect(h.scheduler.shouldYield(b)).toBe(false);
    // A lease-design task with the same queue would be asked: the queue says yes to everyone.
    const lease = setup({ global: 1 }, { yieldBetweenCalls: true }, () => 0.5, new EagerQueue());
    lease.scheduler.submit(jobDef(1, taskDef("a")));
    const c = lease.orchestrator.task("j1.a");
    lease.scheduler.started(c, 1, noop);
    expect(lease.scheduler.shouldYield(c)).toBe(true);
  });

  it("under spawn_then_wait, a task with nothing deferred takes one lease, not an empty second one", () => {
    const h = setup({ global: 1 }, { design: "spawn_then_wait" });
    h.scheduler.submit(jobDef(1, taskDef("a")));
    runToSuccess(h, "j1.a");
    expect(h.orchestrator.of("lease_acquired")).toHaveLength(1);
    expect(h.orchestrator.releases(1)).toEqual(["success:released"]);
  });
});

describe("DagScheduler: more edges", () => {
  it("a report of failure for a task it does not know is an assertion, not a crash", () => {
    const h = setup({ global: 1 });
    h.scheduler.submit(jobDef(1, taskDef("a")));
    const a = h.orchestrator.task("j1.a");
    h.scheduler.started(a, 1, noop);
    expect(() => h.scheduler.failed({ ...a, jobId: 5 }, "error")).toThrow(AssertionError);
    expect(() => h.scheduler.succeeded({ ...a, jobId: 5 })).toThrow(AssertionError);
  });

  it("a task that can never fit stops its running sibling with reason cancel", () => {
    const h = setup({ global: 2, gpu: 1 });
    h.scheduler.submit(jobDef(1, taskDef("a"), taskDef("b"), taskDef("c", { resources: { gpu: 2 }, dependsOn: [0] })));
    const b = h.orchestrator.task("j1.b");
    h.scheduler.started(b, 2, noop);
    runToSuccess(h, "j1.a");
    expect(h.orchestrator.of("worker_stop_requested")).toEqual([{ type: "worker_stop_requested", task: 2, reason: "cancel" }]);
    h.scheduler.stopped(b);
    expect(h.orchestrator.releases(2)).toEqual(["cancel:released"]);
    expect(h.orchestrator.finished(1)).toEqual(["completed", "canceled", "failed"]);
  });

  it("reject_backoff: a task canceled while its batch is being spawned is skipped, not tried", () => {
    const h = setup({ global: 3 }, { design: "reject_backoff" });
    const outside = h.ledger.tryAcquire(h.ledger.demand({ global: 3 }), -1) as Lease;
    h.scheduler.submit(jobDef(1, taskDef("a")));
    h.scheduler.submit(jobDef(2, taskDef("a")));
    h.ledger.release(outside, "success");
    // The batch after the backoff is [j1.a, j2.a]; spawning j1.a cancels job 2 before its turn comes.
    h.orchestrator.spawn = (task) => {
      h.orchestrator.spawned.push(task);
      if (task.payload === "j1.a") h.scheduler.cancelJob(2);
    };
    h.timers.fireNext();
    expect(h.orchestrator.spawned.map((task) => task.payload)).toEqual(["j1.a"]);
    expect(h.orchestrator.jobStatus(2)).toBe("canceled");
    expect(h.orchestrator.of("lease_acquired").map((event) => event.task)).toEqual([1]);
  });

  it("submits made from inside spawn do not nest: a chain of 20,000 runs in constant stack depth", () => {
    const h = setup({ global: 100_000 });
    let next = 2;
    h.orchestrator.spawn = (task) => {
      h.orchestrator.spawned.push(task);
      if (next <= 20_000) {
        h.scheduler.submit(jobDef(next, taskDef("a")));
        next += 1;
      }
    };
    h.scheduler.submit(jobDef(1, taskDef("a")));
    expect(h.orchestrator.spawned).toHaveLength(20_000);
  });

  it("a task resumed after an ask and then parked again as a sibling is not counted as retried twice", () => {
    const h = setup({ global: 1, gpu: 1 });
    h.scheduler.submit(jobDef(1, taskDef("a", { failure: "ask", resources: { gpu: 1 } }), taskDef("b", { failure: "ask" })));
    const a = h.orchestrator.task("j1.a");
    const b = h.orchestrator.task("j1.b");
    h.scheduler.started(a, 1, noop);
    h.scheduler.started(b, 2, noop);
    h.scheduler.failed(a, "error");
    // a waits for the answer; gpu is taken outside, so once resumed a stays ready (queued) while b runs on.
    const outside = h.ledger.tryAcquire(h.ledger.demand({ gpu: 1 }), -1) as Lease;
    h.scheduler.resumeJob(1);
    expect(a.retries).toBe(1);
    // b fails too: a, ready, is parked as a sibling, not as the task awaiting the answer.
    h.scheduler.failed(b, "error");
    h.ledger.release(outside, "success");
    const readyBefore = h.orchestrator.of("task_ready").length;
    h.scheduler.resumeJob(1);
    expect(h.orchestrator.of("task_ready").slice(readyBefore).map((event) => event.task)).toEqual([2]);
    expect([a.retries, b.retries]).toEqual([1, 1]);
    runToSuccess(h, "j1.a", 3);
    runToSuccess(h, "j1.b", 4);
    expect(h.orchestrator.jobStatus(1)).toBe("completed");
  });
});
