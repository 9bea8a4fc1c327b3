// Admission for orchestrators written with async/await: `acquire` waits in a ready queue until the ledger can
// grant a whole resource vector, `run` holds a lease around an async function. A thin facade over the same
// sync core as the simulator (queue for ordering, ledger for accounting); it owns no timers and reads no clock.

import { LeaseAdmission } from "./admission.ts";
import type { Clock } from "./clock.ts";
import { FifoQueue } from "./queues/fifo.ts";
import { type Demand, type Lease, LeaseLedger, type ReleaseReason, type ReleaseResult, type ResourceVector } from "./lease-ledger.ts";
import type { QueueContext } from "./queues/queue-context.ts";
import type { Queueable, ReadyQueue, ServiceUsage } from "./ready-queue.ts";

export interface AcquireOptions {
  /** Aborting it while the caller waits takes the caller out of the queue; the promise rejects with its reason. */
  readonly signal?: AbortSignal;
  /** The task recorded on the lease; 0 when not given. */
  readonly task?: number;
  /** For fair queues (see `AsyncAdmission.waiterContext`): the caller's group (a tenant, a lane …); "" when not given. */
  readonly group?: string;
  /** The program the call belongs to, for queues that rank whole programs (mlfq, las); a new one per call when not given. */
  readonly job?: number;
  /** The caller's lane, for MLFQ; "batch" when not given. */
  readonly lane?: string;
  /** Tokens the call is expected to use (input + maximum output), for queues that cost by tokens; 1 when not given. */
  readonly costTokens?: number;
}

/** Why a waiter was refused: `shutdown` was called. */
export class AdmissionClosedError extends Error {
  override name = "AdmissionClosedError";
}

/** A caller waiting for capacity, as the ready queue sees it. */
export class AdmissionWaiter implements Queueable {
  /** The listener on `signal` while the caller waits (set when it has a signal); removed from it once the wait is over. */
  onAbort: (() => void) | undefined = undefined;

  constructor(
    readonly id: number,
    readonly demand: Demand,
    readonly signal: AbortSignal | undefined,
    readonly grant: (lease: Lease) => void,
    readonly refuse: (reason: unknown) => void,
    readonly job: number,
    readonly group: string = "",
    readonly lane: string = "batch",
    readonly costTokens: number = 1,
  ) {}
}

export class AsyncAdmission {
  private readonly core: LeaseAdmission<AdmissionWaiter>;
  /** Granted leases by id, with their waiter: the queue is told when each comes back (share-based queues count them). */
  private readonly granted = new Map<number, AdmissionWaiter>();
  private readonly admitted = (waiter: AdmissionWaiter, lease: Lease): void => {
    this.stopWatching(waiter);
    this.granted.set(lease.id, waiter);
    waiter.grant(lease);
  };
  private closed = false;
  /** Calls without a job of their own each count as one: numbered −1, −2, … apart from the caller's job ids. */
  private nextCall = 1;

  /** `queue` decides who goes next (FIFO by default); the ledger decides whether capacity allows it. */
  constructor(
    readonly ledger: LeaseLedger,
    queue: ReadyQueue<AdmissionWaiter> = new FifoQueue<AdmissionWaiter>(),
  ) {
    this.core = new LeaseAdmission(ledger, queue);
  }

  /**
   * What a fair queue needs to know about waiters, read from their acquire options: build e.g.
   * `new WfqQueue(options, AsyncAdmission.waiterContext(clock))` and pass it to the constructor.
   */
  static waiterContext(clock: Clock): QueueContext<AdmissionWaiter> {
    return {
      group: (waiter) => waiter.group,
      job: (waiter) => waiter.job,
      lane: (waiter) => waiter.lane,
      costTokens: (waiter) => waiter.costTokens,
      inputTokens: (waiter) => waiter.costTokens,
      clock,
    };
  }

  /** A facade with its own ledger: resource key → the most that may be held at once. */
  static withLimits(limits: Readonly<Record<string, number>>, clock: Clock): AsyncAdmission {
    return new AsyncAdmission(new LeaseLedger(limits, clock));
  }

  /** Callers waiting for capacity. */
  get waiting(): number {
    return this.core.queue.size;
  }

  /**
   * A lease on every resource of the vector, taken in one step. Resolves at once (on the next microtask) when
   * the queue lets the caller through and capacity allows; otherwise waits in queue order, holding nothing.
   */
  acquire(resources: ResourceVector, options: AcquireOptions = {}): Promise<Lease> {
    return new Promise<Lease>((resolve, reject) => {
      // A throw in here rejects the promise: the caller always gets a promise, never a synchronous error.
      if (this.closed) throw new AdmissionClosedError("the admission was shut down");
      options.signal?.throwIfAborted();
      const demand = this.ledger.demand(resources);
      this.assertGrantable(demand);
      const job = options.job ?? -this.nextCall;
      this.nextCall += 1;
      const waiter = new AdmissionWaiter(options.task ?? 0, demand, options.signal, resolve, reject, job, options.group, options.lane, options.costTokens);
      this.watch(waiter);
      this.core.submit(waiter);
      this.core.dispatch(this.admitted);
    });
  }

  /** Gives the lease back (never throws) and, if that freed capacity, admits waiters in queue order now. */
  release(lease: Lease, reason: ReleaseReason): ReleaseResult {
    const result = this.ledger.release(lease, reason);
    if (result !== "released") return result;
    const waiter = this.granted.get(lease.id);
    if (waiter !== undefined) {
      this.granted.delete(lease.id);
      this.core.queue.released?.(waiter);
    }
    this.core.dispatch(this.admitted);
    return result;
  }

  /**
   * Changes what may be held of a resource from now on (LeaseLedger.setLimit), e.g. from an AIMD controller, and
   * admits waiters a raise made room for. A lower limit takes no lease back.
   */
  setLimit(resource: string, limit: number): void {
    this.ledger.setLimit(resource, limit);
    this.core.dispatch(this.admitted);
  }

  /** Service a granted lease's holder received (a request finished): for queues that order by service (vtc, mlfq, las). */
  charge(lease: Lease, usage: ServiceUsage): void {
    const waiter = this.granted.get(lease.id);
    if (waiter !== undefined) this.core.queue.charge?.(waiter, usage);
  }

  /**
   * Runs `fn` holding a lease and releases it exactly once when `fn` settles: `success` if it resolved, `cancel`
   * if it failed after the signal aborted, `failure` otherwise. `fn` is not called if the signal aborted while
   * the lease was on its way.
   */
  async run<T>(resources: ResourceVector, fn: (lease: Lease, signal: AbortSignal) => Promise<T>, options: AcquireOptions = {}): Promise<T> {
    const lease = await this.acquire(resources, options);
    // fn always gets a signal, even when the caller gave none.
    const signal = options.signal ?? new AbortController().signal;
    let reason: ReleaseReason = "failure";
    try {
      signal.throwIfAborted();
      const value = await fn(lease, signal);
      reason = "success";
      return value;
    } catch (error) {
      if (signal.aborted) reason = "cancel";
      throw error;
    } finally {
      this.release(lease, reason);
    }
  }

  /** Refuses every waiter and every later acquire. Leases already granted stay held until released. */
  shutdown(): void {
    this.closed = true;
    const queue = this.core.queue;
    // Not select and commit: a share-based queue may hold every waiting group back (select finds nobody while
    // waiters remain), and it counts a committed waiter as running for good. Removing the waiters in the queue's
    // own order takes each off the head of its list, so this stays linear for the FIFO-based kinds.
    for (const waiter of queue.ordered()) {
      queue.remove(waiter);
      this.stopWatching(waiter);
      waiter.refuse(new AdmissionClosedError("the admission was shut down while this caller waited"));
    }
  }

  /** A demand above a limit would wait forever, unseen: refuse it up front. */
  private assertGrantable(demand: Demand): void {
    const resource = this.ledger.overLimit(demand);
    if (resource === undefined) return;
    const limit = this.ledger.capacityOf(resource);
    throw new RangeError(`the request needs ${demand.vector[resource]} of ${resource} but its limit is ${limit}: it could never be granted`);
  }

  private watch(waiter: AdmissionWaiter): void {
    if (waiter.signal === undefined) return;
    const signal = waiter.signal;
    // No { once: true }: the listener fires at most once anyway, as every way out of the queue removes it.
    waiter.onAbort = () => this.withdraw(waiter, signal);
    signal.addEventListener("abort", waiter.onAbort);
  }

  /** Called once per waiter, when it leaves the queue (granted, withdrawn or refused). */
  private stopWatching(waiter: AdmissionWaiter): void {
    if (waiter.signal !== undefined) waiter.signal.removeEventListener("abort", waiter.onAbort as () => void);
  }

  private withdraw(waiter: AdmissionWaiter, signal: AbortSignal): void {
    // Not queued any more: it was granted or refused already, and the lease (if any) is the caller's.
    if (!this.core.queue.remove(waiter)) return;
    this.stopWatching(waiter);
    waiter.refuse(signal.reason);
    // A queue with head-of-line order may have held others behind this waiter.
    this.core.dispatch(this.admitted);
  }
}
