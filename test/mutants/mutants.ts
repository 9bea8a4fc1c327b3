// Deliberately broken policies (mutants), each the bug the issue names and orchestrators keep shipping. They
// are built from the real parts with one thing changed, through the simulator's createLedger and
// createScheduler hooks; test/check/mutants.test.ts shows that the swarm's properties catch every one.

import type { PolicyVariant } from "../../src/check/swarm.ts";
import type { Property } from "../../src/check/log-properties.ts";
import type { Clock } from "../../src/policies/clock.ts";
import { DagScheduler, type Orchestrator, type TaskRecord } from "../../src/policies/dag-scheduler.ts";
import { type Demand, type Lease, LeaseLedger, type ReleaseReason, type ReleaseResult } from "../../src/policies/lease-ledger.ts";

export interface Mutant {
  readonly name: string;
  readonly variant: PolicyVariant;
  /** The property that must catch it. */
  readonly caughtBy: Property;
}

type Limits = Readonly<Record<string, number>>;

/** A release for a cancellation reports success but gives nothing back: a leaked permit. */
class SkipReleaseOnCancel extends LeaseLedger {
  override release(lease: Lease, reason: ReleaseReason): ReleaseResult {
    return reason === "cancel" ? "released" : super.release(lease, reason);
  }
}

/** Every release is applied one call late (counts that lag); the last one never is. */
class LateRelease extends LeaseLedger {
  private pending: [Lease, ReleaseReason] | undefined;
  override release(lease: Lease, reason: ReleaseReason): ReleaseResult {
    const previous = this.pending;
    this.pending = [lease, reason];
    if (previous !== undefined) super.release(...previous);
    return "released";
  }
}

/**
 * Check-then-act: an acquire checks the counts as they stood when the current instant began, then takes the
 * capacity without looking again, as code that reads a count, awaits, then increments. Acquisitions made in
 * the same instant do not see each other.
 */
class CheckThenActLedger extends LeaseLedger {
  private readonly checked = new Map<string, number>();
  private readonly notYetSeen = new Map<string, number>();
  private readonly open = new Set<Lease>();
  private instant = -1;
  private nextId = 1;

  constructor(
    limits: Limits,
    private readonly time: Clock,
  ) {
    super(limits, time);
  }

  override canAcquire(demand: Demand): boolean {
    this.catchUp();
    return Object.entries(demand.vector).every(([resource, amount]) => (this.checked.get(resource) ?? 0) + amount <= this.limitOf(resource));
  }

  override tryAcquire(demand: Demand, task: number): Lease | undefined {
    if (!this.canAcquire(demand)) return undefined;
    for (const [resource, amount] of Object.entries(demand.vector)) add(this.notYetSeen, resource, amount);
    const lease: Lease = { id: this.nextId, task, demand, acquiredAtMs: this.time.now(), generation: 1 };
    this.nextId += 1;
    this.open.add(lease);
    return lease;
  }

  override release(lease: Lease): ReleaseResult {
    if (!this.open.delete(lease)) return "duplicate";
    this.catchUp();
    for (const [resource, amount] of Object.entries(lease.demand.vector)) add(this.checked, resource, -amount);
    return "released";
  }

  override heldAmount(resource: string): number {
    this.catchUp();
    return (this.checked.get(resource) ?? 0) + (this.notYetSeen.get(resource) ?? 0);
  }

  private catchUp(): void {
    if (this.time.now() === this.instant) return;
    this.instant = this.time.now();
    for (const [resource, amount] of this.notYetSeen) add(this.checked, resource, amount);
    this.notYetSeen.clear();
  }
}

function add(counts: Map<string, number>, resource: string, amount: number): void {
  counts.set(resource, (counts.get(resource) ?? 0) + amount);
}

/** A retried task's lease is released twice, as a `catch` and a `finally` that both release. */
class ReleaseTwiceOnRetry<P> extends DagScheduler<P> {
  protected override release(task: TaskRecord<P>, lease: Lease, reason: ReleaseReason): void {
    super.release(task, lease, reason);
    if (reason === "retry") super.release(task, lease, reason);
  }
}

/** A cancel gives the capacity back when the stop is requested, while the worker is still running. */
class ReleaseOnCancelRequest<P> extends DagScheduler<P> {
  protected override requestStop(task: TaskRecord<P>, reason: ReleaseReason): void {
    super.requestStop(task, reason);
    if (task.state === "stopping" && (reason === "cancel" || reason === "shutdown")) this.releaseAll(task, reason);
  }
}

/** Passes every call through but the ones reporting a wait: the worker waits, and no one is told. */
function silentAboutWaits<P>(orchestrator: Orchestrator<P>): Orchestrator<P> {
  return {
    spawn: (task) => orchestrator.spawn(task),
    stop: (task) => orchestrator.stop(task),
    stillWanted: (task) => orchestrator.stillWanted(task),
    record: (event) => {
      if (event.type !== "worker_wait_started" && event.type !== "worker_wait_ended") orchestrator.record(event);
    },
  };
}

export const MUTANTS: readonly Mutant[] = [
  {
    name: "skip release on cancel",
    variant: { createLedger: (limits, clock) => new SkipReleaseOnCancel(limits, clock) },
    caughtBy: "nothing_held_at_end",
  },
  {
    name: "release twice on retry",
    variant: { createScheduler: (...parts) => new ReleaseTwiceOnRetry(...parts) },
    caughtBy: "lease_released_exactly_once",
  },
  {
    name: "check-then-act acquire",
    variant: { createLedger: (limits, clock) => new CheckThenActLedger(limits, clock) },
    caughtBy: "capacity_never_exceeded",
  },
  {
    name: "decrement counts late",
    variant: { createLedger: (limits, clock) => new LateRelease(limits, clock) },
    caughtBy: "nothing_held_at_end",
  },
  {
    name: "release on cancel request instead of worker stop",
    variant: { createScheduler: (...parts) => new ReleaseOnCancelRequest(...parts) },
    caughtBy: "lease_held_until_worker_stops",
  },
  {
    // Spawns the worker first and takes every resource from inside it, without ever logging the wait.
    name: "spawn before lease",
    variant: {
      createScheduler: (ledger, queue, environment, orchestrator, options) =>
        new DagScheduler(ledger, queue, environment, silentAboutWaits(orchestrator), { ...options, design: "spawn_then_wait", deferredResource: () => true }),
    },
    caughtBy: "no_hidden_waiters",
  },
];
