// One simulated run. The simulation is the orchestrator: it generates jobs, owns the workers (which spawn,
// call simulated providers, retry, stall, crash and stop) and the event log. Every scheduling decision is
// made by the policy's real DagScheduler, reached only through its public API, as a production
// orchestrator would.

import { assertionFailed } from "../policies/assert.ts";
import type { Clock } from "../policies/clock.ts";
import { DagScheduler, type JobDefinition, type Orchestrator, type SchedulerTask, type TaskDefinition, type TaskRecord } from "../policies/dag-scheduler.ts";
import type { QueueBuildContext } from "../policies/queues/queue-kind.ts";
import type { GroupBy } from "../policies/queues/queue-context.ts";
import { createQueue, queueKind } from "../policies/queues/registry.ts";
import { LeaseLedger, type ResourceVector } from "../policies/lease-ledger.ts";
import { type ControllerFactory, RateControl } from "../policies/rate-control/rate-control.ts";
import type { ProviderController } from "../policies/rate-control/provider-controller.ts";
import type { CircuitState, RateLimitHeaders, RateControlListener, RequestTicket, ResponseDecision, WaitReason } from "../policies/rate-control/request.ts";
import type { RetryOptions } from "../policies/rate-control/retry.ts";
import type { SchedulerEvent } from "../policies/scheduler-events.ts";
import type { EventSink, LogEvent, ProviderPrice, QueueDescription, RateLimitFields } from "../eventlog/events.ts";
import type { JobTemplate, PolicySpec, Scenario } from "../scenario/types.ts";
import { type Sampler, sampler } from "./distributions.ts";
import { Engine } from "./engine.ts";
import type { ScheduledEvent } from "./event-heap.ts";
import { type RequestOutcome, SimProvider } from "./provider.ts";
import { type Random, RandomStreams } from "./random.ts";
import { TraceArrivals } from "./trace-arrivals.ts";
import { type ContextManagerFactory, SessionRunner } from "./session-runner.ts";
import { planSessions } from "./sessions.ts";
import { type ArrivalSource, type TaskPlan, type TaskRole, Workload } from "./workload.ts";

export interface RunOptions {
  readonly scenario: Scenario;
  readonly policy: PolicySpec;
  readonly seed: number;
  /** Where events go; a metrics collector, a JSONL writer, or both. */
  readonly sinks: readonly EventSink[];
  /** Builds the ledger; tests substitute deliberately broken ones (mutants) to show the checks catch them. */
  readonly createLedger?: ((limits: Readonly<Record<string, number>>, clock: Clock) => LeaseLedger) | undefined;
  /** Builds the scheduler from its parts; the same use as createLedger. */
  readonly createScheduler?: SchedulerFactory | undefined;
  /** Builds each provider's request controller; the same use as createLedger. */
  readonly createController?: ControllerFactory | undefined;
  /** Builds each session's context manager; the same use as createLedger. */
  readonly createContextManager?: ContextManagerFactory | undefined;
}

/** The context manager of a policy that names none. */
const DEFAULT_CONTEXT = { kind: "sliding_window", options: {} } as const;

/** Whatever builds the run's DagScheduler from the parts the simulation made; `new DagScheduler(...)` by default. */
export type SchedulerFactory = <P>(...parts: ConstructorParameters<typeof DagScheduler<P>>) => DagScheduler<P>;

const realScheduler: SchedulerFactory = (...parts) => new DagScheduler(...parts);

export interface RunResult {
  readonly makespanMs: number;
  readonly events: number;
  readonly jobs: number;
  /** What the ledger itself still holds at the end, per resource: all zero unless a release was lost. */
  readonly heldAtEnd: Readonly<Record<string, number>>;
}

/** Raised when a run cannot finish: it would otherwise end silently with work left. */
export class SimulationError extends Error {
  override name = "SimulationError";
}

export function simulate(options: RunOptions): RunResult {
  return new Simulation(options).run();
}

const ARRIVAL = 0;
const SPAWN_DONE = 1;
const REQUEST_DONE = 2;
const RETRY_DUE = 3;
const WORKER_STOPPED = 4;
const JOB_CANCEL = 5;
const ASK_ANSWER = 6;
const SHUTDOWN = 7;
const SEND_DUE = 8;

/** What the scheduler carries for the simulation in each task. */
interface TaskPayload {
  readonly plan: TaskPlan;
  readonly template: JobTemplate;
  readonly provider: SimProvider;
  /** The task's value of the policy's queue `group_by`. */
  readonly group: string;
  /** Input plus maximum output over its requests: what a provider charges up front. */
  readonly costTokens: number;
  readonly inputTokens: number;
}

type Task = SchedulerTask<TaskPayload>;

interface Route {
  readonly provider: SimProvider;
  readonly resources: ResourceVector;
}

interface Worker {
  readonly id: number;
  readonly task: Task;
  /** The provider's controller, which every request of the task goes through. */
  readonly controller: ProviderController;
  spawning: boolean;
  stopRequested: boolean;
  stalled: boolean;
  callIndex: number;
  attempt: number;
  request: number;
  outcome: RequestOutcome | undefined;
  /** The controller's ticket of the request in flight. */
  ticket: RequestTicket | undefined;
  /** Why the controller holds the next request back, while it does (logged once per wait). */
  delayedFor: WaitReason | undefined;
  tokensCharged: number;
}

/** Where a task that yielded its lease between two requests picks up when it runs again. */
interface ResumePoint {
  readonly callIndex: number;
  readonly tokensCharged: number;
}

class Simulation implements Orchestrator<TaskPayload> {
  private readonly engine: Engine;
  private readonly streams: RandomStreams;
  private readonly providers = new Map<string, SimProvider>();
  private readonly ledger: LeaseLedger;
  private readonly scheduler: DagScheduler<TaskPayload>;
  /** Synthetic arrivals and traces; each keeps one arrival on the agenda, so they mix by time. */
  private readonly sources: readonly ArrivalSource[];
  private readonly spawnDelay: Sampler;
  private readonly stopDelay: Sampler;
  private readonly cancelDelay: Sampler;
  private readonly workerRandom: Random;
  private readonly faultRandom: Random;
  private readonly workers = new Map<number, Worker>();
  /** Per job, how many times the simulated operator resumed it after an `ask` pause. */
  private readonly resumes = new Map<number, number>();
  /** Tasks that yielded between two requests, by task id. */
  private readonly resumePoints = new Map<number, ResumePoint>();
  /** Per template and task role: the provider and the resources, worked out once rather than per task. */
  private readonly routes = new Map<JobTemplate, Readonly<Record<TaskRole, Route>>>();
  /** Per provider: the policy's request controller (retry, AIMD, pacing, circuit breaker, retry budget). */
  private readonly rateControl: RateControl;
  /** Per provider: workers the controller told to wait until a request finishes, oldest first. */
  private readonly completionWaiters = new Map<string, Worker[]>();
  /** AIMD limits decided inside a controller call, logged and applied to the leases once it has returned. */
  private readonly pendingLimits = new Map<string, { limit: number; reason: "aimd_decrease" | "aimd_increase" }>();
  /** No spawn faults: a zero-delay spawn can complete inside the scheduler's call. */
  private readonly instantSpawns: boolean;
  /** The scenario's agent sessions, when it has any. */
  private readonly sessions: SessionRunner | undefined;
  private nextSeq = 0;
  private jobsCreated = 0;
  private arrivalsStopped = false;
  private nextWorkerId = 1;
  private nextRequestId = 1;

  constructor(private readonly options: RunOptions) {
    const { scenario, policy, seed } = options;
    this.engine = new Engine(scenario.limits.maxEvents);
    this.streams = new RandomStreams(seed);
    for (const spec of scenario.providers) this.providers.set(spec.name, new SimProvider(spec, this.streams));
    this.ledger = (options.createLedger ?? ((limits, clock) => new LeaseLedger(limits, clock)))(limitsOf(scenario, policy), this.engine.clock);
    const backoffRandom = this.streams.stream("scheduler");
    this.scheduler = (options.createScheduler ?? realScheduler)<TaskPayload>(
      this.ledger,
      createQueue<TaskRecord<TaskPayload>>(policy.queue, this.queueContext()),
      { clock: this.engine.clock, timers: this.engine, random: () => backoffRandom.next() },
      this,
      {
        design: policy.admission,
        retryBackoffBaseMs: policy.taskFailure.backoffBaseMs,
        retryBackoffMaxMs: policy.taskFailure.backoffMaxMs,
        retryJitter: policy.taskFailure.jitter,
        rejectBackoffBaseMs: policy.rejectBackoff.baseMs,
        rejectBackoffMaxMs: policy.rejectBackoff.maxMs,
        reapAfterMs: policy.reapAfterMs,
        yieldBetweenCalls: policy.yieldBetweenCalls,
      },
    );
    const rateControlRandom = this.streams.stream("rate_control");
    this.rateControl = new RateControl(
      policy.rateControl,
      retryOptionsOf(policy),
      scenario.providers.map((spec) => ({ name: spec.name, maxConcurrent: spec.maxConcurrent })),
      () => rateControlRandom.next(),
      this.rateControlListener(),
      this.engine.clock.now(),
      options.createController,
    );
    for (const template of scenario.templates) this.routes.set(template, this.routesFor(template));
    const synthetic = scenario.arrivals === undefined ? [] : [new Workload(scenario, this.streams, scenario.arrivals)];
    this.sources = [...synthetic, ...scenario.traces.map((trace) => new TraceArrivals(trace, scenario))];
    this.spawnDelay = sampler(scenario.workers.spawnMs);
    this.stopDelay = sampler(scenario.workers.stopMs);
    this.cancelDelay = sampler(scenario.faults.cancelAfterMs);
    this.workerRandom = this.streams.stream("workers");
    this.instantSpawns = scenario.workers.spawnFailureRate === 0 && scenario.workers.stallRate === 0;
    this.faultRandom = this.streams.stream("faults");
    const sessions = scenario.sessions;
    this.sessions =
      sessions === undefined
        ? undefined
        : new SessionRunner(planSessions(sessions, this.streams), policy.context ?? DEFAULT_CONTEXT, sessions.windowTokens, this.streams, this.engine, (event) => this.emit(event), options.createContextManager);
  }

  run(): RunResult {
    const { scenario, policy, seed } = this.options;
    const prices: Record<string, ProviderPrice> = {};
    for (const spec of scenario.providers) prices[spec.name] = { input_per_1k: spec.pricePer1kInputTokens, output_per_1k: spec.pricePer1kOutputTokens };
    this.emit({
      type: "run_started",
      scenario: scenario.name,
      policy: policy.name,
      seed,
      capacities: this.ledger.capacities(),
      admission: policy.admission,
      prices,
      ...this.queueDescription(),
    });
    if (scenario.shutdown !== undefined) this.engine.after(scenario.shutdown.atMs, SHUTDOWN, undefined);
    for (const source of this.sources) this.scheduleNextArrival(source);
    this.sessions?.start();
    try {
      this.engine.run(this);
    } finally {
      for (const source of this.sources) source.close();
    }
    if (this.scheduler.unfinishedJobs > 0) {
      throw new SimulationError(`${this.scheduler.unfinishedJobs} jobs never finished and nothing was left to happen (a worker that never stops?)`);
    }
    const makespanMs = this.engine.clock.now();
    this.emit({ type: "run_finished", makespan_ms: makespanMs, events: this.nextSeq + 1 });
    const heldAtEnd: Record<string, number> = {};
    for (const resource of Object.keys(this.ledger.capacities())) heldAtEnd[resource] = this.ledger.heldAmount(resource);
    return { makespanMs, events: this.nextSeq, jobs: this.jobsCreated, heldAtEnd };
  }

  /** What the run's queue is told about tasks; every value is worked out once per task, in jobDefinition. */
  private queueContext(): QueueBuildContext<TaskRecord<TaskPayload>> {
    return {
      group: (task) => task.payload.group,
      job: (task) => task.jobId,
      lane: (task) => task.payload.template.lane,
      costTokens: (task) => task.payload.costTokens,
      inputTokens: (task) => task.payload.inputTokens,
      clock: this.engine.clock,
      capacity: this.options.policy.globalMaxConcurrent,
    };
  }

  /** `run_started.queue`, for any queue but plain FIFO (whose logs stay as they were). */
  private queueDescription(): { queue?: QueueDescription } {
    const spec = this.options.policy.queue;
    if (spec.kind === "fifo") return {};
    const weights = queueKind(spec.kind)?.weights(spec) ?? assertionFailed(`queue kind ${spec.kind} is not registered`);
    return { queue: { kind: spec.kind, group_by: spec.groupBy, weights: weights.byGroup, default_weight: weights.defaultWeight } };
  }

  handle(event: ScheduledEvent): void {
    switch (event.kind) {
      case ARRIVAL:
        this.onArrival(event.subject as ArrivalSource);
        return;
      case SPAWN_DONE:
        this.onSpawnDone(event.subject as Worker);
        return;
      case REQUEST_DONE:
        this.onRequestDone(event.subject as Worker);
        return;
      case RETRY_DUE:
        this.onRetryDue(event.subject as Worker);
        return;
      case WORKER_STOPPED:
        this.onWorkerStopped(event.subject as Worker);
        return;
      case JOB_CANCEL:
        this.emit({ type: "job_cancel_requested", job: event.subject as number });
        this.scheduler.cancelJob(event.subject as number);
        return;
      case ASK_ANSWER:
        this.answerAsk(event.subject as number);
        return;
      case SEND_DUE:
        this.sendRequest(event.subject as Worker);
        return;
      case SHUTDOWN:
        this.arrivalsStopped = true;
        this.scheduler.shutdown(this.options.scenario.shutdown?.mode ?? "drain");
        return;
      default:
        assertionFailed(`unknown event kind ${event.kind}`);
    }
  }

  /** The simulated operator resumes a paused job at most max_retries times, then cancels it. */
  private answerAsk(job: number): void {
    const { ask, taskFailure } = this.options.policy;
    const resumed = this.resumes.get(job) ?? 0;
    if (ask.answer === "resume" && resumed < taskFailure.maxRetries) {
      this.resumes.set(job, resumed + 1);
      this.scheduler.resumeJob(job);
    } else {
      this.scheduler.cancelJob(job);
    }
  }

  // ---- Orchestrator: what the scheduler asks of the world ----

  record(event: SchedulerEvent): void {
    this.emit(event);
    if (event.type === "job_paused") this.engine.after(this.options.policy.ask.afterMs, ASK_ANSWER, event.job);
    else if (event.type === "job_finished") this.resumes.delete(event.job);
  }

  stillWanted(_task: Task): boolean {
    const rate = this.options.scenario.faults.staleSelectionRate;
    return rate === 0 || this.faultRandom.next() >= rate;
  }

  spawn(task: Task): void {
    const resumeAt = this.resumePoints.get(task.id);
    if (resumeAt !== undefined) this.resumePoints.delete(task.id);
    const worker: Worker = {
      id: this.nextWorkerId,
      task,
      controller: this.controllerOf(task.payload.provider.name),
      spawning: true,
      stopRequested: false,
      stalled: false,
      callIndex: resumeAt?.callIndex ?? 0,
      attempt: 1,
      request: 0,
      outcome: undefined,
      ticket: undefined,
      delayedFor: undefined,
      tokensCharged: resumeAt?.tokensCharged ?? 0,
    };
    this.nextWorkerId += 1;
    this.workers.set(task.id, worker);
    const delayMs = this.spawnDelay.sample(this.workerRandom);
    // The scheduler is mid-dispatch here, which it allows; an instant spawn with nothing to go wrong skips the
    // agenda (one event fewer per task).
    if (delayMs === 0 && this.instantSpawns) this.onSpawnDone(worker);
    else this.engine.after(delayMs, SPAWN_DONE, worker);
  }

  stop(task: Task): void {
    const worker = this.workers.get(task.id);
    if (worker === undefined) assertionFailed(`stop of task ${task.id}, which has no worker`);
    worker.stopRequested = true;
    if (worker.spawning) return;
    if (worker.outcome !== undefined) {
      this.emit({ type: "request_aborted", task: task.id, provider: task.payload.provider.name, request: worker.request });
      worker.outcome = undefined;
      this.abandonRequest(worker);
    }
    this.engine.after(this.stopDelay.sample(this.workerRandom), WORKER_STOPPED, worker);
  }

  // ---- the world ----

  private emit(event: LogEvent): void {
    const seq = this.nextSeq;
    this.nextSeq += 1;
    const timeMs = this.engine.clock.now();
    for (const sink of this.options.sinks) sink.record(seq, timeMs, event);
  }

  private scheduleNextArrival(source: ArrivalSource): void {
    const stop = this.options.scenario.stop;
    if (stop.jobs !== undefined && this.jobsCreated >= stop.jobs) return;
    const nowMs = this.engine.clock.now();
    const atMs = source.nextArrivalMs(nowMs);
    if (atMs !== undefined) this.engine.after(atMs - nowMs, ARRIVAL, source);
  }

  private onArrival(source: ArrivalSource): void {
    const { scenario } = this.options;
    if (this.arrivalsStopped) return;
    if (scenario.stop.durationMs !== undefined && this.engine.clock.now() >= scenario.stop.durationMs) return;
    // Another source may have reached the job limit since this arrival was put on the agenda.
    if (scenario.stop.jobs !== undefined && this.jobsCreated >= scenario.stop.jobs) return;
    this.jobsCreated += 1;
    const plan = source.createJob(this.jobsCreated);
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
    if (scenario.faults.jobCancelRate > 0 && this.faultRandom.next() < scenario.faults.jobCancelRate) {
      this.engine.after(this.cancelDelay.sample(this.faultRandom), JOB_CANCEL, plan.id);
    }
    this.scheduler.submit(this.jobDefinition(plan.id, template, plan.tasks));
    this.scheduleNextArrival(source);
  }

  private jobDefinition(id: number, template: JobTemplate, plans: readonly TaskPlan[]): JobDefinition<TaskPayload> {
    const { policy } = this.options;
    // A trace row may override a template's provider, lane or tenant: such a template gets its routes here.
    let routes = this.routes.get(template);
    if (routes === undefined) {
      routes = this.routesFor(template);
      this.routes.set(template, routes);
    }
    const groupBy = policy.queue.groupBy;
    const tasks: TaskDefinition<TaskPayload>[] = plans.map((plan) => {
      const route = routes[plan.role];
      const inputTokens = plan.calls.totalInputTokens();
      return {
        resources: route.resources,
        dependsOn: plan.dependsOn,
        failure: policy.taskFailure.strategy,
        maxRetries: policy.taskFailure.maxRetries,
        timeoutMs: policy.taskTimeoutMs,
        role: plan.role,
        payload: {
          plan,
          template,
          provider: route.provider,
          group: groupValue(template, id, groupBy),
          costTokens: inputTokens + plan.calls.count * template.maxOutputTokens,
          inputTokens,
        },
      };
    });
    return { id, tasks };
  }

  private routesFor(template: JobTemplate): Record<TaskRole, Route> {
    const route = (role: TaskRole): Route => {
      const providerName = this.providerFor(template, role);
      const provider = this.providers.get(providerName) ?? assertionFailed(`no provider ${providerName}`);
      return { provider, resources: this.resourcesFor(template, providerName) };
    };
    return { call: route("call"), plan: route("plan"), work: route("work"), aggregate: route("aggregate") };
  }

  /** The fallback chain: the task's explicit provider → the policy's or scenario's orchestrator provider (plan, aggregate) → primary. */
  private providerFor(template: JobTemplate, role: TaskRole): string {
    const explicit = template.roleProviders[role];
    if (explicit !== undefined) return explicit;
    const orchestrating = role === "plan" || role === "aggregate";
    return (orchestrating ? (this.options.policy.orchestratorProvider ?? this.options.scenario.orchestratorProvider) : undefined) ?? template.provider;
  }

  private resourcesFor(template: JobTemplate, providerName: string): ResourceVector {
    const { policy } = this.options;
    const vector: Record<string, number> = { [`provider:${providerName}`]: 1, ...template.resources };
    if (policy.globalMaxConcurrent !== undefined) vector.global = 1;
    if (policy.modeLimits[template.mode] !== undefined) vector[`mode:${template.mode}`] = 1;
    if (policy.projectLimits[template.tenant] !== undefined) vector[`project:${template.tenant}`] = 1;
    if (template.mode === "mention" && policy.projectMentionLimits[template.tenant] !== undefined) {
      vector[`project:${template.tenant}:mention`] = 1;
    }
    return vector;
  }

  private onSpawnDone(worker: Worker): void {
    worker.spawning = false;
    const task = worker.task;
    if (worker.stopRequested) {
      // Asked to stop while it was starting: it stops as it comes up, and says so like any other worker.
      this.workers.delete(task.id);
      this.emit({ type: "worker_stopped", task: task.id, worker: worker.id });
      this.scheduler.stopped(task);
      return;
    }
    const { workers } = this.options.scenario;
    if (workers.spawnFailureRate > 0 && this.faultRandom.next() < workers.spawnFailureRate) {
      this.workers.delete(task.id);
      this.emit({ type: "spawn_failed", task: task.id, worker: worker.id });
      this.scheduler.spawnFailed(task);
      return;
    }
    this.emit({ type: "worker_spawned", task: task.id, worker: worker.id });
    if (workers.stallRate > 0 && this.faultRandom.next() < workers.stallRate) {
      worker.stalled = true;
      this.emit({ type: "worker_stalled", task: task.id, worker: worker.id });
      this.scheduler.started(task, worker.id, () => undefined);
      return;
    }
    this.scheduler.started(task, worker.id, () => this.startRequest(worker));
  }

  private startRequest(worker: Worker): void {
    if (worker.stopRequested) return;
    const task = worker.task;
    const { plan, template } = task.payload;
    const charged = plan.calls.inputTokens(worker.callIndex) + template.maxOutputTokens;
    const budget = this.options.policy.tokenBudget;
    if (budget !== undefined && worker.tokensCharged + charged > budget.tokensPerTask) {
      const enforced = budget.enforcement === "hard";
      this.emit({ type: "budget_exceeded", task: task.id, tokens: worker.tokensCharged + charged, budget: budget.tokensPerTask, enforced });
      if (enforced) {
        this.workers.delete(task.id);
        this.scheduler.failed(task, "error");
        return;
      }
    }
    worker.tokensCharged += charged;
    this.sendRequest(worker);
  }

  /** Sends the worker's request, or waits as the provider's controller says; asked again when the wait ends. */
  private sendRequest(worker: Worker): void {
    if (worker.stopRequested) return;
    const task = worker.task;
    const { plan, template, provider } = task.payload;
    const inputTokens = plan.calls.inputTokens(worker.callIndex);
    const charged = inputTokens + template.maxOutputTokens;
    const nowMs = this.engine.clock.now();
    const decision = worker.controller.beforeSend(nowMs, charged, worker.attempt);
    switch (decision.kind) {
      case "send":
        worker.ticket = decision.ticket;
        worker.delayedFor = undefined;
        break;
      case "wait":
        this.delayed(worker, decision.reason, decision.untilMs);
        this.engine.after(decision.untilMs - nowMs, SEND_DUE, worker);
        return;
      case "wait_for_completion":
        this.delayed(worker, decision.reason, undefined);
        this.waitersOf(provider.name).push(worker);
        return;
      case "refuse":
        this.emit({ type: "request_refused", task: task.id, provider: provider.name, reason: decision.reason, attempt: worker.attempt });
        this.workers.delete(task.id);
        this.scheduler.failed(task, "error");
        return;
    }
    worker.request = this.nextRequestId;
    this.nextRequestId += 1;
    this.emit({
      type: "request_started",
      task: task.id,
      provider: provider.name,
      request: worker.request,
      attempt: worker.attempt,
      tokens: charged,
      input_tokens: inputTokens,
    });
    this.scheduler.progress(task);
    const outcome = provider.request(this.engine.clock.now(), inputTokens, template.maxOutputTokens, plan.calls.outputTokens(worker.callIndex));
    worker.outcome = outcome;
    this.engine.after(outcome.durationMs, REQUEST_DONE, worker);
  }

  private onRequestDone(worker: Worker): void {
    const outcome = worker.outcome;
    // Aborted: the worker was stopped while the request was in flight.
    if (outcome === undefined || worker.stopRequested) return;
    worker.outcome = undefined;
    const task = worker.task;
    const crashRate = this.options.scenario.workers.crashRate;
    if (crashRate > 0 && this.faultRandom.next() < crashRate) {
      // The worker process died with the request in flight; the orchestrator sees it exit and reports a failure.
      this.workers.delete(task.id);
      this.emit({ type: "request_aborted", task: task.id, provider: task.payload.provider.name, request: worker.request });
      this.emit({ type: "worker_crashed", task: task.id, worker: worker.id });
      this.abandonRequest(worker);
      this.scheduler.failed(task, "error");
      return;
    }
    const provider = task.payload.provider.name;
    this.emit({
      type: "request_finished",
      task: task.id,
      provider,
      request: worker.request,
      status: outcome.status,
      ...(outcome.retryAfterMs === undefined ? {} : { retry_after_ms: outcome.retryAfterMs }),
      output_tokens: outcome.outputTokens,
      ...(outcome.headers === undefined ? {} : { rate_limit: rateLimitFields(outcome.headers) }),
    });
    this.scheduler.progress(task);
    const ticket = worker.ticket ?? assertionFailed(`request ${worker.request} of task ${task.id} finished without a ticket`);
    worker.ticket = undefined;
    const decision = worker.controller.afterResponse(ticket, this.engine.clock.now(), outcome);
    // The new limit is in force for requests and leases alike before anything else may send or admit.
    this.applyPendingLimits();
    this.wakeWaiters(provider);
    this.afterDecision(worker, outcome, decision);
  }

  /** What the worker does after an answer, as the controller decided. */
  private afterDecision(worker: Worker, outcome: RequestOutcome, decision: ResponseDecision): void {
    const task = worker.task;
    if (decision.kind === "done") {
      this.scheduler.serviceReceived(task, { inputTokens: task.payload.plan.calls.inputTokens(worker.callIndex), outputTokens: outcome.outputTokens, providerMs: outcome.durationMs });
      worker.callIndex += 1;
      worker.attempt = 1;
      if (worker.callIndex < task.payload.plan.calls.count) {
        if (this.scheduler.shouldYield(task)) this.yieldBetweenCalls(worker);
        else this.startRequest(worker);
      } else {
        this.workers.delete(task.id);
        this.scheduler.succeeded(task);
      }
      return;
    }
    switch (decision.kind) {
      case "give_up":
        if (decision.reason === "retry_budget") {
          this.emit({ type: "retry_denied", task: task.id, provider: task.payload.provider.name, reason: decision.reason, attempt: worker.attempt });
        }
        this.workers.delete(task.id);
        this.scheduler.failed(task, "error");
        return;
      case "salvage":
        this.workers.delete(task.id);
        this.scheduler.failed(task, "salvage");
        return;
      case "retry":
        this.engine.after(decision.delayMs, RETRY_DUE, worker);
        worker.attempt += 1;
        return;
    }
  }

  /** Preempted at a safe point: the worker ends between two requests, and the task queues again for a new lease. */
  private yieldBetweenCalls(worker: Worker): void {
    const task = worker.task;
    this.workers.delete(task.id);
    this.resumePoints.set(task.id, { callIndex: worker.callIndex, tokensCharged: worker.tokensCharged });
    this.emit({ type: "worker_stopped", task: task.id, worker: worker.id });
    this.scheduler.yielded(task);
  }

  private onRetryDue(worker: Worker): void {
    if (!worker.stopRequested) this.startRequest(worker);
  }

  // ---- rate-limit control ----

  private controllerOf(provider: string): ProviderController {
    return this.rateControl.controller(provider) ?? assertionFailed(`provider ${provider} has no request controller`);
  }

  private waitersOf(provider: string): Worker[] {
    let waiters = this.completionWaiters.get(provider);
    if (waiters === undefined) {
      waiters = [];
      this.completionWaiters.set(provider, waiters);
    }
    return waiters;
  }

  /** Logs the start of a wait the controller imposed, once per wait and reason. */
  private delayed(worker: Worker, reason: WaitReason, untilMs: number | undefined): void {
    if (worker.delayedFor === reason) return;
    worker.delayedFor = reason;
    const task = worker.task;
    this.emit({
      type: "request_delayed",
      task: task.id,
      provider: task.payload.provider.name,
      reason,
      attempt: worker.attempt,
      ...(untilMs === undefined ? {} : { until_ms: untilMs }),
    });
  }

  /** A request finished or was given up: the workers waiting for that ask again, oldest first. */
  private wakeWaiters(provider: string): void {
    const waiters = this.completionWaiters.get(provider);
    if (waiters === undefined || waiters.length === 0) return;
    this.completionWaiters.set(provider, []);
    // A worker stopped while it waited, or replaced by a later run of its task, is dropped here.
    for (const worker of waiters) if (!worker.stopRequested && this.workers.get(worker.task.id) === worker) this.sendRequest(worker);
  }

  /** The worker's request in flight will never be answered: its controller stops counting it. */
  private abandonRequest(worker: Worker): void {
    const ticket = worker.ticket;
    if (ticket === undefined) return;
    worker.ticket = undefined;
    worker.controller.abandon(ticket, this.engine.clock.now());
    this.wakeWaiters(worker.task.payload.provider.name);
  }

  /**
   * Logs what the controllers decide. An AIMD limit is logged and reaches the leases just after the controller
   * call that decided it (applyPendingLimits): the scheduler must not be entered from inside the controller.
   */
  private rateControlListener(): RateControlListener {
    return {
      limitChanged: (provider, limit, reason) => {
        this.pendingLimits.set(`provider:${provider}`, { limit, reason });
      },
      circuitStateChanged: (provider, state: CircuitState, reason) => {
        const probes = this.controllerOf(provider).options.circuitBreaker?.probes;
        this.emit({ type: "circuit_state_changed", provider, state, reason, ...(state === "half_open" && probes !== undefined ? { probes } : {}) });
      },
    };
  }

  private applyPendingLimits(): void {
    if (this.pendingLimits.size === 0) return;
    const limits = [...this.pendingLimits];
    this.pendingLimits.clear();
    for (const [resource, { limit, reason }] of limits) {
      this.emit({ type: "limit_changed", resource, limit, reason });
      this.scheduler.setLimit(resource, limit);
    }
  }

  private onWorkerStopped(worker: Worker): void {
    this.workers.delete(worker.task.id);
    this.emit({ type: "worker_stopped", task: worker.task.id, worker: worker.id });
    this.scheduler.stopped(worker.task);
  }
}

function retryOptionsOf(policy: PolicySpec): RetryOptions {
  const retry = policy.retry;
  return {
    maxAttempts: retry.maxAttempts,
    onRateLimit: retry.onRateLimit,
    fixedDelayMs: retry.fixedDelayMs,
    backoffBaseMs: retry.errorBackoffBaseMs,
    backoffMaxMs: retry.errorBackoffMaxMs,
    backoffMultiplier: retry.backoffMultiplier,
    jitter: retry.jitter,
    salvageTransient: policy.salvageTransient,
  };
}

/** The headers as the event log spells them. */
// Built by assignment, not by spreading conditional literals: on the path of every answer, the spreads
// were about an eighth of a run's CPU time, most of it before the JIT had optimised them.
function rateLimitFields(headers: RateLimitHeaders): RateLimitFields {
  const fields: { -readonly [K in keyof RateLimitFields]: RateLimitFields[K] } = {};
  if (headers.limitRequests !== undefined) {
    fields.limit_requests = headers.limitRequests;
    fields.remaining_requests = headers.remainingRequests ?? 0;
    fields.reset_requests_ms = headers.resetRequestsMs ?? 0;
  }
  if (headers.limitTokens !== undefined) {
    fields.limit_tokens = headers.limitTokens;
    fields.remaining_tokens = headers.remainingTokens ?? 0;
    fields.reset_tokens_ms = headers.resetTokensMs ?? 0;
  }
  return fields;
}

function groupValue(template: JobTemplate, job: number, groupBy: GroupBy): string {
  switch (groupBy) {
    case "tenant":
    case "project":
      return template.tenant;
    case "lane":
      return template.lane;
    case "mode":
      return template.mode;
    case "template":
      return template.name;
    case "job":
      return String(job);
  }
}

/** The ledger's resources: the global cap, provider caps, mode and project limits, declared resources. */
function limitsOf(scenario: Scenario, policy: PolicySpec): Record<string, number> {
  const limits: Record<string, number> = { ...scenario.resources };
  if (policy.globalMaxConcurrent !== undefined) limits.global = policy.globalMaxConcurrent;
  for (const spec of scenario.providers) limits[`provider:${spec.name}`] = spec.maxConcurrent;
  for (const [mode, limit] of Object.entries(policy.modeLimits)) limits[`mode:${mode}`] = limit;
  for (const [tenant, limit] of Object.entries(policy.projectLimits)) limits[`project:${tenant}`] = limit;
  for (const [tenant, limit] of Object.entries(policy.projectMentionLimits)) limits[`project:${tenant}:mention`] = limit;
  return limits;
}
