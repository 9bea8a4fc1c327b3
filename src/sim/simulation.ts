// One simulated run: jobs arrive, their tasks become ready, the policy's real admission code leases
// capacity, workers make LLM requests to simulated providers, retries wait, leases are released. The
// simulation talks to the policy only through its public API, as an orchestrator would, and reports
// everything through the event log.

import { LeaseAdmission } from "../policies/admission.ts";
import { assertionFailed } from "../policies/assert.ts";
import { FifoQueue } from "../policies/fifo-queue.ts";
import { type Demand, type Lease, LeaseLedger, type ReleaseReason } from "../policies/lease-ledger.ts";
import type { EventSink, LogEvent, TaskStatus } from "../eventlog/events.ts";
import type { PolicySpec, Scenario } from "../scenario/types.ts";
import { type Sampler, sampler } from "./distributions.ts";
import { Engine } from "./engine.ts";
import type { ScheduledEvent } from "./event-heap.ts";
import { type RequestOutcome, SimProvider } from "./provider.ts";
import { type Random, RandomStreams } from "./random.ts";
import { type JobPlan, type TaskPlan, Workload } from "./workload.ts";

export interface RunOptions {
  readonly scenario: Scenario;
  readonly policy: PolicySpec;
  readonly seed: number;
  /** Where events go; a metrics collector, a JSONL writer, or both. */
  readonly sinks: readonly EventSink[];
}

export interface RunResult {
  readonly makespanMs: number;
  readonly events: number;
  readonly jobs: number;
}

/** Raised when a run cannot finish: it would otherwise end silently with work left. */
export class SimulationError extends Error {
  override name = "SimulationError";
}

export function simulate(options: RunOptions): RunResult {
  return new Simulation(options).run();
}

const ARRIVAL = 0;
const WORKER_SPAWNED = 1;
const REQUEST_DONE = 2;
const RETRY_DUE = 3;

type TaskState = "pending" | "ready" | "running" | TaskStatus;

interface JobRuntime {
  readonly plan: JobPlan;
  readonly tasks: TaskRuntime[];
  unfinished: number;
  failed: boolean;
}

interface TaskRuntime {
  readonly id: number;
  readonly job: JobRuntime;
  readonly plan: TaskPlan;
  readonly demand: Demand;
  readonly provider: SimProvider;
  state: TaskState;
  remainingDependencies: number;
  lease: Lease | undefined;
  worker: number;
  callIndex: number;
  attempt: number;
  request: number;
  outcome: RequestOutcome | undefined;
}

class Simulation {
  private readonly engine: Engine;
  private readonly streams: RandomStreams;
  private readonly providers = new Map<string, SimProvider>();
  private readonly demands = new Map<string, Demand>();
  private readonly ledger: LeaseLedger;
  private readonly admission: LeaseAdmission<TaskRuntime>;
  private readonly workload: Workload;
  private readonly spawnDelay: Sampler;
  private readonly spawnRandom: Random;
  private readonly admitted = (task: TaskRuntime, lease: Lease): void => this.onAdmitted(task, lease);
  private nextSeq = 0;
  private jobsCreated = 0;
  private jobsUnfinished = 0;
  private nextTaskId = 1;
  private nextWorkerId = 1;
  private nextRequestId = 1;

  constructor(private readonly options: RunOptions) {
    const { scenario, policy, seed } = options;
    this.engine = new Engine(scenario.limits.maxEvents);
    this.streams = new RandomStreams(seed);
    const limits: Record<string, number> = {};
    if (policy.globalMaxConcurrent !== undefined) limits.global = policy.globalMaxConcurrent;
    for (const spec of scenario.providers) {
      this.providers.set(spec.name, new SimProvider(spec, this.streams));
      limits[`provider:${spec.name}`] = spec.maxConcurrent;
    }
    this.ledger = new LeaseLedger(limits, this.engine.clock);
    for (const spec of scenario.providers) {
      const vector: Record<string, number> = { [`provider:${spec.name}`]: 1 };
      if (policy.globalMaxConcurrent !== undefined) vector.global = 1;
      this.demands.set(spec.name, this.ledger.demand(vector));
    }
    this.admission = new LeaseAdmission(this.ledger, new FifoQueue<TaskRuntime>());
    this.workload = new Workload(scenario, this.streams);
    this.spawnDelay = sampler(scenario.workers.spawnMs);
    this.spawnRandom = this.streams.stream("workers");
  }

  run(): RunResult {
    const { scenario, policy, seed } = this.options;
    this.emit({ type: "run_started", scenario: scenario.name, policy: policy.name, seed, capacities: this.ledger.capacities() });
    this.scheduleNextArrival();
    this.engine.run(this);
    if (this.jobsUnfinished > 0) {
      throw new SimulationError(
        `${this.jobsUnfinished} jobs never finished: ${this.admission.queue.size} tasks ready, nothing in flight (deadlock)`,
      );
    }
    const makespanMs = this.engine.clock.now();
    this.emit({ type: "run_finished", makespan_ms: makespanMs, events: this.nextSeq + 1 });
    return { makespanMs, events: this.nextSeq, jobs: this.jobsCreated };
  }

  handle(event: ScheduledEvent): void {
    switch (event.kind) {
      case ARRIVAL:
        this.onArrival();
        return;
      case WORKER_SPAWNED:
        this.onWorkerSpawned(event.subject as TaskRuntime);
        return;
      case REQUEST_DONE:
        this.onRequestDone(event.subject as TaskRuntime);
        return;
      case RETRY_DUE:
        this.startRequest(event.subject as TaskRuntime);
        return;
      default:
        assertionFailed(`unknown event kind ${event.kind}`);
    }
  }

  private emit(event: LogEvent): void {
    const seq = this.nextSeq;
    this.nextSeq += 1;
    const timeMs = this.engine.clock.now();
    for (const sink of this.options.sinks) sink.record(seq, timeMs, event);
  }

  private scheduleNextArrival(): void {
    const stop = this.options.scenario.stop;
    if (stop.jobs !== undefined && this.jobsCreated >= stop.jobs) return;
    this.engine.after(this.workload.nextGapMs(), ARRIVAL, undefined);
  }

  private onArrival(): void {
    const stop = this.options.scenario.stop;
    if (stop.durationMs !== undefined && this.engine.clock.now() >= stop.durationMs) return;
    this.jobsCreated += 1;
    this.jobsUnfinished += 1;
    const plan = this.workload.createJob(this.jobsCreated);
    const job: JobRuntime = { plan, tasks: [], unfinished: plan.tasks.length, failed: false };
    const provider = this.providers.get(plan.template.provider);
    const demand = this.demands.get(plan.template.provider);
    if (provider === undefined || demand === undefined) assertionFailed(`template ${plan.template.name} names an unknown provider`);
    for (const taskPlan of plan.tasks) {
      job.tasks.push({
        id: this.nextTaskId,
        job,
        plan: taskPlan,
        demand,
        provider,
        state: "pending",
        remainingDependencies: taskPlan.dependencyCount,
        lease: undefined,
        worker: 0,
        callIndex: 0,
        attempt: 0,
        request: 0,
        outcome: undefined,
      });
      this.nextTaskId += 1;
    }
    const template = plan.template;
    this.emit({
      type: "job_arrived",
      job: plan.id,
      lane: template.lane,
      tenant: template.tenant,
      mode: template.mode,
      template: template.name,
      tasks: plan.tasks.length,
    });
    for (const task of job.tasks) if (task.remainingDependencies === 0) this.makeReady(task);
    this.dispatch();
    this.scheduleNextArrival();
  }

  private makeReady(task: TaskRuntime): void {
    task.state = "ready";
    this.emit({ type: "task_ready", task: task.id, job: task.job.plan.id, role: task.plan.role });
    this.admission.submit(task);
  }

  private dispatch(): void {
    this.admission.dispatch(this.admitted);
  }

  private onAdmitted(task: TaskRuntime, lease: Lease): void {
    task.state = "running";
    task.lease = lease;
    this.emit({ type: "lease_acquired", lease: lease.id, task: task.id, resources: lease.demand.vector });
    const delayMs = this.spawnDelay.sample(this.spawnRandom);
    if (delayMs > 0) this.engine.after(delayMs, WORKER_SPAWNED, task);
    else this.onWorkerSpawned(task);
  }

  private onWorkerSpawned(task: TaskRuntime): void {
    task.worker = this.nextWorkerId;
    this.nextWorkerId += 1;
    this.emit({ type: "worker_spawned", task: task.id, worker: task.worker });
    task.callIndex = 0;
    task.attempt = 1;
    this.startRequest(task);
  }

  private startRequest(task: TaskRuntime): void {
    const call = task.plan.calls[task.callIndex];
    if (call === undefined) assertionFailed(`task ${task.id} has no call ${task.callIndex}`);
    const maxOutputTokens = task.job.plan.template.maxOutputTokens;
    task.request = this.nextRequestId;
    this.nextRequestId += 1;
    this.emit({
      type: "request_started",
      task: task.id,
      provider: task.provider.name,
      request: task.request,
      attempt: task.attempt,
      tokens: call.inputTokens + maxOutputTokens,
    });
    const outcome = task.provider.request(this.engine.clock.now(), call.inputTokens, maxOutputTokens, call.outputTokens);
    task.outcome = outcome;
    this.engine.after(outcome.durationMs, REQUEST_DONE, task);
  }

  private onRequestDone(task: TaskRuntime): void {
    const outcome = task.outcome;
    if (outcome === undefined) assertionFailed(`task ${task.id} finished a request it never started`);
    task.outcome = undefined;
    this.emit(
      outcome.retryAfterMs === undefined
        ? { type: "request_finished", task: task.id, provider: task.provider.name, request: task.request, status: outcome.status, output_tokens: outcome.outputTokens }
        : {
            type: "request_finished",
            task: task.id,
            provider: task.provider.name,
            request: task.request,
            status: outcome.status,
            retry_after_ms: outcome.retryAfterMs,
            output_tokens: outcome.outputTokens,
          },
    );
    if (outcome.status === "ok") {
      task.callIndex += 1;
      task.attempt = 1;
      if (task.callIndex < task.plan.calls.length) this.startRequest(task);
      else this.finishTask(task, "completed", "success");
      return;
    }
    const retry = this.options.policy.retry;
    if (!outcome.retryable || task.attempt >= retry.maxAttempts) {
      this.finishTask(task, "failed", "failure");
      return;
    }
    this.engine.after(this.retryDelayMs(outcome, task.attempt), RETRY_DUE, task);
    task.attempt += 1;
  }

  private retryDelayMs(outcome: RequestOutcome, attempt: number): number {
    const retry = this.options.policy.retry;
    if (outcome.status === "rate_limited") {
      return retry.onRateLimit === "retry_after" ? (outcome.retryAfterMs ?? retry.fixedDelayMs) : retry.fixedDelayMs;
    }
    return Math.min(retry.errorBackoffMaxMs, retry.errorBackoffBaseMs * 2 ** (attempt - 1));
  }

  private finishTask(task: TaskRuntime, status: TaskStatus, reason: ReleaseReason): void {
    const lease = task.lease;
    if (lease === undefined) assertionFailed(`task ${task.id} finished without a lease`);
    const result = this.ledger.release(lease, reason);
    this.emit({ type: "lease_released", lease: lease.id, task: task.id, reason, result });
    task.lease = undefined;
    const job = task.job;
    // Marked before the task settles: if it is the job's last task, settling it finishes the job.
    if (status === "failed") job.failed = true;
    this.settle(task, status);
    if (status === "completed" && !job.failed) {
      for (const index of task.plan.dependents) {
        const dependent = job.tasks[index] as TaskRuntime;
        dependent.remainingDependencies -= 1;
        if (dependent.remainingDependencies === 0) this.makeReady(dependent);
      }
    } else if (status === "failed") {
      this.cancelUnstarted(job);
    }
    this.dispatch();
  }

  /** A failed task fails its job: tasks not yet running are canceled; running ones finish on their own. */
  private cancelUnstarted(job: JobRuntime): void {
    for (const task of job.tasks) {
      if (task.state === "ready") this.admission.queue.remove(task);
      if (task.state === "ready" || task.state === "pending") this.settle(task, "canceled");
    }
  }

  private settle(task: TaskRuntime, status: TaskStatus): void {
    task.state = status;
    const job = task.job;
    this.emit({ type: "task_finished", task: task.id, job: job.plan.id, status });
    job.unfinished -= 1;
    if (job.unfinished > 0) return;
    this.emit({ type: "job_finished", job: job.plan.id, status: job.failed ? "failed" : "completed" });
    this.jobsUnfinished -= 1;
  }
}
