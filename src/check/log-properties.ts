// The safety properties of a run, checked from its event log alone, so they hold for any policy without knowing
// its internals: capacity never exceeded, every lease released exactly once (and only once its worker has
// stopped), nothing held or lost at the end, job statuses consistent with their tasks, and (for
// lease-before-spawn policies) no hidden waiters; and of request-level control, no more requests in flight to a
// provider than its current limit (AIMD moves it) and nothing sent through an open circuit but its probes; and of
// agent sessions, no assembled context larger than the session's window.
// Streams as an EventSink: a run of millions of events is checked without keeping its log.

import type { EventSink, LogEvent } from "../eventlog/events.ts";

export const PROPERTIES = [
  "capacity_never_exceeded",
  "lease_released_exactly_once",
  "lease_held_until_worker_stops",
  "nothing_held_at_end",
  "nothing_lost",
  "job_status_consistent",
  "no_hidden_waiters",
  "requests_within_limit",
  "breaker_sends_only_probes",
  "context_within_window",
] as const;
export type Property = (typeof PROPERTIES)[number];

export interface Violation {
  readonly property: Property;
  /** The event where it was seen, or -1 when found at the end of the log. */
  readonly seq: number;
  readonly message: string;
}

/** Kept per property: the first ones say what went wrong, and one flood cannot hide another property. */
const MAX_VIOLATIONS_PER_PROPERTY = 5;

export class LogChecker implements EventSink {
  /** Every design but spawn_then_wait takes all of a task's capacity before its worker exists. */
  private leasesBeforeSpawn = false;
  private readonly held = new Map<string, number>();
  private readonly openLeases = new Map<number, { readonly task: number; readonly resources: Readonly<Record<string, number>> }>();
  /** Per task, how many leases it holds now. */
  private readonly leasesOfTask = new Map<number, number>();
  /** Tasks whose worker is up: from worker_spawned until it stopped, crashed, or its run's lease was released. */
  private readonly liveWorkers = new Map<number, number>();
  /** Tasks whose worker was asked to stop and has not stopped yet. */
  private readonly stopPending = new Map<number, number>();
  /** Lease ids are small and dense: one byte each says it was released (a Set would top out at 2^24 entries). */
  private closedLeases = new Uint8Array(1024);
  private readonly openJobs = new Set<number>();
  private readonly openTasks = new Set<number>();
  private readonly jobsWithUnsuccessfulTask = new Set<number>();
  private readonly found: Violation[] = [];
  private readonly foundPerProperty = new Map<Property, number>();
  private finished = false;
  private hiddenWaitersMax = 0;
  private waiting = 0;
  /** Per resource, what may be held now: the capacity, or what the last limit_changed said. */
  private readonly currentLimits = new Map<string, number>();
  /** Per provider, requests started and not yet finished or aborted. */
  private readonly inFlight = new Map<string, number>();
  /**
   * Per provider whose circuit is not closed: its state and, half-open, the probes it may still send and the
   * requests sent as probes (an aborted probe gives its place back).
   */
  private readonly circuits = new Map<string, { state: "open" | "half_open"; probesLeft: number; probes: Set<number> }>();

  /** Per session, its window in tokens (session_started). */
  private readonly windows = new Map<number, number>();

  record(seq: number, _timeMs: number, event: LogEvent): void {
    switch (event.type) {
      case "session_started":
        this.windows.set(event.session, event.window_tokens);
        return;
      case "context_assembled": {
        const window = this.windows.get(event.session) ?? 0;
        if (event.tokens > window) this.violate("context_within_window", seq, `session ${event.session} turn ${event.turn}: a context of ${event.tokens} tokens in a window of ${window}`);
        return;
      }
      case "run_started":
        for (const [resource, limit] of Object.entries(event.capacities)) this.currentLimits.set(resource, limit);
        this.leasesBeforeSpawn = event.admission !== "spawn_then_wait";
        return;
      case "job_arrived":
        this.openJobs.add(event.job);
        return;
      case "task_ready":
        this.openTasks.add(event.task);
        return;
      case "task_finished":
        this.openTasks.delete(event.task);
        // Under the skip strategy a job completes with skipped tasks; anything else unsuccessful fails it.
        if (event.status !== "completed" && event.status !== "skipped") this.jobsWithUnsuccessfulTask.add(event.job);
        return;
      case "job_finished":
        if (!this.openJobs.delete(event.job)) this.violate("nothing_lost", seq, `job ${event.job} finished twice or never arrived`);
        if (event.status === "completed" && this.jobsWithUnsuccessfulTask.has(event.job)) {
          this.violate("job_status_consistent", seq, `job ${event.job} reported completed but one of its tasks did not complete`);
        }
        this.jobsWithUnsuccessfulTask.delete(event.job);
        return;
      case "lease_acquired":
        this.onAcquired(seq, event.lease, event.task, event.resources);
        return;
      case "lease_released":
        this.onReleased(seq, event.lease, event.task, event.result);
        return;
      case "worker_spawned":
        this.liveWorkers.set(event.task, event.worker);
        if (this.leasesBeforeSpawn && (this.leasesOfTask.get(event.task) ?? 0) === 0) {
          this.violate("no_hidden_waiters", seq, `worker ${event.worker} of task ${event.task} was spawned before its task held a lease`);
        }
        return;
      case "worker_stop_requested":
        this.stopPending.set(event.task, seq);
        return;
      case "worker_stopped":
      case "worker_crashed":
        this.stopPending.delete(event.task);
        this.liveWorkers.delete(event.task);
        return;
      case "worker_wait_started":
        this.waiting += 1;
        this.hiddenWaitersMax = Math.max(this.hiddenWaitersMax, this.waiting);
        if (this.leasesBeforeSpawn) {
          this.violate("no_hidden_waiters", seq, `worker ${event.worker} of task ${event.task} waits for ${event.resource} after spawning`);
        }
        return;
      case "worker_wait_ended":
        this.waiting -= 1;
        return;
      case "limit_changed":
        this.currentLimits.set(event.resource, event.limit);
        return;
      case "circuit_state_changed":
        if (event.state === "closed") this.circuits.delete(event.provider);
        else this.circuits.set(event.provider, { state: event.state, probesLeft: event.state === "half_open" ? (event.probes ?? 0) : 0, probes: new Set() });
        return;
      case "request_started":
        this.onRequestStarted(seq, event.provider, event.request);
        return;
      case "request_finished":
        this.inFlight.set(event.provider, (this.inFlight.get(event.provider) ?? 0) - 1);
        return;
      case "request_aborted": {
        this.inFlight.set(event.provider, (this.inFlight.get(event.provider) ?? 0) - 1);
        const circuit = this.circuits.get(event.provider);
        if (circuit?.probes.delete(event.request) === true) circuit.probesLeft += 1;
        return;
      }
      case "run_finished":
        this.finished = true;
        this.atEnd();
        return;
      default:
        return;
    }
  }

  /** Every violation seen so far (the end-of-log checks only once run_finished was recorded). */
  violations(): readonly Violation[] {
    if (!this.finished && !this.found.some((violation) => violation.seq === -1)) {
      this.violate("nothing_lost", -1, "the log ends without run_finished");
    }
    return this.found;
  }

  /** The most workers waiting for scheduler capacity at once: the hidden waiters this run had. */
  get hiddenWaiters(): number {
    return this.hiddenWaitersMax;
  }

  private onRequestStarted(seq: number, provider: string, request: number): void {
    const inFlight = (this.inFlight.get(provider) ?? 0) + 1;
    this.inFlight.set(provider, inFlight);
    const limit = this.currentLimits.get(`provider:${provider}`);
    if (limit !== undefined && inFlight > limit) {
      this.violate("requests_within_limit", seq, `request ${request} made ${inFlight} in flight to ${provider}, above its limit of ${limit}`);
    }
    const circuit = this.circuits.get(provider);
    if (circuit === undefined) return;
    if (circuit.state === "open") {
      this.violate("breaker_sends_only_probes", seq, `request ${request} was sent to ${provider} while its circuit was open`);
    } else if (circuit.probesLeft === 0) {
      this.violate("breaker_sends_only_probes", seq, `request ${request} was sent to ${provider} while half-open, beyond its probes`);
    } else {
      circuit.probesLeft -= 1;
      circuit.probes.add(request);
    }
  }

  private onAcquired(seq: number, lease: number, task: number, resources: Readonly<Record<string, number>>): void {
    if (this.openLeases.has(lease) || this.isClosed(lease)) {
      this.violate("lease_released_exactly_once", seq, `lease ${lease} acquired twice`);
    }
    const worker = this.liveWorkers.get(task);
    if (this.leasesBeforeSpawn && worker !== undefined) {
      this.violate("no_hidden_waiters", seq, `task ${task} took lease ${lease} after its worker ${worker} was spawned: the worker waited for capacity`);
    }
    this.openLeases.set(lease, { task, resources });
    this.leasesOfTask.set(task, (this.leasesOfTask.get(task) ?? 0) + 1);
    for (const [resource, amount] of Object.entries(resources)) {
      const now = (this.held.get(resource) ?? 0) + amount;
      this.held.set(resource, now);
      const limit = this.currentLimits.get(resource);
      if (limit === undefined) this.violate("capacity_never_exceeded", seq, `resource ${resource} has no declared capacity`);
      else if (now > limit) this.violate("capacity_never_exceeded", seq, `${resource} held ${now} > limit ${limit}`);
    }
  }

  private onReleased(seq: number, lease: number, task: number, result: string): void {
    if (result === "duplicate" || result === "unknown") {
      // The ledger refused it, so no count moved; but a policy that releases what it does not hold is broken.
      this.violate("lease_released_exactly_once", seq, `lease ${lease} of task ${task} released again (the ledger answered ${result})`);
      return;
    }
    if (result !== "released") return;
    const open = this.openLeases.get(lease);
    if (open === undefined) {
      const what = this.isClosed(lease) ? "twice" : "but never acquired";
      this.violate("lease_released_exactly_once", seq, `lease ${lease} released ${what}`);
      return;
    }
    const stopRequestedAt = this.stopPending.get(open.task);
    if (stopRequestedAt !== undefined) {
      this.violate(
        "lease_held_until_worker_stops",
        seq,
        `lease ${lease} of task ${open.task} released while its worker was still stopping (stop requested at seq ${stopRequestedAt}, no worker_stopped yet)`,
      );
    }
    this.openLeases.delete(lease);
    this.close(lease);
    const remaining = (this.leasesOfTask.get(open.task) ?? 0) - 1;
    if (remaining > 0) this.leasesOfTask.set(open.task, remaining);
    else this.leasesOfTask.delete(open.task);
    // A released run is over: its worker finished, failed or stopped (the last is checked just above).
    this.liveWorkers.delete(open.task);
    for (const [resource, amount] of Object.entries(open.resources)) this.held.set(resource, (this.held.get(resource) ?? 0) - amount);
  }

  private isClosed(lease: number): boolean {
    return Number.isSafeInteger(lease) && lease >= 0 && lease < this.closedLeases.length && this.closedLeases[lease] === 1;
  }

  private close(lease: number): void {
    if (!Number.isSafeInteger(lease) || lease < 0) return;
    if (lease >= this.closedLeases.length) {
      const grown = new Uint8Array(Math.max(lease + 1, this.closedLeases.length * 2));
      grown.set(this.closedLeases);
      this.closedLeases = grown;
    }
    this.closedLeases[lease] = 1;
  }

  private atEnd(): void {
    for (const lease of this.openLeases.keys()) this.violate("lease_released_exactly_once", -1, `lease ${lease} was never released`);
    for (const [resource, amount] of this.held) {
      if (Math.abs(amount) > 1e-9) this.violate("nothing_held_at_end", -1, `${resource} still held ${amount} at the end`);
    }
    if (this.openJobs.size > 0) this.violate("nothing_lost", -1, `${this.openJobs.size} jobs never finished`);
    if (this.openTasks.size > 0) this.violate("nothing_lost", -1, `${this.openTasks.size} ready tasks never finished`);
  }

  private violate(property: Property, seq: number, message: string): void {
    const count = this.foundPerProperty.get(property) ?? 0;
    this.foundPerProperty.set(property, count + 1);
    if (count < MAX_VIOLATIONS_PER_PROPERTY) this.found.push({ property, seq, message });
  }
}
