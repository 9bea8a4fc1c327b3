// The scheduler an orchestrator imports: jobs are DAGs of tasks; a task is ready when its dependencies have
// completed, is admitted by one of three admission designs, runs in a worker the orchestrator owns, and ends
// in exactly one terminal status with its capacity released exactly once, when the worker has really stopped.
// Clock-agnostic: time, timers and randomness are injected; the orchestrator reports what its workers do.

import { LeaseAdmission } from "./admission.ts";
import { assertionFailed } from "./assert.ts";
import type { Clock } from "./clock.ts";
import type { Demand, Lease, LeaseLedger, ReleaseReason, ResourceVector } from "./lease-ledger.ts";
import type { Queueable, ReadyQueue, ServiceUsage } from "./ready-queue.ts";
import type { JobStatus, SchedulerEvent, TaskStatus } from "./scheduler-events.ts";
import type { TimerHandle, Timers } from "./timers.ts";

/**
 * - `lease`: lease every resource before spawning; a worker never waits for scheduler capacity.
 * - `spawn_then_wait`: spawn holding only the non-deferred resources (e.g. a global slot), then wait inside
 *   the worker for the deferred ones (provider slots): the design that produces hidden waiters.
 * - `reject_backoff`: try to spawn every ready task; refuse those over a cap (they stay ready); after a batch
 *   that was wholly refused, back off `min(base × 2^min(n, 10), max)`, slept only while nothing runs.
 */
export type AdmissionDesign = "lease" | "spawn_then_wait" | "reject_backoff";
export const ADMISSION_DESIGNS: readonly AdmissionDesign[] = ["lease", "spawn_then_wait", "reject_backoff"];

/**
 * What a task's failure does to its job: `abort` fails the job and stops its running tasks; `skip` marks the
 * task and every transitive dependent skipped and lets the rest run; `retry` runs it again (after backoff) up
 * to maxRetries times, then aborts; `ask` pauses the job until `resumeJob` or `cancelJob`.
 */
export type FailureStrategy = "abort" | "skip" | "retry" | "ask";

export interface TaskDefinition<P> {
  readonly resources: ResourceVector;
  /** Indexes, within the job, of the tasks that must complete first. */
  readonly dependsOn: readonly number[];
  readonly failure: FailureStrategy;
  readonly maxRetries: number;
  /** Stop the worker (release reason `timeout`) if it runs longer than this. */
  readonly timeoutMs: number | undefined;
  /** A label for logs, e.g. "plan". */
  readonly role: string;
  readonly payload: P;
}

export interface JobDefinition<P> {
  readonly id: number;
  readonly tasks: readonly TaskDefinition<P>[];
}

/** The scheduler's view of a task, as the orchestrator sees it. */
export interface SchedulerTask<P> {
  readonly id: number;
  readonly jobId: number;
  readonly index: number;
  readonly payload: P;
  /** How many times it was retried after a failure (0 on the first run). */
  readonly retries: number;
}

/** The orchestrator's side: it owns the workers and the event log. */
export interface Orchestrator<P> {
  /** Start a worker for the task; answer with `started` or `spawnFailed`. */
  spawn(task: SchedulerTask<P>): void;
  /**
   * Stop the task's worker; answer with `stopped` once it has really stopped. A worker still spawning answers
   * `stopped` instead of `started`.
   */
  stop(task: SchedulerTask<P>): void;
  record(event: SchedulerEvent): void;
  /** Asked after admission, before spawn. False: the selection went stale; its lease is released unused. */
  stillWanted(task: SchedulerTask<P>): boolean;
}

export interface DagSchedulerOptions {
  readonly design: AdmissionDesign;
  /** Retry backoff: base × 2^(retry − 1), at most max, times a seeded jitter factor in [1 − jitter, 1 + jitter]. */
  readonly retryBackoffBaseMs: number;
  readonly retryBackoffMaxMs: number;
  readonly retryJitter: number;
  /** reject_backoff: the delay after n wholly refused batches is min(base × 2^min(n, 10), max). */
  readonly rejectBackoffBaseMs: number;
  readonly rejectBackoffMaxMs: number;
  /** Stop a worker that reported no progress for this long (release reason `reaped`). */
  readonly reapAfterMs: number | undefined;
  /** Consecutive spawn failures a task may have before it counts as a task failure. */
  readonly maxSpawnFailures: number;
  /** spawn_then_wait: which resources the worker waits for after spawning. */
  readonly deferredResource: (resource: string) => boolean;
  /** Preemption at safe points: a running task may give its lease back between two requests when its queue asks. */
  readonly yieldBetweenCalls: boolean;
}

export const DEFAULT_SCHEDULER_OPTIONS: DagSchedulerOptions = {
  design: "lease",
  retryBackoffBaseMs: 1000,
  retryBackoffMaxMs: 30_000,
  retryJitter: 0.2,
  rejectBackoffBaseMs: 100,
  rejectBackoffMaxMs: 5000,
  reapAfterMs: undefined,
  maxSpawnFailures: 3,
  deferredResource: (resource) => resource.startsWith("provider:"),
  yieldBetweenCalls: false,
};

export interface SchedulerEnvironment {
  readonly clock: Clock;
  readonly timers: Timers;
  /** Uniform draws in [0, 1) for backoff jitter: a seeded stream in simulation. */
  readonly random: () => number;
}

type TaskState =
  | "pending"
  | "ready"
  | "parked"
  | "waiting_retry"
  | "spawning"
  | "running"
  | "stopping"
  | TaskStatus;

/** The scheduler's own record of a task; exported as a type for subclasses (see the protected methods). */
export type TaskRecord<P> = Task<P>;

class Task<P> implements SchedulerTask<P>, Queueable {
  state: TaskState = "pending";
  remainingDependencies: number;
  /** Shared empty array until a dependent is added: most tasks have none. */
  dependents: Task<P>[] = NO_TASKS as Task<P>[];
  lease: Lease | undefined;
  /** spawn_then_wait: the lease taken inside the worker. */
  innerLease: Lease | undefined;
  retries = 0;
  spawnFailures = 0;
  worker = 0;
  stopReason: ReleaseReason | undefined;
  lastProgressMs = 0;
  timeoutTimer: TimerHandle | undefined;
  reapTimer: TimerHandle | undefined;
  retryTimer: TimerHandle | undefined;
  /** spawn_then_wait: called once the worker holds its deferred resources. */
  onCapacity: (() => void) | undefined;
  /** ask: this task's failure paused the job; it runs again if the job is resumed. */
  awaitingAnswer = false;

  constructor(
    readonly id: number,
    readonly job: Job<P>,
    readonly index: number,
    readonly definition: TaskDefinition<P>,
    /** What admission takes: everything, or for spawn_then_wait the non-deferred part. */
    readonly demand: Demand,
    /** spawn_then_wait: what the worker waits for after spawning. */
    readonly innerDemand: Demand | undefined,
  ) {
    this.remainingDependencies = definition.dependsOn.length;
  }

  get jobId(): number {
    return this.job.id;
  }

  get payload(): P {
    return this.definition.payload;
  }
}

const NO_TASKS: readonly unknown[] = Object.freeze([]);

/** Differences of time below this are rounding, not time. */
const TIME_TOLERANCE_MS = 1e-3;

class Job<P> {
  readonly tasks: Task<P>[] = [];
  unfinished = 0;
  /** Set once the job's fate is sealed; running tasks may still be stopping. */
  outcome: JobStatus | undefined;
  paused = false;
  constructor(readonly id: number) {}
}

export class DagScheduler<P> {
  private readonly options: DagSchedulerOptions;
  private readonly jobs = new Map<number, Job<P>>();
  private readonly waiters: Task<P>[] = [];
  private readonly splits = new WeakMap<ResourceVector, { outer: Demand; inner: Demand } | undefined>();
  private readonly admitted = (task: Task<P>, lease: Lease): void => this.admit(task, lease);
  /** The lease-before-spawn loop shared with AsyncAdmission: select(eligible) → acquire → commit. */
  private readonly inOrder: LeaseAdmission<Task<P>>;
  private nextTaskId = 1;
  private activeTasks = 0;
  private pendingTimers = 0;
  private refusedBatches = 0;
  private backoffTimer: TimerHandle | undefined;
  private shuttingDown = false;
  /** An orchestrator may call back into the scheduler from `spawn`: such a dispatch runs after the current one. */
  private dispatching = false;
  private dispatchAgain = false;

  constructor(
    private readonly ledger: LeaseLedger,
    private readonly queue: ReadyQueue<Task<P>>,
    private readonly environment: SchedulerEnvironment,
    private readonly orchestrator: Orchestrator<P>,
    options: Partial<DagSchedulerOptions> = {},
  ) {
    this.options = { ...DEFAULT_SCHEDULER_OPTIONS, ...options };
    this.inOrder = new LeaseAdmission(ledger, queue);
  }

  /** Jobs submitted and not yet finished. */
  get unfinishedJobs(): number {
    return this.jobs.size;
  }

  get readyCount(): number {
    return this.queue.size;
  }

  /** Adds a job; its tasks without dependencies become ready. Refused (false) once shutdown has begun. */
  submit(definition: JobDefinition<P>): boolean {
    if (this.shuttingDown) return false;
    const job = new Job<P>(definition.id);
    for (let index = 0; index < definition.tasks.length; index += 1) {
      const taskDefinition = definition.tasks[index] as TaskDefinition<P>;
      const demand = this.ledger.demand(taskDefinition.resources);
      const innerDemand = this.options.design === "spawn_then_wait" ? this.innerDemandOf(taskDefinition.resources) : undefined;
      job.tasks.push(new Task(this.nextTaskId, job, index, taskDefinition, innerDemand === undefined ? demand : innerDemand.outer, innerDemand?.inner));
      this.nextTaskId += 1;
    }
    for (const task of job.tasks) {
      for (const dependency of task.definition.dependsOn) {
        const parent = job.tasks[dependency];
        if (parent === undefined || dependency >= task.index) assertionFailed(`task ${task.index} of job ${job.id} depends on ${dependency}`);
        if (parent.dependents === NO_TASKS) parent.dependents = [];
        parent.dependents.push(task);
      }
    }
    job.unfinished = job.tasks.length;
    this.jobs.set(job.id, job);
    for (const task of job.tasks) if (task.remainingDependencies === 0) this.makeReady(task);
    this.dispatch();
    return true;
  }

  // ---- what the orchestrator reports about its workers ----

  /** The worker is up. `onCapacity` is called once it holds everything it needs (at once, but for spawn_then_wait). */
  started(task: SchedulerTask<P>, worker: number, onCapacity: () => void): void {
    const record = this.own(task, "spawning");
    record.state = "running";
    record.spawnFailures = 0;
    record.worker = worker;
    record.lastProgressMs = this.environment.clock.now();
    this.armTimers(record);
    if (record.innerDemand === undefined) {
      onCapacity();
      return;
    }
    const inner = this.ledger.tryAcquire(record.innerDemand, record.id);
    if (inner !== undefined) {
      this.holdInner(record, inner);
      onCapacity();
      return;
    }
    record.onCapacity = onCapacity;
    this.waiters.push(record);
    this.orchestrator.record({ type: "worker_wait_started", task: record.id, worker, resource: record.innerDemand.key });
    this.checkDeadlock();
  }

  spawnFailed(task: SchedulerTask<P>): void {
    const record = this.own(task, "spawning");
    record.spawnFailures += 1;
    if (record.spawnFailures > this.options.maxSpawnFailures) {
      this.fail(record, "spawn_failure");
      return;
    }
    this.releaseAll(record, "spawn_failure");
    this.activeTasks -= 1;
    this.makeReady(record);
    this.dispatch();
  }

  /**
   * A request of the running task finished: the queue is told the service it received (queues that order by
   * service). A report about a task that is not running (finished, or not this scheduler's) is ignored.
   */
  serviceReceived(task: SchedulerTask<P>, usage: ServiceUsage): void {
    const record = this.lookup(task);
    if (record?.state === "running" || record?.state === "stopping") this.queue.charge?.(record, usage);
  }

  /**
   * Asked between two requests of a running task: should its worker stop here and the task queue again? Only
   * when the policy allows preemption at safe points and the queue ranks something waiting above it. If so, the
   * orchestrator ends the worker (it is between calls, so nothing is in flight) and then calls `yielded`.
   */
  shouldYield(task: SchedulerTask<P>): boolean {
    if (!this.options.yieldBetweenCalls || this.queue.shouldYield === undefined) return false;
    const record = this.lookup(task);
    return record?.state === "running" && record.innerLease === undefined && record.onCapacity === undefined && this.queue.shouldYield(record);
  }

  /** The worker of a task that was told to yield has stopped between two requests: release (reason `yield`) and queue again. */
  yielded(task: SchedulerTask<P>): void {
    const record = this.own(task, "running");
    this.orchestrator.record({ type: "task_yielded", task: record.id, job: record.job.id });
    this.endRun(record, "yield");
    this.makeReady(record);
    this.dispatch();
  }

  /** The worker is alive and working (resets the zombie reaper's clock). */
  progress(task: SchedulerTask<P>): void {
    const record = this.lookup(task);
    if (record !== undefined) record.lastProgressMs = this.environment.clock.now();
  }

  succeeded(task: SchedulerTask<P>): void {
    const record = this.lookup(task);
    if (record?.state === "stopping") {
      // It finished before the stop reached it: it has stopped all the same.
      this.stopped(task);
      return;
    }
    const running = this.own(task, "running");
    this.endRun(running, "success");
    this.settle(running, "completed");
    if (running.job.outcome === undefined) {
      for (const dependent of running.dependents) {
        dependent.remainingDependencies -= 1;
        if (dependent.remainingDependencies === 0 && dependent.state === "pending") this.makeReady(dependent);
      }
    }
    this.dispatch();
  }

  /**
   * The worker gave up on the task. `salvage`: a transient provider failure; the task goes back to the queue
   * for a new lease without counting as a failure. `error`: the task's failure strategy decides.
   */
  failed(task: SchedulerTask<P>, kind: "error" | "salvage"): void {
    const record = this.lookup(task);
    if (record?.state === "stopping") {
      this.stopped(task);
      return;
    }
    const running = this.own(task, "running");
    if (kind === "salvage") {
      this.endRun(running, "salvage");
      this.makeReady(running);
      this.dispatch();
      return;
    }
    this.fail(running, undefined);
  }

  /** The worker asked to stop (`Orchestrator.stop`) has stopped: its capacity is released now. */
  stopped(task: SchedulerTask<P>): void {
    const record = this.own(task, "stopping");
    const reason = record.stopReason ?? assertionFailed(`task ${record.id} stopped without a reason`);
    record.stopReason = undefined;
    if (reason === "timeout" || reason === "reaped") {
      this.fail(record, reason);
      return;
    }
    this.endRun(record, reason);
    this.settle(record, reason === "failure" ? "failed" : "canceled");
    this.dispatch();
  }

  // ---- decisions made from outside (an API call, a person, a shutdown) ----

  cancelJob(jobId: number, reason: "cancel" | "shutdown" = "cancel"): boolean {
    const job = this.jobs.get(jobId);
    if (job === undefined) return false;
    job.outcome ??= "canceled";
    this.windDown(job, reason);
    this.dispatch();
    return true;
  }

  /** Resumes a job paused by an `ask` failure: the failed task runs again. */
  resumeJob(jobId: number): boolean {
    const job = this.jobs.get(jobId);
    if (job === undefined || !job.paused || job.outcome !== undefined) return false;
    job.paused = false;
    this.orchestrator.record({ type: "job_resumed", job: job.id });
    for (const task of job.tasks) {
      if (task.state !== "parked") continue;
      if (task.awaitingAnswer) {
        task.awaitingAnswer = false;
        task.retries += 1;
        this.makeReady(task);
      } else {
        task.state = "ready";
        this.queue.enqueue(task);
      }
    }
    this.dispatch();
    return true;
  }

  /** `drain`: refuse new jobs, let the rest finish. `cancel`: also stop everything (release reason `shutdown`). */
  shutdown(mode: "cancel" | "drain"): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.orchestrator.record({ type: "shutdown_started", mode });
    if (mode === "cancel") for (const job of [...this.jobs.values()]) this.cancelJob(job.id, "shutdown");
  }

  /**
   * Changes what may be held of a resource from now on (LeaseLedger.setLimit), e.g. an AIMD controller's
   * provider concurrency, and admits at once what a raise made room for. A lower limit takes no lease back.
   */
  setLimit(resource: string, limit: number): void {
    this.ledger.setLimit(resource, limit);
    this.dispatch();
  }

  // ---- admission ----

  private dispatch(): void {
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        // Workers already spawned come before tasks not yet admitted.
        if (this.waiters.length > 0) this.serveWaiters();
        switch (this.options.design) {
          case "lease":
          case "spawn_then_wait":
            this.inOrder.dispatch(this.admitted);
            break;
          case "reject_backoff":
            this.dispatchEveryReadyTask();
            break;
        }
      } while (this.dispatchAgain);
    } finally {
      this.dispatching = false;
    }
    this.checkDeadlock();
  }

  /** Every ready task is tried; refusals stay ready; a wholly refused batch backs off. */
  private dispatchEveryReadyTask(): void {
    if (this.backoffTimer !== undefined || this.queue.size === 0) return;
    let attempted = 0;
    let refused = 0;
    for (const task of this.queue.ordered()) {
      // The snapshot can go stale while we spawn (a cancel, or a call back in from the orchestrator).
      if (task.state !== "ready") continue;
      attempted += 1;
      const lease = this.ledger.tryAcquire(task.demand, task.id);
      if (lease === undefined) {
        refused += 1;
        this.orchestrator.record({ type: "spawn_refused", task: task.id, job: task.job.id, resource: this.firstFullResource(task.demand) });
        continue;
      }
      if (!this.queue.commit(task)) assertionFailed(`task ${task.id} is ready but not queued`);
      this.admitted(task, lease);
    }
    if (refused < attempted) {
      this.refusedBatches = 0;
      return;
    }
    this.refusedBatches += 1;
    if (this.activeTasks > 0) return;
    const delayMs = Math.min(this.options.rejectBackoffBaseMs * 2 ** Math.min(this.refusedBatches, 10), this.options.rejectBackoffMaxMs);
    this.orchestrator.record({ type: "backoff_started", delay_ms: delayMs, refused_batches: this.refusedBatches });
    this.backoffTimer = this.after(delayMs, () => {
      this.backoffTimer = undefined;
      this.orchestrator.record({ type: "backoff_ended" });
      this.dispatch();
    });
  }

  private admit(task: Task<P>, lease: Lease): void {
    task.lease = lease;
    task.state = "spawning";
    this.activeTasks += 1;
    this.orchestrator.record({ type: "lease_acquired", lease: lease.id, task: task.id, resources: lease.demand.vector });
    if (!this.orchestrator.stillWanted(task)) {
      this.releaseAll(task, "stale");
      this.activeTasks -= 1;
      task.state = "waiting_retry";
      // Back to ready on the next tick rather than in this dispatch pass, so one pass cannot spin on it.
      task.retryTimer = this.after(0, () => {
        task.retryTimer = undefined;
        this.makeReady(task);
        this.dispatch();
      });
      return;
    }
    this.orchestrator.spawn(task);
  }

  private holdInner(task: Task<P>, lease: Lease): void {
    task.innerLease = lease;
    this.orchestrator.record({ type: "lease_acquired", lease: lease.id, task: task.id, resources: lease.demand.vector });
  }

  /** Hands freed capacity to workers waiting inside (spawn_then_wait), oldest first. */
  private serveWaiters(): void {
    for (let index = 0; index < this.waiters.length; ) {
      const task = this.waiters[index] as Task<P>;
      const lease = this.ledger.tryAcquire(task.innerDemand as Demand, task.id);
      if (lease === undefined) {
        index += 1;
        continue;
      }
      this.waiters.splice(index, 1);
      this.holdInner(task, lease);
      this.orchestrator.record({ type: "worker_wait_ended", task: task.id, worker: task.worker, resource: (task.innerDemand as Demand).key });
      const onCapacity = task.onCapacity;
      task.onCapacity = undefined;
      onCapacity?.();
    }
  }

  // ---- failure, stopping, finishing ----

  /** Applies the task's failure strategy. `cause` is the release reason when the failure was a stop. */
  private fail(task: Task<P>, cause: "timeout" | "reaped" | "spawn_failure" | undefined): void {
    const job = task.job;
    const strategy = task.definition.failure;
    const retrying = strategy === "retry" && task.retries < task.definition.maxRetries && job.outcome === undefined;
    this.endRun(task, cause ?? (retrying ? "retry" : "failure"));
    if (job.outcome !== undefined) {
      this.settle(task, "canceled");
    } else if (retrying) {
      task.retries += 1;
      const delayMs = this.retryDelayMs(task.retries);
      task.state = "waiting_retry";
      this.orchestrator.record({ type: "task_retry_scheduled", task: task.id, job: job.id, retry: task.retries, delay_ms: delayMs });
      task.retryTimer = this.after(delayMs, () => {
        task.retryTimer = undefined;
        this.makeReady(task);
        this.dispatch();
      });
    } else if (strategy === "skip") {
      this.skip(task);
    } else if (strategy === "ask") {
      task.state = "parked";
      task.awaitingAnswer = true;
      job.paused = true;
      for (const sibling of job.tasks) if (sibling.state === "ready" && this.queue.remove(sibling)) sibling.state = "parked";
      this.orchestrator.record({ type: "job_paused", job: job.id, task: task.id });
    } else {
      job.outcome = "failed";
      this.settle(task, "failed");
      this.windDown(job, "cancel");
    }
    this.dispatch();
  }

  private retryDelayMs(retry: number): number {
    const { retryBackoffBaseMs, retryBackoffMaxMs, retryJitter } = this.options;
    const capped = Math.min(retryBackoffBaseMs * 2 ** (retry - 1), retryBackoffMaxMs);
    return capped * (1 - retryJitter + 2 * retryJitter * this.environment.random());
  }

  /** The task and every transitive dependent that has not run are skipped. */
  private skip(task: Task<P>): void {
    const toSkip = [task];
    for (let next = toSkip.pop(); next !== undefined; next = toSkip.pop()) {
      if (next !== task && next.state !== "pending") continue;
      this.settle(next, "skipped");
      toSkip.push(...next.dependents);
    }
  }

  /** Ends a failed or canceled job: tasks not started are canceled, running ones are asked to stop. */
  private windDown(job: Job<P>, reason: "cancel" | "shutdown"): void {
    job.paused = false;
    for (const task of job.tasks) {
      switch (task.state) {
        case "ready":
          this.queue.remove(task);
          this.settle(task, "canceled");
          break;
        case "pending":
        case "parked":
          this.settle(task, "canceled");
          break;
        case "waiting_retry":
          this.cancelTimer(task.retryTimer);
          task.retryTimer = undefined;
          this.settle(task, "canceled");
          break;
        case "spawning":
        case "running":
          this.requestStop(task, reason);
          break;
        default:
          break;
      }
    }
  }

  // The protected methods are the seams where a subclass changes when capacity is released: test/mutants/ keeps
  // deliberately broken ones there, to show that the checks catch them. Everything else stays private.

  protected requestStop(task: TaskRecord<P>, reason: ReleaseReason): void {
    if (task.state !== "spawning" && task.state !== "running") return;
    this.disarmTimers(task);
    this.leaveWaiters(task);
    task.state = "stopping";
    task.stopReason = reason;
    this.orchestrator.record({ type: "worker_stop_requested", task: task.id, reason });
    this.orchestrator.stop(task);
  }

  /** The worker is gone: release what it held (exactly once), stop its timers, leave the waiters. */
  private endRun(task: Task<P>, reason: ReleaseReason): void {
    this.disarmTimers(task);
    this.leaveWaiters(task);
    this.releaseAll(task, reason);
    this.activeTasks -= 1;
    task.state = "waiting_retry";
  }

  /** A waiting worker that stops or ends waits no more, and must never be handed capacity afterwards. */
  private leaveWaiters(task: Task<P>): void {
    const waiting = this.waiters.indexOf(task);
    if (waiting < 0) return;
    this.waiters.splice(waiting, 1);
    task.onCapacity = undefined;
    this.orchestrator.record({ type: "worker_wait_ended", task: task.id, worker: task.worker, resource: (task.innerDemand as Demand).key });
  }

  protected releaseAll(task: TaskRecord<P>, reason: ReleaseReason): void {
    if (task.innerLease !== undefined) this.release(task, task.innerLease, reason);
    if (task.lease !== undefined) {
      this.release(task, task.lease, reason);
      this.queue.released?.(task);
    }
    task.lease = undefined;
    task.innerLease = undefined;
    // Freed capacity reaches waiting workers in the next dispatch, never from inside this call: their callbacks
    // run orchestrator code that may call back in, and the task being released is not in its final state yet.
    if (this.dispatching && this.waiters.length > 0) this.dispatchAgain = true;
  }

  protected release(task: TaskRecord<P>, lease: Lease, reason: ReleaseReason): void {
    const result = this.ledger.release(lease, reason);
    this.orchestrator.record({ type: "lease_released", lease: lease.id, task: task.id, reason, result });
  }

  private settle(task: Task<P>, status: TaskStatus): void {
    task.state = status;
    const job = task.job;
    this.orchestrator.record({ type: "task_finished", task: task.id, job: job.id, status });
    job.unfinished -= 1;
    if (job.unfinished > 0) return;
    this.jobs.delete(job.id);
    this.queue.jobFinished?.(job.id);
    this.orchestrator.record({ type: "job_finished", job: job.id, status: job.outcome ?? "completed" });
  }

  private makeReady(task: Task<P>): void {
    this.orchestrator.record({ type: "task_ready", task: task.id, job: task.job.id, role: task.definition.role });
    const impossible = this.ledger.overLimit(task.demand) ?? (task.innerDemand === undefined ? undefined : this.ledger.overLimit(task.innerDemand));
    if (impossible !== undefined) {
      // No amount of waiting can admit it, in any design: fail the job now rather than spin or back off forever.
      this.orchestrator.record({
        type: "deadlock_detected",
        jobs: [task.job.id],
        tasks: [task.id],
        reason: `task ${task.id} needs more ${impossible} than its limit of ${this.ledger.capacityOf(impossible)}`,
      });
      task.job.outcome ??= "failed";
      this.settle(task, "failed");
      this.windDown(task.job, "cancel");
      return;
    }
    if (task.job.paused) {
      task.state = "parked";
      return;
    }
    task.state = "ready";
    this.queue.enqueue(task);
  }

  /**
   * Ready work that nothing can ever admit: no task is spawning, running or stopping (so no capacity will be
   * freed), no timer is pending, yet tasks wait. Their jobs fail with a deadlock event instead of hanging.
   */
  private checkDeadlock(): void {
    const stuckWaiters = this.waiters.length > 0 && this.waiters.length === this.activeTasks;
    if (this.pendingTimers > 0 || (this.activeTasks > 0 && !stuckWaiters)) return;
    if (this.queue.size === 0 && !stuckWaiters) return;
    const stuck = [...this.queue.ordered(), ...this.waiters];
    const jobs = [...new Set(stuck.map((task) => task.job))];
    this.orchestrator.record({
      type: "deadlock_detected",
      jobs: jobs.map((job) => job.id),
      tasks: stuck.map((task) => task.id),
      reason: "ready tasks that can never be admitted: nothing is running, nothing will free capacity",
    });
    for (const job of jobs) job.outcome ??= "failed";
    // Waiting workers are alive: ask them to stop; their capacity comes back when they have stopped.
    for (const task of [...this.waiters]) this.requestStop(task, "failure");
    for (const job of jobs) this.windDown(job, "cancel");
  }

  // ---- timers ----

  private armTimers(task: Task<P>): void {
    const timeoutMs = task.definition.timeoutMs;
    if (timeoutMs !== undefined) {
      task.timeoutTimer = this.after(timeoutMs, () => {
        task.timeoutTimer = undefined;
        this.requestStop(task, "timeout");
      });
    }
    if (this.options.reapAfterMs !== undefined) this.armReaper(task, this.options.reapAfterMs);
  }

  private armReaper(task: Task<P>, delayMs: number): void {
    task.reapTimer = this.after(delayMs, () => {
      task.reapTimer = undefined;
      const reapAfterMs = this.options.reapAfterMs as number;
      const silentMs = this.environment.clock.now() - task.lastProgressMs;
      // Within a microsecond counts as due: (progress + reapAfter) − progress can come back one ulp short,
      // and re-arming for that remainder would not move the clock at all, a timer loop at one instant.
      if (silentMs >= reapAfterMs - TIME_TOLERANCE_MS) this.requestStop(task, "reaped");
      else this.armReaper(task, reapAfterMs - silentMs);
    });
  }

  private disarmTimers(task: Task<P>): void {
    this.cancelTimer(task.timeoutTimer);
    this.cancelTimer(task.reapTimer);
    task.timeoutTimer = undefined;
    task.reapTimer = undefined;
  }

  private after(delayMs: number, callback: () => void): TimerHandle {
    this.pendingTimers += 1;
    return this.environment.timers.schedule(delayMs, () => {
      this.pendingTimers -= 1;
      callback();
    });
  }

  private cancelTimer(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    this.environment.timers.cancel(handle);
    this.pendingTimers -= 1;
  }

  // ---- helpers ----

  /** spawn_then_wait: splits a demand into what is taken before spawn and what the worker waits for. */
  private innerDemandOf(resources: ResourceVector): { outer: Demand; inner: Demand } | undefined {
    if (this.splits.has(resources)) return this.splits.get(resources);
    const split = this.splitDemand(resources);
    this.splits.set(resources, split);
    return split;
  }

  private splitDemand(resources: ResourceVector): { outer: Demand; inner: Demand } | undefined {
    const outer: Record<string, number> = {};
    const inner: Record<string, number> = {};
    for (const [key, amount] of Object.entries(resources)) {
      if (this.options.deferredResource(key)) inner[key] = amount;
      else outer[key] = amount;
    }
    if (Object.keys(inner).length === 0) return undefined;
    return { outer: this.ledger.demand(outer), inner: this.ledger.demand(inner) };
  }

  private firstFullResource(demand: Demand): string {
    for (const key of Object.keys(demand.vector)) {
      if (this.ledger.heldAmount(key) + (demand.vector[key] as number) > this.ledger.limitOf(key)) return key;
    }
    return demand.key;
  }

  private lookup(task: SchedulerTask<P>): Task<P> | undefined {
    const record = this.jobs.get(task.jobId)?.tasks[task.index];
    return record === task ? record : undefined;
  }

  private own(task: SchedulerTask<P>, state: TaskState): Task<P> {
    const record = this.lookup(task);
    if (record === undefined || record.state !== state) {
      assertionFailed(`task ${task.id} reported in state ${record?.state ?? "unknown"}, expected ${state}`);
    }
    return record;
  }
}
