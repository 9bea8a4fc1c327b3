// DagScheduler driven through its public API by a fake orchestrator, on the engine's virtual clock: every
// terminal path releases each lease exactly once, with the right reason, and only once the worker has stopped.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AssertionError } from "../../src/policies/assert.ts";
import type { Clock } from "../../src/policies/clock.ts";
import {
  ADMISSION_DESIGNS,
  type AdmissionDesign,
  DagScheduler,
  type DagSchedulerOptions,
  type FailureStrategy,
  type JobDefinition,
  type Orchestrator,
  type SchedulerTask,
  type TaskDefinition,
  type TaskRecord,
} from "../../src/policies/dag-scheduler.ts";
import { FifoQueue } from "../../src/policies/queues/fifo.ts";
import { type Lease, LeaseLedger, RELEASE_REASONS, type ReleaseReason, type ReleaseResult, type ResourceVector } from "../../src/policies/lease-ledger.ts";
import type { SchedulerEvent, TaskStatus } from "../../src/policies/scheduler-events.ts";
import type { Queueable, ReadyQueue, ServiceUsage } from "../../src/policies/ready-queue.ts";
import { Engine } from "../../src/sim/engine.ts";

type EventOf<T extends SchedulerEvent["type"]> = Extract<SchedulerEvent, { type: T }>;

function eventsOf<T extends SchedulerEvent["type"]>(events: readonly SchedulerEvent[], type: T): EventOf<T>[] {
  return events.filter((event): event is EventOf<T> => event.type === type);
}

const ignoreCapacity = (): void => undefined;

// ---- the fake orchestrator of the unit tests: it records, and the test decides what the workers do ----

class FakeOrchestrator implements Orchestrator<string> {
  readonly events: SchedulerEvent[] = [];
  readonly eventTimesMs: number[] = [];
  readonly spawned: SchedulerTask<string>[] = [];
  readonly spawnTimesMs: number[] = [];
  readonly stopRequested: SchedulerTask<string>[] = [];
  /** Tasks spawned while they held no open lease (lease-before-spawn broken). */
  readonly spawnedWithoutLease: number[] = [];
  wanted: (task: SchedulerTask<string>) => boolean = () => true;
  /** Runs inside `spawn`, to interleave a call into the scheduler while it is mid-dispatch. */
  duringSpawn: ((task: SchedulerTask<string>) => void) | undefined = undefined;

  constructor(private readonly clock: Clock) {}

  spawn(task: SchedulerTask<string>): void {
    if (openLeaseCount(this.events, task.id) === 0) this.spawnedWithoutLease.push(task.id);
    this.spawned.push(task);
    this.spawnTimesMs.push(this.clock.now());
    this.duringSpawn?.(task);
  }

  stop(task: SchedulerTask<string>): void {
    this.stopRequested.push(task);
  }

  record(event: SchedulerEvent): void {
    this.events.push(event);
    this.eventTimesMs.push(this.clock.now());
  }

  stillWanted(task: SchedulerTask<string>): boolean {
    return this.wanted(task);
  }

  /** The latest spawn of the task with this payload (payloads are "j<job>.<role>"). */
  spawnedTask(payload: string): SchedulerTask<string> {
    const found = this.spawned.findLast((task) => task.payload === payload);
    if (found === undefined) throw new Error(`${payload} was never spawned`);
    return found;
  }

  spawnCount(payload: string): number {
    return this.spawned.filter((task) => task.payload === payload).length;
  }

  timesOf(type: SchedulerEvent["type"]): number[] {
    return this.eventTimesMs.filter((_, index) => this.events[index]?.type === type);
  }
}

function openLeaseCount(events: readonly SchedulerEvent[], task: number): number {
  let open = 0;
  for (const event of events) {
    if (event.type === "lease_acquired" && event.task === task) open += 1;
    if (event.type === "lease_released" && event.task === task && event.result === "released") open -= 1;
  }
  return open;
}

interface Harness {
  readonly engine: Engine;
  readonly ledger: LeaseLedger;
  readonly orchestrator: FakeOrchestrator;
  readonly scheduler: DagScheduler<string>;
  /** Fires pending timers in virtual-time order until none is left. */
  runTimers(): void;
}

function harness(
  limits: Readonly<Record<string, number>>,
  options: Partial<DagSchedulerOptions> = {},
  maxEvents = 10_000,
  queue: ReadyQueue<TaskRecord<string>> = new FifoQueue(),
): Harness {
  const engine = new Engine(maxEvents);
  const ledger = new LeaseLedger(limits, engine.clock);
  const orchestrator = new FakeOrchestrator(engine.clock);
  const environment = { clock: engine.clock, timers: engine, random: () => 0.5 };
  const scheduler = new DagScheduler<string>(ledger, queue, environment, orchestrator, options);
  return { engine, ledger, orchestrator, scheduler, runTimers: () => engine.run({ handle: () => undefined }) };
}

function taskDef(role: string, overrides: Partial<TaskDefinition<string>> = {}): TaskDefinition<string> {
  return { resources: { global: 1 }, dependsOn: [], failure: "abort", maxRetries: 3, timeoutMs: undefined, role, payload: role, ...overrides };
}

function jobDef(id: number, ...tasks: TaskDefinition<string>[]): JobDefinition<string> {
  return { id, tasks: tasks.map((task) => ({ ...task, payload: `j${id}.${task.role}` })) };
}

/** The id the scheduler gave a task, from its first task_ready event. */
function taskId(h: Harness, job: number, role: string): number {
  const ready = eventsOf(h.orchestrator.events, "task_ready").find((event) => event.job === job && event.role === role);
  if (ready === undefined) throw new Error(`task ${role} of job ${job} was never ready`);
  return ready.task;
}

/** Terminal statuses of a job's tasks in task order (ids are handed out in submission order). */
function taskStatuses(h: Harness, job: number): TaskStatus[] {
  return eventsOf(h.orchestrator.events, "task_finished")
    .filter((event) => event.job === job)
    .sort((a, b) => a.task - b.task)
    .map((event) => event.status);
}

function jobStatuses(h: Harness, job: number): string[] {
  return eventsOf(h.orchestrator.events, "job_finished")
    .filter((event) => event.job === job)
    .map((event) => event.status);
}

/** Release reasons of a task's leases, in order, with the result of each release. */
function releasesOf(h: Harness, task: number): string[] {
  return eventsOf(h.orchestrator.events, "lease_released")
    .filter((event) => event.task === task)
    .map((event) => `${event.reason}:${event.result}`);
}

function leasesAcquiredBy(h: Harness, task: number): number[] {
  return eventsOf(h.orchestrator.events, "lease_acquired")
    .filter((event) => event.task === task)
    .map((event) => event.lease);
}

/**
 * The lease contract at the end of a path: each lease acquired got exactly one lease_released, with result
 * "released"; no release of a lease never acquired; nothing is held; no worker was spawned without a lease.
 * Returns lease id → release reason, in acquisition order.
 */
function expectLeasesClosed(h: Harness): Map<number, ReleaseReason> {
  const acquired = eventsOf(h.orchestrator.events, "lease_acquired").map((event) => event.lease);
  const released = eventsOf(h.orchestrator.events, "lease_released");
  const reasons = new Map<number, ReleaseReason>();
  for (const lease of acquired) {
    const releases = released.filter((event) => event.lease === lease);
    expect(releases.map((event) => event.result), `releases of lease ${lease}`).toEqual(["released"]);
    reasons.set(lease, (releases[0] as EventOf<"lease_released">).reason);
  }
  expect(released.filter((event) => !acquired.includes(event.lease))).toEqual([]);
  for (const resource of Object.keys(h.ledger.capacities())) expect(h.ledger.heldAmount(resource), resource).toBe(0);
  expect(h.ledger.activeLeaseCount).toBe(0);
  expect(h.orchestrator.spawnedWithoutLease).toEqual([]);
  return reasons;
}

/** The most ever held of a resource, recomputed from the recorded lease events alone. */
function maxHeldFromEvents(events: readonly SchedulerEvent[], resource: string): number {
  const amounts = new Map<number, number>();
  let held = 0;
  let most = 0;
  for (const event of events) {
    if (event.type === "lease_acquired") {
      const amount = event.resources[resource] ?? 0;
      amounts.set(event.lease, amount);
      held += amount;
      most = Math.max(most, held);
    } else if (event.type === "lease_released" && event.result === "released") {
      held -= amounts.get(event.lease) ?? 0;
    }
  }
  return most;
}

// ---- terminal paths ----

describe("DagScheduler terminal paths", () => {
  it("success: a chain runs in dependency order, each lease released once with reason success", () => {
    const h = harness({ global: 2 });
    h.scheduler.submit(jobDef(1, taskDef("a"), taskDef("b", { dependsOn: [0] })));
    expect(h.orchestrator.spawned.map((task) => task.payload)).toEqual(["j1.a"]);
    expect(h.ledger.heldAmount("global")).toBe(1);

    const a = h.orchestrator.spawnedTask("j1.a");
    let capacityCalls = 0;
    h.scheduler.started(a, 1, () => {
      capacityCalls += 1;
    });
    expect(capacityCalls).toBe(1);
    h.scheduler.succeeded(a);
    const b = h.orchestrator.spawnedTask("j1.b");
    h.scheduler.started(b, 2, ignoreCapacity);
    h.scheduler.succeeded(b);

    expect(taskStatuses(h, 1)).toEqual(["completed", "completed"]);
    expect(jobStatuses(h, 1)).toEqual(["completed"]);
    expect(h.scheduler.unfinishedJobs).toBe(0);
    expect([...expectLeasesClosed(h).values()]).toEqual(["success", "success"]);
  });

  it("retry: released with reason retry, a retry is scheduled with backoff, a new lease later; after max_retries the job fails", () => {
    const h = harness({ global: 1 }, { retryBackoffBaseMs: 1000, retryBackoffMaxMs: 30_000, retryJitter: 0.2 });
    h.scheduler.submit(jobDef(1, taskDef("a", { failure: "retry", maxRetries: 2 })));
    const id = taskId(h, 1, "a");

    for (let attempt = 0; attempt < 2; attempt += 1) {
      const a = h.orchestrator.spawnedTask("j1.a");
      h.scheduler.started(a, attempt + 1, ignoreCapacity);
      h.scheduler.failed(a, "error");
      expect(h.ledger.heldAmount("global")).toBe(0);
      // Not again before the backoff has passed.
      expect(h.orchestrator.spawnCount("j1.a")).toBe(attempt + 1);
      const scheduled = eventsOf(h.orchestrator.events, "task_retry_scheduled").at(-1);
      expect(scheduled?.retry).toBe(attempt + 1);
      // random() = 0.5 puts the jitter factor at exactly 1.
      expect(scheduled?.delay_ms).toBeCloseTo(1000 * 2 ** attempt, 6);
      h.runTimers();
      expect(h.orchestrator.spawnCount("j1.a")).toBe(attempt + 2);
      expect(a.retries).toBe(attempt + 1);
    }
    expect(h.orchestrator.spawnTimesMs.map(Math.round)).toEqual([0, 1000, 3000]);

    const last = h.orchestrator.spawnedTask("j1.a");
    h.scheduler.started(last, 3, ignoreCapacity);
    h.scheduler.failed(last, "error");
    expect(eventsOf(h.orchestrator.events, "task_retry_scheduled")).toHaveLength(2);
    expect(new Set(leasesAcquiredBy(h, id)).size).toBe(3);
    expect(releasesOf(h, id)).toEqual(["retry:released", "retry:released", "failure:released"]);
    expect(taskStatuses(h, 1)).toEqual(["failed"]);
    expect(jobStatuses(h, 1)).toEqual(["failed"]);
    expectLeasesClosed(h);
    h.runTimers();
    expect(h.orchestrator.spawnCount("j1.a")).toBe(3);
  });

  it("retry: a retried task that then succeeds completes its job", () => {
    const h = harness({ global: 1 }, { retryBackoffBaseMs: 50 });
    h.scheduler.submit(jobDef(1, taskDef("a", { failure: "retry", maxRetries: 1 })));
    const first = h.orchestrator.spawnedTask("j1.a");
    h.scheduler.started(first, 1, ignoreCapacity);
    h.scheduler.failed(first, "error");
    h.runTimers();
    const second = h.orchestrator.spawnedTask("j1.a");
    h.scheduler.started(second, 2, ignoreCapacity);
    h.scheduler.succeeded(second);
    expect(releasesOf(h, taskId(h, 1, "a"))).toEqual(["retry:released", "success:released"]);
    expect(jobStatuses(h, 1)).toEqual(["completed"]);
    expectLeasesClosed(h);
  });

  it("abort: the job fails; running siblings keep their capacity until they report stopped, then release it with reason cancel", () => {
    const h = harness({ global: 3 });
    h.scheduler.submit(jobDef(1, taskDef("a"), taskDef("b"), taskDef("c"), taskDef("d", { dependsOn: [0] })));
    const [a, b, c] = ["j1.a", "j1.b", "j1.c"].map((payload) => h.orchestrator.spawnedTask(payload)) as [
      SchedulerTask<string>,
      SchedulerTask<string>,
      SchedulerTask<string>,
    ];
    h.scheduler.started(a, 1, ignoreCapacity);
    h.scheduler.started(b, 2, ignoreCapacity);
    h.scheduler.started(c, 3, ignoreCapacity);

    h.scheduler.failed(a, "error");
    expect(releasesOf(h, a.id)).toEqual(["failure:released"]);
    expect(h.orchestrator.stopRequested.map((task) => task.payload)).toEqual(["j1.b", "j1.c"]);
    expect(eventsOf(h.orchestrator.events, "worker_stop_requested").map((event) => event.reason)).toEqual(["cancel", "cancel"]);
    // Asked to stop is not stopped: the capacity is still theirs.
    expect(h.ledger.heldAmount("global")).toBe(2);
    expect(releasesOf(h, b.id)).toEqual([]);
    expect(releasesOf(h, c.id)).toEqual([]);
    expect(jobStatuses(h, 1)).toEqual([]);

    h.scheduler.stopped(b);
    expect(releasesOf(h, b.id)).toEqual(["cancel:released"]);
    expect(h.ledger.heldAmount("global")).toBe(1);
    expect(jobStatuses(h, 1)).toEqual([]);

    h.scheduler.stopped(c);
    expect(releasesOf(h, c.id)).toEqual(["cancel:released"]);
    expect(taskStatuses(h, 1)).toEqual(["failed", "canceled", "canceled", "canceled"]);
    expect(jobStatuses(h, 1)).toEqual(["failed"]);
    expect(h.orchestrator.spawnCount("j1.d")).toBe(0);
    expectLeasesClosed(h);
  });

  it("skip: the task and its transitive dependents are skipped, the rest runs, the job completes", () => {
    const h = harness({ global: 2 });
    h.scheduler.submit(
      jobDef(
        1,
        taskDef("a", { failure: "skip" }),
        taskDef("b", { dependsOn: [0] }),
        taskDef("c", { dependsOn: [1] }),
        taskDef("d"),
        taskDef("e", { dependsOn: [3] }),
      ),
    );
    const a = h.orchestrator.spawnedTask("j1.a");
    const d = h.orchestrator.spawnedTask("j1.d");
    h.scheduler.started(a, 1, ignoreCapacity);
    h.scheduler.started(d, 2, ignoreCapacity);
    h.scheduler.failed(a, "error");
    expect(releasesOf(h, a.id)).toEqual(["failure:released"]);
    expect(h.orchestrator.stopRequested).toEqual([]);
    h.scheduler.succeeded(d);
    const e = h.orchestrator.spawnedTask("j1.e");
    h.scheduler.started(e, 3, ignoreCapacity);
    h.scheduler.succeeded(e);

    expect(taskStatuses(h, 1)).toEqual(["skipped", "skipped", "skipped", "completed", "completed"]);
    expect(jobStatuses(h, 1)).toEqual(["completed"]);
    expect(h.orchestrator.spawnCount("j1.b") + h.orchestrator.spawnCount("j1.c")).toBe(0);
    expectLeasesClosed(h);
  });

  it("ask: the job pauses (nothing new starts), resumeJob runs the failed task again under a new lease", () => {
    const h = harness({ global: 1 });
    h.scheduler.submit(jobDef(1, taskDef("a", { failure: "ask" }), taskDef("b"), taskDef("c", { dependsOn: [0] })));
    const a = h.orchestrator.spawnedTask("j1.a");
    h.scheduler.started(a, 1, ignoreCapacity);
    h.scheduler.failed(a, "error");

    expect(releasesOf(h, a.id)).toEqual(["failure:released"]);
    expect(eventsOf(h.orchestrator.events, "job_paused")).toEqual([{ type: "job_paused", job: 1, task: a.id }]);
    expect(h.orchestrator.spawnCount("j1.b")).toBe(0);
    expect(h.ledger.heldAmount("global")).toBe(0);
    expect(eventsOf(h.orchestrator.events, "task_finished")).toEqual([]);
    h.runTimers();
    expect(h.orchestrator.spawned).toHaveLength(1);

    expect(h.scheduler.resumeJob(1)).toBe(true);
    expect(eventsOf(h.orchestrator.events, "job_resumed")).toHaveLength(1);
    for (const [worker, payload] of [
      [2, "j1.a"],
      [3, "j1.b"],
      [4, "j1.c"],
    ] as const) {
      const task = h.orchestrator.spawnedTask(payload);
      h.scheduler.started(task, worker, ignoreCapacity);
      h.scheduler.succeeded(task);
    }
    expect(h.orchestrator.spawned.map((task) => task.payload)).toEqual(["j1.a", "j1.a", "j1.b", "j1.c"]);
    expect(a.retries).toBe(1);
    expect(releasesOf(h, a.id)).toEqual(["failure:released", "success:released"]);
    expect(new Set(leasesAcquiredBy(h, a.id)).size).toBe(2);
    expect(jobStatuses(h, 1)).toEqual(["completed"]);
    expectLeasesClosed(h);
  });

  it("ask: cancelJob on a paused job cancels every unfinished task without taking a lease", () => {
    const h = harness({ global: 2 });
    h.scheduler.submit(jobDef(1, taskDef("a", { failure: "ask" }), taskDef("b", { dependsOn: [0] }), taskDef("c")));
    const a = h.orchestrator.spawnedTask("j1.a");
    const c = h.orchestrator.spawnedTask("j1.c");
    h.scheduler.started(a, 1, ignoreCapacity);
    h.scheduler.started(c, 2, ignoreCapacity);
    h.scheduler.failed(a, "error");
    h.scheduler.succeeded(c);
    expect(jobStatuses(h, 1)).toEqual([]);

    expect(h.scheduler.cancelJob(1)).toBe(true);
    expect(h.scheduler.resumeJob(1)).toBe(false);
    expect(taskStatuses(h, 1)).toEqual(["canceled", "canceled", "completed"]);
    expect(jobStatuses(h, 1)).toEqual(["canceled"]);
    expect(h.orchestrator.spawned).toHaveLength(2);
    expect([...expectLeasesClosed(h).values()]).toEqual(["failure", "success"]);
  });

  it("cancel: ready and pending tasks are canceled without a lease; running and spawning ones release with cancel after stopped", () => {
    const h = harness({ global: 2 });
    h.scheduler.submit(jobDef(1, taskDef("a"), taskDef("b"), taskDef("c"), taskDef("d", { dependsOn: [0] })));
    const a = h.orchestrator.spawnedTask("j1.a");
    const b = h.orchestrator.spawnedTask("j1.b");
    h.scheduler.started(a, 1, ignoreCapacity);
    // b is still spawning, c is ready (no room), d is pending.
    expect(h.scheduler.readyCount).toBe(1);

    expect(h.scheduler.cancelJob(1)).toBe(true);
    expect(h.orchestrator.stopRequested.map((task) => task.payload)).toEqual(["j1.a", "j1.b"]);
    expect(h.scheduler.readyCount).toBe(0);
    expect(h.ledger.heldAmount("global")).toBe(2);
    expect(eventsOf(h.orchestrator.events, "lease_released")).toEqual([]);
    const c = taskId(h, 1, "c");
    expect(leasesAcquiredBy(h, c)).toEqual([]);

    h.scheduler.stopped(a);
    expect(h.ledger.heldAmount("global")).toBe(1);
    // A worker still spawning answers stopped instead of started.
    h.scheduler.stopped(b);
    expect(releasesOf(h, a.id)).toEqual(["cancel:released"]);
    expect(releasesOf(h, b.id)).toEqual(["cancel:released"]);
    expect(taskStatuses(h, 1)).toEqual(["canceled", "canceled", "canceled", "canceled"]);
    expect(jobStatuses(h, 1)).toEqual(["canceled"]);
    expect(h.orchestrator.spawned).toHaveLength(2);
    expect(h.scheduler.cancelJob(1)).toBe(false);
    expectLeasesClosed(h);
  });

  it("shutdown cancel: new submits are refused, running work is stopped and released with reason shutdown", () => {
    const h = harness({ global: 2 });
    h.scheduler.submit(jobDef(1, taskDef("a")));
    h.scheduler.submit(jobDef(2, taskDef("a"), taskDef("b", { dependsOn: [0] })));
    const first = h.orchestrator.spawnedTask("j1.a");
    const second = h.orchestrator.spawnedTask("j2.a");
    h.scheduler.started(first, 1, ignoreCapacity);
    h.scheduler.started(second, 2, ignoreCapacity);

    h.scheduler.shutdown("cancel");
    expect(eventsOf(h.orchestrator.events, "shutdown_started")).toEqual([{ type: "shutdown_started", mode: "cancel" }]);
    expect(h.scheduler.submit(jobDef(3, taskDef("a")))).toBe(false);
    expect(eventsOf(h.orchestrator.events, "worker_stop_requested").map((event) => event.reason)).toEqual(["shutdown", "shutdown"]);
    expect(h.ledger.heldAmount("global")).toBe(2);

    h.scheduler.stopped(first);
    h.scheduler.stopped(second);
    expect(releasesOf(h, first.id)).toEqual(["shutdown:released"]);
    expect(releasesOf(h, second.id)).toEqual(["shutdown:released"]);
    expect(jobStatuses(h, 1)).toEqual(["canceled"]);
    expect(jobStatuses(h, 2)).toEqual(["canceled"]);
    expect(taskStatuses(h, 2)).toEqual(["canceled", "canceled"]);
    expect(eventsOf(h.orchestrator.events, "task_ready").some((event) => event.job === 3)).toBe(false);
    expect(h.scheduler.unfinishedJobs).toBe(0);
    expectLeasesClosed(h);
  });

  it("shutdown drain: new submits are refused, submitted work (including downstream tasks) finishes normally", () => {
    const h = harness({ global: 1 });
    h.scheduler.submit(jobDef(1, taskDef("a"), taskDef("b", { dependsOn: [0] })));
    h.scheduler.submit(jobDef(2, taskDef("x")));
    h.scheduler.shutdown("drain");
    expect(h.scheduler.submit(jobDef(3, taskDef("a")))).toBe(false);
    expect(h.orchestrator.stopRequested).toEqual([]);

    for (const [worker, payload] of [
      [1, "j1.a"],
      [2, "j2.x"],
      [3, "j1.b"],
    ] as const) {
      const task = h.orchestrator.spawnedTask(payload);
      h.scheduler.started(task, worker, ignoreCapacity);
      h.scheduler.succeeded(task);
    }
    expect(jobStatuses(h, 1)).toEqual(["completed"]);
    expect(jobStatuses(h, 2)).toEqual(["completed"]);
    expect(h.scheduler.unfinishedJobs).toBe(0);
    expect([...expectLeasesClosed(h).values()]).toEqual(["success", "success", "success"]);
  });

  it("stale: a selection no longer wanted is released with reason stale before any spawn, and admitted again later", () => {
    const h = harness({ global: 1 });
    let asked = 0;
    h.orchestrator.wanted = () => {
      asked += 1;
      return asked > 1;
    };
    h.scheduler.submit(jobDef(1, taskDef("a")));
    const id = taskId(h, 1, "a");
    expect(releasesOf(h, id)).toEqual(["stale:released"]);
    expect(h.orchestrator.spawned).toEqual([]);
    expect(h.ledger.heldAmount("global")).toBe(0);

    h.runTimers();
    expect(eventsOf(h.orchestrator.events, "task_ready").filter((event) => event.task === id)).toHaveLength(2);
    expect(new Set(leasesAcquiredBy(h, id)).size).toBe(2);
    const a = h.orchestrator.spawnedTask("j1.a");
    h.scheduler.started(a, 1, ignoreCapacity);
    h.scheduler.succeeded(a);
    expect(releasesOf(h, id)).toEqual(["stale:released", "success:released"]);
    expect(jobStatuses(h, 1)).toEqual(["completed"]);
    expectLeasesClosed(h);
  });

  it("spawn_failure: released with reason spawn_failure and spawned again; more than maxSpawnFailures is a task failure", () => {
    const h = harness({ global: 1 }, { maxSpawnFailures: 2 });
    h.scheduler.submit(jobDef(1, taskDef("a")));
    const id = taskId(h, 1, "a");
    for (let failures = 1; failures <= 2; failures += 1) {
      h.scheduler.spawnFailed(h.orchestrator.spawnedTask("j1.a"));
      expect(releasesOf(h, id).at(-1)).toBe("spawn_failure:released");
      expect(h.orchestrator.spawnCount("j1.a")).toBe(failures + 1);
      expect(h.ledger.heldAmount("global")).toBe(1);
      expect(taskStatuses(h, 1)).toEqual([]);
    }
    h.scheduler.spawnFailed(h.orchestrator.spawnedTask("j1.a"));
    expect(releasesOf(h, id)).toEqual(["spawn_failure:released", "spawn_failure:released", "spawn_failure:released"]);
    expect(new Set(leasesAcquiredBy(h, id)).size).toBe(3);
    expect(taskStatuses(h, 1)).toEqual(["failed"]);
    expect(jobStatuses(h, 1)).toEqual(["failed"]);
    h.runTimers();
    expect(h.orchestrator.spawnCount("j1.a")).toBe(3);
    expectLeasesClosed(h);
  });

  it("spawn_failure: one failed spawn, then a good one, completes the job", () => {
    const h = harness({ global: 1 });
    h.scheduler.submit(jobDef(1, taskDef("a")));
    h.scheduler.spawnFailed(h.orchestrator.spawnedTask("j1.a"));
    const a = h.orchestrator.spawnedTask("j1.a");
    h.scheduler.started(a, 1, ignoreCapacity);
    h.scheduler.succeeded(a);
    expect(releasesOf(h, a.id)).toEqual(["spawn_failure:released", "success:released"]);
    expect(jobStatuses(h, 1)).toEqual(["completed"]);
    expectLeasesClosed(h);
  });

  it("salvage: released with reason salvage, back in the queue under a new lease, not counted as a failure or a retry", () => {
    const h = harness({ global: 1 });
    h.scheduler.submit(jobDef(1, taskDef("a", { failure: "abort", maxRetries: 0 })));
    for (let worker = 1; worker <= 3; worker += 1) {
      const a = h.orchestrator.spawnedTask("j1.a");
      h.scheduler.started(a, worker, ignoreCapacity);
      h.scheduler.failed(a, "salvage");
      expect(h.orchestrator.spawnCount("j1.a")).toBe(worker + 1);
    }
    const a = h.orchestrator.spawnedTask("j1.a");
    h.scheduler.started(a, 4, ignoreCapacity);
    h.scheduler.succeeded(a);
    expect(a.retries).toBe(0);
    expect(eventsOf(h.orchestrator.events, "task_retry_scheduled")).toEqual([]);
    expect(eventsOf(h.orchestrator.events, "task_ready")).toHaveLength(4);
    expect(releasesOf(h, a.id)).toEqual(["salvage:released", "salvage:released", "salvage:released", "success:released"]);
    expect(new Set(leasesAcquiredBy(h, a.id)).size).toBe(4);
    expect(jobStatuses(h, 1)).toEqual(["completed"]);
    expectLeasesClosed(h);
  });

  it("reaped: a worker silent for reapAfterMs is asked to stop; capacity is released with reason reaped only after stopped", () => {
    const h = harness({ global: 1 }, { reapAfterMs: 500 });
    h.scheduler.submit(jobDef(1, taskDef("a")));
    const a = h.orchestrator.spawnedTask("j1.a");
    h.scheduler.started(a, 1, ignoreCapacity);
    // One sign of life at 300 ms moves the deadline to 800 ms.
    h.engine.schedule(300, () => h.scheduler.progress(a));
    h.runTimers();

    expect(eventsOf(h.orchestrator.events, "worker_stop_requested")).toEqual([{ type: "worker_stop_requested", task: a.id, reason: "reaped" }]);
    expect(h.orchestrator.timesOf("worker_stop_requested")).toEqual([800]);
    expect(h.orchestrator.stopRequested).toEqual([a]);
    expect(h.ledger.heldAmount("global")).toBe(1);
    expect(releasesOf(h, a.id)).toEqual([]);

    h.scheduler.stopped(a);
    expect(releasesOf(h, a.id)).toEqual(["reaped:released"]);
    expect(taskStatuses(h, 1)).toEqual(["failed"]);
    expect(jobStatuses(h, 1)).toEqual(["failed"]);
    expectLeasesClosed(h);
  });

  it("timeout: a worker over timeoutMs is stopped, released with reason timeout, and its failure strategy applies", () => {
    const h = harness({ global: 1 }, { retryBackoffBaseMs: 1000, retryJitter: 0 });
    h.scheduler.submit(jobDef(1, taskDef("a", { timeoutMs: 1000, failure: "retry", maxRetries: 1 })));
    const a = h.orchestrator.spawnedTask("j1.a");
    h.scheduler.started(a, 1, ignoreCapacity);
    h.runTimers();
    expect(eventsOf(h.orchestrator.events, "worker_stop_requested")).toEqual([{ type: "worker_stop_requested", task: a.id, reason: "timeout" }]);
    expect(h.orchestrator.timesOf("worker_stop_requested")).toEqual([1000]);
    expect(h.ledger.heldAmount("global")).toBe(1);

    h.scheduler.stopped(a);
    expect(releasesOf(h, a.id)).toEqual(["timeout:released"]);
    expect(eventsOf(h.orchestrator.events, "task_retry_scheduled").map((event) => event.retry)).toEqual([1]);
    h.runTimers();
    const again = h.orchestrator.spawnedTask("j1.a");
    expect(h.orchestrator.spawnTimesMs).toEqual([0, 2000]);
    h.scheduler.started(again, 2, ignoreCapacity);
    h.scheduler.succeeded(again);
    h.runTimers();
    expect(h.orchestrator.stopRequested).toHaveLength(1);
    expect(releasesOf(h, a.id)).toEqual(["timeout:released", "success:released"]);
    expect(jobStatuses(h, 1)).toEqual(["completed"]);
    expectLeasesClosed(h);
  });

  it("a worker that reports succeeded after a cancel was requested counts as stopped: released once, reason cancel", () => {
    const h = harness({ global: 1 });
    h.scheduler.submit(jobDef(1, taskDef("a"), taskDef("b", { dependsOn: [0] })));
    const a = h.orchestrator.spawnedTask("j1.a");
    h.scheduler.started(a, 1, ignoreCapacity);
    h.scheduler.cancelJob(1);
    h.scheduler.succeeded(a);

    expect(releasesOf(h, a.id)).toEqual(["cancel:released"]);
    expect(taskStatuses(h, 1)).toEqual(["canceled", "canceled"]);
    expect(jobStatuses(h, 1)).toEqual(["canceled"]);
    expect(h.orchestrator.spawnCount("j1.b")).toBe(0);
    // A late `stopped` for the same worker is a protocol error, never a second release.
    expect(() => h.scheduler.stopped(a)).toThrow(AssertionError);
    expect(releasesOf(h, a.id)).toEqual(["cancel:released"]);
    expectLeasesClosed(h);
  });

  it("a worker that reports succeeded or failed after a timeout stop counts as stopped: released once, reason timeout", () => {
    for (const report of ["succeeded", "failed"] as const) {
      const h = harness({ global: 1 });
      h.scheduler.submit(jobDef(1, taskDef("a", { timeoutMs: 100 })));
      const a = h.orchestrator.spawnedTask("j1.a");
      h.scheduler.started(a, 1, ignoreCapacity);
      h.runTimers();
      if (report === "succeeded") h.scheduler.succeeded(a);
      else h.scheduler.failed(a, "salvage");
      expect(releasesOf(h, a.id), report).toEqual(["timeout:released"]);
      expect(taskStatuses(h, 1), report).toEqual(["failed"]);
      expect(h.orchestrator.spawnCount("j1.a"), report).toBe(1);
      expectLeasesClosed(h);
    }
  });
});

// ---- admission designs ----

describe("DagScheduler admission designs", () => {
  const providerTask = (role: string): TaskDefinition<string> => taskDef(role, { resources: { global: 1, "provider:a": 1 } });

  it("lease: takes every resource before spawning, so no worker ever waits for scheduler capacity", () => {
    const h = harness({ global: 3, "provider:a": 1 }, { design: "lease" });
    h.scheduler.submit(jobDef(1, providerTask("a"), providerTask("b"), providerTask("c")));
    expect(h.orchestrator.spawned).toHaveLength(1);
    for (let worker = 1; worker <= 3; worker += 1) {
      const task = h.orchestrator.spawned[worker - 1] as SchedulerTask<string>;
      let capacity = false;
      h.scheduler.started(task, worker, () => {
        capacity = true;
      });
      expect(capacity).toBe(true);
      h.scheduler.succeeded(task);
    }
    expect(eventsOf(h.orchestrator.events, "worker_wait_started")).toEqual([]);
    expect(maxHeldFromEvents(h.orchestrator.events, "provider:a")).toBe(1);
    expect(jobStatuses(h, 1)).toEqual(["completed"]);
    expect(expectLeasesClosed(h).size).toBe(3);
  });

  it("spawn_then_wait: workers spawned on the global cap wait inside for the provider; both leases of a task are released once", () => {
    const h = harness({ global: 3, "provider:a": 1 }, { design: "spawn_then_wait" });
    h.scheduler.submit(jobDef(1, providerTask("a"), providerTask("b"), providerTask("c")));
    expect(h.orchestrator.spawned).toHaveLength(3);
    expect(h.ledger.heldAmount("global")).toBe(3);
    expect(h.ledger.heldAmount("provider:a")).toBe(0);

    const capacity = [false, false, false];
    h.orchestrator.spawned.forEach((task, index) => {
      h.scheduler.started(task, index + 1, () => {
        capacity[index] = true;
      });
    });
    expect(capacity).toEqual([true, false, false]);
    expect(eventsOf(h.orchestrator.events, "worker_wait_started").map((event) => [event.worker, event.resource])).toEqual([
      [2, "provider:a=1"],
      [3, "provider:a=1"],
    ]);
    expect(h.ledger.heldAmount("provider:a")).toBe(1);

    const [a, b, c] = h.orchestrator.spawned as [SchedulerTask<string>, SchedulerTask<string>, SchedulerTask<string>];
    h.scheduler.succeeded(a);
    expect(capacity).toEqual([true, true, false]);
    const waitEndedIndex = h.orchestrator.events.findIndex((event) => event.type === "worker_wait_ended" && event.task === b.id);
    const lastReleaseOfA = h.orchestrator.events.findLastIndex((event) => event.type === "lease_released" && event.task === a.id);
    expect(waitEndedIndex).toBeGreaterThan(lastReleaseOfA);
    h.scheduler.succeeded(b);
    expect(capacity).toEqual([true, true, true]);
    h.scheduler.succeeded(c);

    expect(eventsOf(h.orchestrator.events, "worker_wait_ended").map((event) => event.worker)).toEqual([2, 3]);
    expect(maxHeldFromEvents(h.orchestrator.events, "provider:a")).toBe(1);
    for (const task of [a, b, c]) {
      expect(leasesAcquiredBy(h, task.id)).toHaveLength(2);
      expect(releasesOf(h, task.id)).toEqual(["success:released", "success:released"]);
    }
    expect(jobStatuses(h, 1)).toEqual(["completed"]);
    expect(expectLeasesClosed(h).size).toBe(6);
  });

  it("spawn_then_wait: a waiter that fails inside its capacity callback does not see the task that freed it as still running", () => {
    // Found by the swarm (a hard token budget and a provider cap of 1): a success released capacity, the waiter's
    // callback failed its task at once, the abort wound the job down, and the task that had just succeeded was
    // still "running" and asked to stop, a worker that no longer existed.
    const h = harness({ global: 2, "provider:a": 1 }, { design: "spawn_then_wait" });
    h.scheduler.submit(jobDef(1, providerTask("a"), providerTask("b")));
    const [a, b] = h.orchestrator.spawned as [SchedulerTask<string>, SchedulerTask<string>];
    h.scheduler.started(a, 1, ignoreCapacity);
    h.scheduler.started(b, 2, () => h.scheduler.failed(b, "error"));
    h.scheduler.succeeded(a);
    expect(h.orchestrator.stopRequested).toEqual([]);
    expect(releasesOf(h, a.id)).toEqual(["success:released", "success:released"]);
    expect(releasesOf(h, b.id)).toEqual(["failure:released", "failure:released"]);
    expect(eventsOf(h.orchestrator.events, "task_finished").map((event) => event.status)).toEqual(["completed", "failed"]);
    expect(jobStatuses(h, 1)).toEqual(["failed"]);
    expectLeasesClosed(h);
  });

  it("spawn_then_wait: a waiting worker that is canceled ends its wait and releases its outer lease with reason cancel", () => {
    const h = harness({ global: 2, "provider:a": 1 }, { design: "spawn_then_wait" });
    h.scheduler.submit(jobDef(1, providerTask("a")));
    h.scheduler.submit(jobDef(2, providerTask("a")));
    const holder = h.orchestrator.spawnedTask("j1.a");
    const waiter = h.orchestrator.spawnedTask("j2.a");
    h.scheduler.started(holder, 1, ignoreCapacity);
    let waiterCapacity = false;
    h.scheduler.started(waiter, 2, () => {
      waiterCapacity = true;
    });
    h.scheduler.cancelJob(2);
    expect(h.ledger.heldAmount("global")).toBe(2);
    h.scheduler.stopped(waiter);
    expect(eventsOf(h.orchestrator.events, "worker_wait_ended").map((event) => event.task)).toEqual([waiter.id]);
    expect(releasesOf(h, waiter.id)).toEqual(["cancel:released"]);
    h.scheduler.succeeded(holder);
    expect(waiterCapacity).toBe(false);
    expect(jobStatuses(h, 2)).toEqual(["canceled"]);
    expectLeasesClosed(h);
  });

  it("reject_backoff: tasks over the cap are refused and stay ready; a running task means no backoff", () => {
    const h = harness({ global: 1 }, { design: "reject_backoff" });
    h.scheduler.submit(jobDef(1, taskDef("a"), taskDef("b"), taskDef("c")));
    expect(h.orchestrator.spawned.map((task) => task.payload)).toEqual(["j1.a"]);
    expect(eventsOf(h.orchestrator.events, "spawn_refused").map((event) => [event.task, event.resource])).toEqual([
      [taskId(h, 1, "b"), "global"],
      [taskId(h, 1, "c"), "global"],
    ]);
    expect(h.scheduler.readyCount).toBe(2);
    expect(eventsOf(h.orchestrator.events, "backoff_started")).toEqual([]);

    for (let worker = 1; worker <= 3; worker += 1) {
      const task = h.orchestrator.spawned[worker - 1] as SchedulerTask<string>;
      h.scheduler.started(task, worker, ignoreCapacity);
      h.scheduler.succeeded(task);
    }
    expect(h.orchestrator.spawned.map((task) => task.payload)).toEqual(["j1.a", "j1.b", "j1.c"]);
    expect(eventsOf(h.orchestrator.events, "worker_wait_started")).toEqual([]);
    expect(jobStatuses(h, 1)).toEqual(["completed"]);
    expectLeasesClosed(h);
  });

  it("reject_backoff: wholly refused batches with nothing running back off min(base × 2^n, max), reset after an admission", () => {
    const h = harness({ global: 1 }, { design: "reject_backoff", rejectBackoffBaseMs: 100, rejectBackoffMaxMs: 5000 });
    // Capacity held outside the scheduler: refused although nothing of the scheduler's runs.
    const outside = h.ledger.tryAcquire(h.ledger.demand({ global: 1 }), 999) as Lease;
    h.engine.schedule(10_000, () => h.ledger.release(outside, "success"));
    h.scheduler.submit(jobDef(1, taskDef("a")));
    h.runTimers();

    const backoffs = eventsOf(h.orchestrator.events, "backoff_started");
    expect(backoffs.map((event) => event.delay_ms)).toEqual([200, 400, 800, 1600, 3200, 5000]);
    expect(backoffs.map((event) => event.refused_batches)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(h.orchestrator.timesOf("backoff_started")).toEqual([0, 200, 600, 1400, 3000, 6200]);
    expect(eventsOf(h.orchestrator.events, "backoff_ended")).toHaveLength(6);
    expect(eventsOf(h.orchestrator.events, "spawn_refused")).toHaveLength(6);
    expect(h.orchestrator.spawnTimesMs).toEqual([11_200]);
    const a = h.orchestrator.spawnedTask("j1.a");
    h.scheduler.started(a, 1, ignoreCapacity);
    h.scheduler.succeeded(a);

    // The admission reset the counter: the next wholly refused batch starts again at base × 2.
    const again = h.ledger.tryAcquire(h.ledger.demand({ global: 1 }), 998) as Lease;
    h.scheduler.submit(jobDef(2, taskDef("a")));
    expect(eventsOf(h.orchestrator.events, "backoff_started").at(-1)).toEqual({ type: "backoff_started", delay_ms: 200, refused_batches: 1 });
    h.ledger.release(again, "success");
    h.runTimers();
    const b = h.orchestrator.spawnedTask("j2.a");
    h.scheduler.started(b, 2, ignoreCapacity);
    h.scheduler.succeeded(b);
    expect(jobStatuses(h, 1)).toEqual(["completed"]);
    expect(jobStatuses(h, 2)).toEqual(["completed"]);
    expectLeasesClosed(h);
  });

  it("reject_backoff: the exponent stops growing at 10 and the delay at the max", () => {
    const h = harness({ global: 1 }, { design: "reject_backoff", rejectBackoffBaseMs: 1, rejectBackoffMaxMs: 1_000_000 });
    const outside = h.ledger.tryAcquire(h.ledger.demand({ global: 1 }), 999) as Lease;
    h.engine.schedule(5000, () => h.ledger.release(outside, "success"));
    h.scheduler.submit(jobDef(1, taskDef("a")));
    h.runTimers();
    const backoffs = eventsOf(h.orchestrator.events, "backoff_started");
    expect(backoffs.map((event) => event.delay_ms)).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1024, 1024, 1024]);
    for (const event of backoffs) expect(event.delay_ms).toBe(Math.min(1 * 2 ** Math.min(event.refused_batches, 10), 1_000_000));

    const capped = harness({ global: 1 }, { design: "reject_backoff", rejectBackoffBaseMs: 300, rejectBackoffMaxMs: 1000 });
    const held = capped.ledger.tryAcquire(capped.ledger.demand({ global: 1 }), 999) as Lease;
    capped.engine.schedule(4000, () => capped.ledger.release(held, "success"));
    capped.scheduler.submit(jobDef(1, taskDef("a")));
    capped.runTimers();
    expect(eventsOf(capped.orchestrator.events, "backoff_started").map((event) => event.delay_ms)).toEqual([600, 1000, 1000, 1000, 1000]);
  });
});

// ---- liveness and races ----

describe("DagScheduler deadlock and races", () => {
  it("deadlock: a demand over a limit with nothing running fails the job with deadlock_detected instead of hanging", () => {
    const h = harness({ gpu: 1 });
    h.scheduler.submit(jobDef(1, taskDef("a", { resources: { gpu: 2 } })));
    const id = taskId(h, 1, "a");
    expect(eventsOf(h.orchestrator.events, "deadlock_detected").map((event) => [event.jobs, event.tasks])).toEqual([[[1], [id]]]);
    // The task that can never fit is the cause: it fails.
    expect(taskStatuses(h, 1)).toEqual(["failed"]);
    expect(jobStatuses(h, 1)).toEqual(["failed"]);
    expect(h.orchestrator.spawned).toEqual([]);
    h.runTimers();
    expect(h.engine.pending).toBe(0);
    expect(h.scheduler.unfinishedJobs).toBe(0);
    expectLeasesClosed(h);
  });

  it("deadlock: a task that can never fit is caught as soon as it is ready; its running sibling is stopped", () => {
    const h = harness({ global: 2, gpu: 1 });
    // b becomes ready when a completes; c is still running then.
    h.scheduler.submit(
      jobDef(1, taskDef("a"), taskDef("c"), taskDef("b", { resources: { gpu: 2 }, dependsOn: [0] })),
    );
    const a = h.orchestrator.spawnedTask("j1.a");
    const c = h.orchestrator.spawnedTask("j1.c");
    h.scheduler.started(a, 1, ignoreCapacity);
    h.scheduler.started(c, 2, ignoreCapacity);
    h.scheduler.succeeded(a);
    expect(eventsOf(h.orchestrator.events, "deadlock_detected")).toHaveLength(1);
    expect(h.orchestrator.stopRequested.map((task) => task.payload)).toEqual(["j1.c"]);
    expect(releasesOf(h, c.id)).toEqual([]);
    h.scheduler.stopped(c);
    expect(releasesOf(h, c.id)).toHaveLength(1);
    expect(taskStatuses(h, 1)).toEqual(["completed", "canceled", "failed"]);
    expect(jobStatuses(h, 1)).toEqual(["failed"]);
    expectLeasesClosed(h);
  });

  it("deadlock under reject_backoff: a demand that can never fit ends in deadlock_detected, not endless backoff", () => {
    const h = harness({ gpu: 1 }, { design: "reject_backoff" }, 1000);
    h.scheduler.submit(jobDef(1, taskDef("a", { resources: { gpu: 2 } })));
    // Backing off cannot make gpu 2 fit under a limit of 1: the run must end on its own.
    expect(() => h.runTimers()).not.toThrow();
    expect(eventsOf(h.orchestrator.events, "deadlock_detected")).toHaveLength(1);
    expect(jobStatuses(h, 1)).toEqual(["failed"]);
    expectLeasesClosed(h);
  });

  it("deadlock under spawn_then_wait: a task whose provider demand can never fit is never spawned", () => {
    const h = harness({ global: 1, "provider:a": 1 }, { design: "spawn_then_wait" });
    h.scheduler.submit(jobDef(1, taskDef("a", { resources: { global: 1, "provider:a": 2 } })));
    expect(eventsOf(h.orchestrator.events, "deadlock_detected")).toHaveLength(1);
    expect(h.orchestrator.spawned).toEqual([]);
    expect(jobStatuses(h, 1)).toEqual(["failed"]);
    expectLeasesClosed(h);
  });

  it("deadlock under spawn_then_wait: a stuck waiting worker is stopped before its capacity is released", () => {
    const h = harness({ global: 1, "provider:a": 1 }, { design: "spawn_then_wait" });
    // The provider slot is held outside the scheduler and nothing the scheduler runs will free it.
    const outside = h.ledger.tryAcquire(h.ledger.demand({ "provider:a": 1 }), 999);
    h.scheduler.submit(jobDef(1, taskDef("a", { resources: { global: 1, "provider:a": 1 } })));
    const a = h.orchestrator.spawnedTask("j1.a");
    h.scheduler.started(a, 1, ignoreCapacity);
    expect(eventsOf(h.orchestrator.events, "deadlock_detected")).toHaveLength(1);
    // The worker is alive (waiting inside); releasing its lease now would let another worker in next to it.
    expect(h.orchestrator.stopRequested.map((task) => task.payload)).toEqual(["j1.a"]);
    expect(releasesOf(h, a.id)).toEqual([]);
    expect(h.ledger.heldAmount("global")).toBe(1);
    h.scheduler.stopped(a);
    expect(releasesOf(h, a.id)).toHaveLength(1);
    expect(taskStatuses(h, 1)).toEqual(["failed"]);
    expect(jobStatuses(h, 1)).toEqual(["failed"]);
    if (outside !== undefined) h.ledger.release(outside, "success");
    expectLeasesClosed(h);
  });

  it("no check-then-act: two interleaved submits at a cap of 1 never both get a lease, in every design", () => {
    for (const design of ADMISSION_DESIGNS) {
      for (const moment of ["before admission", "between admission and spawn"] as const) {
        const h = harness({ global: 1 }, { design });
        let interleaved = false;
        const interleave = (): void => {
          if (interleaved) return;
          interleaved = true;
          expect(h.scheduler.submit(jobDef(2, taskDef("x")))).toBe(true);
        };
        if (moment === "between admission and spawn") {
          h.orchestrator.wanted = () => {
            interleave();
            return true;
          };
        } else {
          const record = h.orchestrator.record.bind(h.orchestrator);
          h.orchestrator.record = (event) => {
            record(event);
            if (event.type === "task_ready" && event.job === 1) interleave();
          };
        }
        h.scheduler.submit(jobDef(1, taskDef("x")));
        const label = `${design}, ${moment}`;
        expect(eventsOf(h.orchestrator.events, "lease_acquired"), label).toHaveLength(1);
        expect(h.orchestrator.spawned, label).toHaveLength(1);
        expect(h.ledger.heldAmount("global"), label).toBe(1);

        const first = h.orchestrator.spawned[0] as SchedulerTask<string>;
        h.scheduler.started(first, 1, ignoreCapacity);
        h.scheduler.succeeded(first);
        h.runTimers();
        const second = h.orchestrator.spawned[1] as SchedulerTask<string>;
        expect(second.jobId, label).not.toBe(first.jobId);
        h.scheduler.started(second, 2, ignoreCapacity);
        h.scheduler.succeeded(second);
        expect(maxHeldFromEvents(h.orchestrator.events, "global"), label).toBe(1);
        expect(h.scheduler.unfinishedJobs, label).toBe(0);
        expectLeasesClosed(h);
      }
    }
  });

  it("a submit made from inside spawn (mid-dispatch) never admits or spawns a task twice, in every design", () => {
    for (const design of ADMISSION_DESIGNS) {
      const h = harness({ global: 4 }, { design });
      let interleaved = false;
      h.orchestrator.duringSpawn = () => {
        if (interleaved) return;
        interleaved = true;
        h.scheduler.submit(jobDef(2, taskDef("c")));
      };
      h.scheduler.submit(jobDef(1, taskDef("a"), taskDef("b")));
      const payloads = h.orchestrator.spawned.map((task) => task.payload);
      expect(payloads, design).toHaveLength(3);
      expect(new Set(payloads).size, design).toBe(3);
      expect(eventsOf(h.orchestrator.events, "lease_acquired"), design).toHaveLength(3);
      expect(h.ledger.heldAmount("global"), design).toBe(3);
      for (const [index, task] of [...h.orchestrator.spawned].entries()) {
        h.scheduler.started(task, index + 1, ignoreCapacity);
        h.scheduler.succeeded(task);
      }
      expectLeasesClosed(h);
    }
  });
});

// ---- the property: random DAG jobs, random worker behaviour, random cancels ----

type WorkerOutcome = "success" | "error" | "salvage" | "spawn_failure" | "stall";

interface WorkerScript {
  readonly outcome: WorkerOutcome;
  readonly spawnMs: number;
  readonly workMs: number;
  readonly stopMs: number;
  /** Reports its own outcome even after a stop was requested (the race the scheduler must absorb). */
  readonly reportsAfterStop: boolean;
}

interface PlannedTask {
  readonly resources: ResourceVector;
  readonly dependsOn: readonly number[];
  readonly failure: FailureStrategy;
  readonly maxRetries: number;
  readonly timeoutMs: number | undefined;
}

interface PlannedJob {
  readonly arrivalMs: number;
  readonly tasks: readonly PlannedTask[];
}

interface Plan {
  readonly design: AdmissionDesign;
  readonly limits: Readonly<Record<string, number>>;
  readonly reapAfterMs: number | undefined;
  readonly jobs: readonly PlannedJob[];
  readonly workers: readonly WorkerScript[];
  /** stillWanted answers, taken in turn (each task is found stale at most twice). */
  readonly wanted: readonly boolean[];
  readonly cancels: readonly { readonly job: number; readonly atMs: number }[];
  readonly askAnswers: readonly { readonly resume: boolean; readonly afterMs: number }[];
  readonly shutdown: { readonly mode: "cancel" | "drain"; readonly atMs: number } | undefined;
  /**
   * reject_backoff only: one global slot held by someone other than the scheduler for a while, so that a
   * batch can be wholly refused with nothing running (the other designs call that a deadlock, by design).
   */
  readonly outsideHold: { readonly atMs: number; readonly forMs: number } | undefined;
  /** The queue's answers when asked whether a task finishing its work should yield first, taken in turn. */
  readonly yieldAnswers: readonly boolean[];
}

/** Shared vectors, so the ledger resolves each once. */
const RESOURCE_CHOICES: readonly ResourceVector[] = [
  { global: 1 },
  { global: 1, "provider:a": 1 },
  { global: 1, "provider:b": 1 },
  { "provider:a": 1 },
  { global: 1, "provider:a": 1, "provider:b": 1 },
];

/** A task on its fourth attempt runs cleanly, so that every plan ends. */
const ATTEMPTS_BEFORE_CLEAN_RUN = 3;
const CLEAN_RUN: WorkerScript = { outcome: "success", spawnMs: 0, workMs: 0, stopMs: 0, reportsAfterStop: false };

const plannedTaskArbitrary = (index: number): fc.Arbitrary<PlannedTask> =>
  fc.record({
    resources: fc.constantFrom(...RESOURCE_CHOICES),
    // Normalised to distinct earlier indexes: chains, fan-outs and fan-ins.
    dependsOn: fc.array(fc.nat(), { maxLength: 2 }).map((raw) => (index === 0 ? [] : [...new Set(raw.map((value) => value % index))])),
    failure: fc.constantFrom<FailureStrategy>("abort", "skip", "retry", "ask"),
    maxRetries: fc.integer({ min: 0, max: 2 }),
    timeoutMs: fc.option(fc.integer({ min: 20, max: 200 }), { nil: undefined }),
  });

const plannedJobArbitrary: fc.Arbitrary<PlannedJob> = fc.record({
  arrivalMs: fc.integer({ min: 0, max: 200 }),
  tasks: fc.integer({ min: 1, max: 5 }).chain((count) => fc.tuple(...Array.from({ length: count }, (_, index) => plannedTaskArbitrary(index)))),
});

/** Built inside each test, not while the file loads: a broken ADMISSION_DESIGNS then fails a test instead of the file (Stryker). */
function planArbitrary(): fc.Arbitrary<Plan> {
  return fc.record({
    design: fc.constantFrom(...ADMISSION_DESIGNS),
    limits: fc.record({
      global: fc.integer({ min: 1, max: 4 }),
      "provider:a": fc.integer({ min: 1, max: 3 }),
      "provider:b": fc.integer({ min: 1, max: 3 }),
    }),
    reapAfterMs: fc.option(fc.constantFrom(80, 150), { nil: undefined }),
    jobs: fc.array(plannedJobArbitrary, { minLength: 1, maxLength: 5 }),
    workers: fc.array(
      fc.record({
        outcome: fc.constantFrom<WorkerOutcome>("success", "success", "error", "salvage", "spawn_failure", "stall"),
        spawnMs: fc.integer({ min: 0, max: 30 }),
        workMs: fc.integer({ min: 0, max: 120 }),
        stopMs: fc.integer({ min: 0, max: 30 }),
        reportsAfterStop: fc.boolean(),
      }),
      { minLength: 1, maxLength: 12 },
    ),
    wanted: fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
    cancels: fc.array(fc.record({ job: fc.nat({ max: 4 }), atMs: fc.integer({ min: 0, max: 400 }) }), { maxLength: 3 }),
    askAnswers: fc.array(fc.record({ resume: fc.boolean(), afterMs: fc.integer({ min: 0, max: 100 }) }), { minLength: 1, maxLength: 4 }),
    shutdown: fc.option(fc.record({ mode: fc.constantFrom<"cancel" | "drain">("cancel", "drain"), atMs: fc.integer({ min: 0, max: 400 }) }), {
      nil: undefined,
    }),
    outsideHold: fc.option(fc.record({ atMs: fc.integer({ min: 0, max: 300 }), forMs: fc.integer({ min: 1, max: 600 }) }), { nil: undefined }),
    yieldAnswers: fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
  });
}

/** Yields at most this often per task, so that every plan ends. */
const YIELDS_PER_TASK = 2;

/** FIFO whose `shouldYield` answers from the plan: preemption at safe points, driven by the property. */
class ScriptedYieldQueue<T extends Queueable> extends FifoQueue<T> {
  private next = 0;
  private readonly yields = new Map<number, number>();
  constructor(private readonly answers: readonly boolean[]) {
    super();
  }
  shouldYield(task: T): boolean {
    const answer = this.answers[this.next % this.answers.length] as boolean;
    this.next += 1;
    const count = this.yields.get(task.id) ?? 0;
    if (!answer || count >= YIELDS_PER_TASK) return false;
    this.yields.set(task.id, count + 1);
    return true;
  }
}

interface Worker {
  readonly id: number;
  readonly task: SchedulerTask<string>;
  readonly script: WorkerScript;
  phase: "spawning" | "running" | "done";
  stopRequested: boolean;
}

/** Planted bug: says "released" but keeps the capacity. */
class LeakyLedger extends LeaseLedger {
  private readonly claimed = new Set<number>();
  override release(lease: Lease, _reason: ReleaseReason): ReleaseResult {
    if (this.claimed.has(lease.id)) return "duplicate";
    this.claimed.add(lease.id);
    return "released";
  }
}

type Variant = "correct" | "leaky_ledger" | "double_success" | "yield_loses_task";

/** Planted bug: a yield gives the lease back but never queues the task again. */
class ForgetfulYieldScheduler<P> extends DagScheduler<P> {
  override yielded(task: SchedulerTask<P>): void {
    this.releaseAll(task as TaskRecord<P>, "yield");
  }
}

const OUTSIDE_DEMAND: ResourceVector = { global: 1 };

/**
 * The orchestrator of the property: workers follow the plan's scripts on virtual time, answers never re-enter
 * the scheduler (everything goes through the engine), and every event is checked against the lease contract
 * the moment it is recorded.
 */
class ScriptedWorld implements Orchestrator<string> {
  readonly problems: string[] = [];
  readonly events: SchedulerEvent[] = [];
  private readonly resources: string[];
  private readonly held = new Map<string, number>();
  private readonly openLeases = new Map<number, ResourceVector>();
  private readonly closedLeases = new Set<number>();
  /** lease id → task id, for the lease-before-spawn check. */
  private readonly leaseTask = new Map<number, number>();
  /** For the ordering checks: task id → index in its job, "job.index" of completed tasks, finished and paused ones. */
  private readonly taskIndex = new Map<number, number>();
  private readonly completed = new Set<string>();
  private readonly finishedTasks = new Set<number>();
  private readonly finishedJobs = new Set<number>();
  private readonly pausedJobs = new Set<number>();
  /** job id → its planned definition, filled in as jobs are submitted. */
  readonly jobs = new Map<number, PlannedJob>();
  private readonly workers = new Map<number, Worker>();
  private readonly attempts = new Map<number, number>();
  private readonly staleCount = new Map<number, number>();
  private nextWorker = 1;
  private nextScript = 0;
  private nextWanted = 0;
  private nextAnswer = 0;
  scheduler: DagScheduler<string> | undefined;

  constructor(
    private readonly plan: Plan,
    private readonly engine: Engine,
    private readonly ledger: LeaseLedger,
    private readonly variant: Variant,
  ) {
    this.resources = Object.keys(plan.limits);
  }

  private get dag(): DagScheduler<string> {
    if (this.scheduler === undefined) throw new Error("the world has no scheduler yet");
    return this.scheduler;
  }

  spawn(task: SchedulerTask<string>): void {
    this.checkSpawnOrder(task);
    if (![...this.openLeases.keys()].some((lease) => this.leaseTask.get(lease) === task.id)) this.problems.push(`task ${task.id} spawned without a lease`);
    const previous = this.workers.get(task.id);
    if (previous !== undefined && previous.phase !== "done") this.problems.push(`task ${task.id} spawned while worker ${previous.id} is alive`);
    const attempt = (this.attempts.get(task.id) ?? 0) + 1;
    this.attempts.set(task.id, attempt);
    let script = attempt > ATTEMPTS_BEFORE_CLEAN_RUN ? CLEAN_RUN : (this.plan.workers[this.nextScript % this.plan.workers.length] as WorkerScript);
    this.nextScript += 1;
    // Without a reaper a stalled worker might never end (a timeout is per task and optional): it works instead.
    if (script.outcome === "stall" && this.plan.reapAfterMs === undefined) script = { ...script, outcome: "success" };
    const worker: Worker = { id: this.nextWorker, task, script, phase: "spawning", stopRequested: false };
    this.nextWorker += 1;
    this.workers.set(task.id, worker);
    this.engine.schedule(script.spawnMs, () => this.finishSpawn(worker));
  }

  /** A task spawns only once its dependencies completed, never after it or its job finished, never while its job is paused. */
  private checkSpawnOrder(task: SchedulerTask<string>): void {
    const dependencies = this.jobs.get(task.jobId)?.tasks[task.index]?.dependsOn ?? [];
    for (const dependency of dependencies) {
      if (!this.completed.has(`${task.jobId}.${dependency}`)) this.problems.push(`task ${task.id} spawned before its dependency ${dependency} completed`);
    }
    if (this.finishedTasks.has(task.id)) this.problems.push(`task ${task.id} spawned after it finished`);
    if (this.finishedJobs.has(task.jobId)) this.problems.push(`task ${task.id} spawned after job ${task.jobId} finished`);
    if (this.pausedJobs.has(task.jobId)) this.problems.push(`task ${task.id} spawned while job ${task.jobId} is paused`);
  }

  stop(task: SchedulerTask<string>): void {
    const worker = this.workers.get(task.id);
    if (worker === undefined || worker.phase === "done") {
      this.problems.push(`stop of task ${task.id}, which has no live worker`);
      return;
    }
    worker.stopRequested = true;
    if (worker.phase === "spawning") return;
    this.engine.schedule(worker.script.stopMs, () => {
      if (worker.phase === "done") return;
      worker.phase = "done";
      this.dag.stopped(task);
    });
  }

  stillWanted(task: SchedulerTask<string>): boolean {
    const answer = this.plan.wanted[this.nextWanted % this.plan.wanted.length] as boolean;
    this.nextWanted += 1;
    const stale = this.staleCount.get(task.id) ?? 0;
    if (answer || stale >= 2) return true;
    this.staleCount.set(task.id, stale + 1);
    return false;
  }

  record(event: SchedulerEvent): void {
    this.events.push(event);
    switch (event.type) {
      case "lease_acquired":
        this.onAcquired(event);
        break;
      case "lease_released":
        this.onReleased(event);
        break;
      case "worker_wait_started":
        if (this.plan.design !== "spawn_then_wait") this.problems.push(`worker_wait_started under ${this.plan.design}`);
        break;
      case "task_ready":
        this.taskIndex.set(event.task, Number(event.role.slice(1)));
        break;
      case "task_finished":
        this.finishedTasks.add(event.task);
        if (event.status === "completed") this.completed.add(`${event.job}.${this.taskIndex.get(event.task)}`);
        break;
      case "job_finished":
        this.finishedJobs.add(event.job);
        this.pausedJobs.delete(event.job);
        break;
      case "job_resumed":
        this.pausedJobs.delete(event.job);
        break;
      case "job_paused": {
        this.pausedJobs.add(event.job);
        const answer = this.plan.askAnswers[this.nextAnswer % this.plan.askAnswers.length] as Plan["askAnswers"][number];
        this.nextAnswer += 1;
        this.engine.schedule(answer.afterMs, () => (answer.resume ? this.dag.resumeJob(event.job) : this.dag.cancelJob(event.job)));
        break;
      }
      default:
        break;
    }
    // The ledger may run one event ahead (worker_wait_ended is recorded just before the lease_acquired of
    // the capacity it got), so it must agree with the log at lease events and respect limits at all of them.
    const leaseEvent = event.type === "lease_acquired" || event.type === "lease_released";
    for (const resource of this.resources) {
      const recomputed = this.held.get(resource) ?? 0;
      const limit = this.plan.limits[resource] as number;
      if (recomputed > limit) this.problems.push(`${resource} held ${recomputed} > limit ${limit} after ${event.type}`);
      if (this.ledger.heldAmount(resource) > limit) this.problems.push(`ledger holds ${resource} ${this.ledger.heldAmount(resource)} > limit ${limit}`);
      if (leaseEvent && this.ledger.heldAmount(resource) !== recomputed) {
        this.problems.push(`${resource}: ledger holds ${this.ledger.heldAmount(resource)}, events say ${recomputed} after ${event.type}`);
      }
    }
  }

  /** Takes one global slot outside the scheduler, if free, and gives it back `forMs` later. */
  holdOutside(forMs: number): void {
    const lease = this.ledger.tryAcquire(this.ledger.demand(OUTSIDE_DEMAND), 0);
    if (lease === undefined) return;
    this.held.set("global", (this.held.get("global") ?? 0) + 1);
    this.engine.schedule(forMs, () => {
      this.ledger.release(lease, "success");
      this.held.set("global", (this.held.get("global") ?? 0) - 1);
    });
  }

  private onAcquired(event: EventOf<"lease_acquired">): void {
    if (this.openLeases.has(event.lease) || this.closedLeases.has(event.lease)) this.problems.push(`lease ${event.lease} acquired twice`);
    this.openLeases.set(event.lease, event.resources);
    this.leaseTask.set(event.lease, event.task);
    for (const [resource, amount] of Object.entries(event.resources)) this.held.set(resource, (this.held.get(resource) ?? 0) + amount);
  }

  private onReleased(event: EventOf<"lease_released">): void {
    if (event.result !== "released") this.problems.push(`lease ${event.lease} released with result ${event.result}`);
    const resources = this.openLeases.get(event.lease);
    if (resources === undefined) {
      this.problems.push(`lease ${event.lease} released ${this.closedLeases.has(event.lease) ? "twice" : "but never acquired"}`);
      return;
    }
    const worker = this.workers.get(event.task);
    if (worker !== undefined && worker.phase !== "done") this.problems.push(`lease ${event.lease} released while worker ${worker.id} is alive (${event.reason})`);
    this.openLeases.delete(event.lease);
    this.closedLeases.add(event.lease);
    for (const [resource, amount] of Object.entries(resources)) this.held.set(resource, (this.held.get(resource) ?? 0) - amount);
  }

  private finishSpawn(worker: Worker): void {
    const task = worker.task;
    if (worker.stopRequested) {
      worker.phase = "done";
      this.dag.stopped(task);
    } else if (worker.script.outcome === "spawn_failure") {
      worker.phase = "done";
      this.dag.spawnFailed(task);
    } else {
      worker.phase = "running";
      this.dag.started(task, worker.id, () => this.onCapacity(worker));
    }
  }

  private onCapacity(worker: Worker): void {
    if (worker.phase === "done") this.problems.push(`capacity handed to finished worker ${worker.id}`);
    if (worker.phase !== "running" || worker.script.outcome === "stall") return;
    this.dag.progress(worker.task);
    this.engine.schedule(worker.script.workMs, () => this.finishWork(worker));
  }

  private finishWork(worker: Worker): void {
    if (worker.phase === "done") return;
    if (worker.stopRequested && !worker.script.reportsAfterStop) return;
    worker.phase = "done";
    const task = worker.task;
    switch (worker.script.outcome) {
      case "success":
        // Between two requests: the queue may ask it to give its lease back; its worker has stopped by then.
        if (this.dag.shouldYield(task)) {
          this.dag.yielded(task);
          break;
        }
        this.dag.succeeded(task);
        if (this.variant === "double_success") this.dag.succeeded(task);
        break;
      case "error":
        this.dag.failed(task, "error");
        break;
      case "salvage":
        this.dag.failed(task, "salvage");
        break;
      case "spawn_failure":
      case "stall":
        break;
    }
  }

  /** Checks after the run: nothing held, every lease released once, every job and task finished exactly once. */
  finalProblems(accepted: ReadonlyMap<number, PlannedJob>, refused: readonly number[]): string[] {
    const problems = [...this.problems];
    for (const lease of this.openLeases.keys()) problems.push(`lease ${lease} never released`);
    for (const resource of this.resources) {
      if (this.ledger.heldAmount(resource) !== 0) problems.push(`${resource} still held ${this.ledger.heldAmount(resource)} at the end`);
    }
    if (this.ledger.activeLeaseCount !== 0) problems.push(`${this.ledger.activeLeaseCount} leases still active`);
    if (this.dag.unfinishedJobs !== 0) problems.push(`${this.dag.unfinishedJobs} jobs unfinished`);
    for (const worker of this.workers.values()) if (worker.phase !== "done") problems.push(`worker ${worker.id} never ended`);
    for (const [job, planned] of accepted) problems.push(...this.jobProblems(job, planned));
    for (const job of refused) if (this.events.some((event) => "job" in event && event.job === job)) problems.push(`refused job ${job} has events`);
    return problems;
  }

  private jobProblems(job: number, planned: PlannedJob): string[] {
    const problems: string[] = [];
    const finished = eventsOf(this.events, "job_finished").filter((event) => event.job === job);
    const tasks = eventsOf(this.events, "task_finished").filter((event) => event.job === job);
    if (finished.length !== 1) problems.push(`job ${job} finished ${finished.length} times`);
    if (tasks.length !== planned.tasks.length || new Set(tasks.map((event) => event.task)).size !== planned.tasks.length) {
      problems.push(`job ${job}: ${tasks.length} task_finished events for ${planned.tasks.length} tasks`);
    }
    const jobEnd = this.events.findIndex((event) => event.type === "job_finished" && event.job === job);
    const lastTaskEnd = this.events.findLastIndex((event) => event.type === "task_finished" && event.job === job);
    if (lastTaskEnd > jobEnd) problems.push(`job ${job}: a task finished after its job`);
    const statuses = tasks.map((event) => event.status);
    const status = finished[0]?.status;
    if (status === "completed" && statuses.some((task) => task !== "completed" && task !== "skipped")) problems.push(`job ${job} completed with ${statuses}`);
    if (status === "canceled" && statuses.includes("failed")) problems.push(`job ${job} canceled with a failed task`);
    if (status === "failed" && !statuses.includes("failed")) problems.push(`job ${job} failed with no failed task: ${statuses}`);
    return problems;
  }
}

interface PlanRun {
  readonly problems: string[];
  readonly events: readonly SchedulerEvent[];
}

function runPlan(plan: Plan, variant: Variant = "correct"): PlanRun {
  const engine = new Engine(200_000);
  const ledger = variant === "leaky_ledger" ? new LeakyLedger(plan.limits, engine.clock) : new LeaseLedger(plan.limits, engine.clock);
  const world = new ScriptedWorld(plan, engine, ledger, variant);
  const queue = new ScriptedYieldQueue<TaskRecord<string>>(plan.yieldAnswers);
  const Scheduler = variant === "yield_loses_task" ? ForgetfulYieldScheduler : DagScheduler;
  const scheduler = new Scheduler<string>(ledger, queue, { clock: engine.clock, timers: engine, random: () => 0.5 }, world, {
    design: plan.design,
    yieldBetweenCalls: true,
    reapAfterMs: plan.reapAfterMs,
    retryBackoffBaseMs: 20,
    retryBackoffMaxMs: 200,
    rejectBackoffBaseMs: 10,
    rejectBackoffMaxMs: 200,
    maxSpawnFailures: 2,
  });
  world.scheduler = scheduler;
  const accepted = new Map<number, PlannedJob>();
  const refused: number[] = [];
  plan.jobs.forEach((planned, index) => {
    const id = index + 1;
    const definition: JobDefinition<string> = {
      id,
      tasks: planned.tasks.map((task, taskIndex) => ({ ...task, role: `t${taskIndex}`, payload: `j${id}.t${taskIndex}` })),
    };
    engine.schedule(planned.arrivalMs, () => {
      world.jobs.set(id, planned);
      if (scheduler.submit(definition)) accepted.set(id, planned);
      else refused.push(id);
    });
  });
  for (const cancel of plan.cancels) engine.schedule(cancel.atMs, () => scheduler.cancelJob(cancel.job + 1));
  const shutdown = plan.shutdown;
  if (shutdown !== undefined) engine.schedule(shutdown.atMs, () => scheduler.shutdown(shutdown.mode));
  const outsideHold = plan.outsideHold;
  if (outsideHold !== undefined && plan.design === "reject_backoff") engine.schedule(outsideHold.atMs, () => world.holdOutside(outsideHold.forMs));
  engine.run({ handle: () => undefined });
  return { problems: world.finalProblems(accepted, refused), events: world.events };
}

describe("DagScheduler property: random DAG jobs under random worker behaviour", () => {
  it("releases every lease exactly once, never exceeds a limit, holds nothing at the end, finishes every job and task once", () => {
    fc.assert(
      fc.property(planArbitrary(), (plan) => {
        expect(runPlan(plan).problems).toEqual([]);
      }),
      { numRuns: 300, seed: 20_240_600 },
    );
  });

  it("its generator reaches every release reason and scheduler decision (a property that never takes a path proves nothing about it)", () => {
    const reasons = new Set<ReleaseReason>();
    const types = new Set<SchedulerEvent["type"]>();
    fc.assert(
      fc.property(planArbitrary(), (plan) => {
        const run = runPlan(plan);
        for (const event of run.events) types.add(event.type);
        for (const event of eventsOf(run.events, "lease_released")) reasons.add(event.reason);
      }),
      { numRuns: 300, seed: 20_240_601 },
    );
    expect([...reasons].sort()).toEqual([...RELEASE_REASONS].sort());
    const decisions: SchedulerEvent["type"][] = [
      "worker_wait_started",
      "worker_wait_ended",
      "spawn_refused",
      "backoff_started",
      "worker_stop_requested",
      "task_retry_scheduled",
      "job_paused",
      "job_resumed",
      "shutdown_started",
      "task_yielded",
    ];
    expect(decisions.filter((type) => !types.has(type))).toEqual([]);
  });

  it("fails when a yield releases the lease but loses the task (planted bug)", () => {
    const result = fc.check(
      fc.property(planArbitrary(), (plan) => runPlan(plan, "yield_loses_task").problems.length === 0),
      { numRuns: 300, seed: 20_240_602 },
    );
    expect(result.failed).toBe(true);
  });

  it("fails when the ledger says released but keeps the capacity (planted bug)", () => {
    const result = fc.check(
      fc.property(planArbitrary(), (plan) => runPlan(plan, "leaky_ledger").problems.length === 0),
      { numRuns: 100, endOnFailure: true, seed: 20_240_603 },
    );
    expect(result.failed).toBe(true);
  });

  it("fails when the orchestrator reports succeeded twice for one worker (planted bug)", () => {
    // Caught by the scheduler's own protocol assertion (the task is no longer running): a throw fails the property too.
    const result = fc.check(
      fc.property(planArbitrary(), (plan) => runPlan(plan, "double_success").problems.length === 0),
      { numRuns: 100, endOnFailure: true, seed: 20_240_604 },
    );
    expect(result.failed).toBe(true);
  });
});

/** A FIFO that writes down every piece of feedback the scheduler gives it, and yields when told to. */
class ListeningQueue extends FifoQueue<TaskRecord<string>> {
  readonly heard: string[] = [];
  yieldNext = false;
  charge(task: TaskRecord<string>, usage: ServiceUsage): void {
    this.heard.push(`charge ${task.payload} ${usage.inputTokens}/${usage.outputTokens}/${usage.providerMs}`);
  }
  released(task: TaskRecord<string>): void {
    this.heard.push(`released ${task.payload}`);
  }
  jobFinished(job: number): void {
    this.heard.push(`job ${job} finished`);
  }
  shouldYield(task: TaskRecord<string>): boolean {
    this.heard.push(`yield? ${task.payload}`);
    return this.yieldNext;
  }
}

describe("DagScheduler: what it tells its queue", () => {
  it("forwards service, reports each release once per admission and each finished job, for a known task only", () => {
    const queue = new ListeningQueue();
    const h = harness({ global: 1 }, {}, 10_000, queue);
    h.scheduler.submit(jobDef(1, taskDef("a"), taskDef("b", { dependsOn: [0] })));
    const a = h.orchestrator.spawnedTask("j1.a");
    h.scheduler.started(a, 1, ignoreCapacity);
    h.scheduler.serviceReceived(a, { inputTokens: 10, outputTokens: 5, providerMs: 700 });
    h.scheduler.succeeded(a);
    // A report about a task that is no longer the scheduler's is ignored.
    h.scheduler.serviceReceived(a, { inputTokens: 1, outputTokens: 1, providerMs: 1 });
    const b = h.orchestrator.spawnedTask("j1.b");
    h.scheduler.started(b, 2, ignoreCapacity);
    h.scheduler.succeeded(b);
    expect(queue.heard).toEqual(["charge j1.a 10/5/700", "released j1.a", "released j1.b", "job 1 finished"]);
  });

  it("never asks the queue about yielding unless the policy allows preemption", () => {
    const queue = new ListeningQueue();
    queue.yieldNext = true;
    const h = harness({ global: 1 }, {}, 10_000, queue);
    h.scheduler.submit(jobDef(1, taskDef("a")));
    const a = h.orchestrator.spawnedTask("j1.a");
    h.scheduler.started(a, 1, ignoreCapacity);
    expect(h.scheduler.shouldYield(a)).toBe(false);
    expect(queue.heard).toEqual([]);
  });

  it("a yield releases the lease with reason yield, queues the task again and lets the next task in first", () => {
    const queue = new ListeningQueue();
    const h = harness({ global: 1 }, { yieldBetweenCalls: true }, 10_000, queue);
    h.scheduler.submit(jobDef(1, taskDef("long")));
    const long = h.orchestrator.spawnedTask("j1.long");
    h.scheduler.started(long, 1, ignoreCapacity);
    h.scheduler.submit(jobDef(2, taskDef("short")));
    expect(h.scheduler.shouldYield(long)).toBe(false);
    queue.yieldNext = true;
    expect(h.scheduler.shouldYield(long)).toBe(true);
    h.scheduler.yielded(long);
    const released = eventsOf(h.orchestrator.events, "lease_released");
    expect(released.map((event) => [event.task, event.reason, event.result])).toEqual([[long.id, "yield", "released"]]);
    expect(eventsOf(h.orchestrator.events, "task_yielded")).toEqual([{ type: "task_yielded", task: long.id, job: 1 }]);
    // The waiting task got the slot; the yielded one waits behind it and runs when the slot frees.
    const short = h.orchestrator.spawnedTask("j2.short");
    expect(h.scheduler.readyCount).toBe(1);
    h.scheduler.started(short, 2, ignoreCapacity);
    h.scheduler.succeeded(short);
    expect(h.orchestrator.spawnCount("j1.long")).toBe(2);
    // A task not running cannot yield, and reporting one that did not is a bug.
    expect(h.scheduler.shouldYield(short)).toBe(false);
    expect(() => h.scheduler.yielded(short)).toThrow(AssertionError);
  });
});
