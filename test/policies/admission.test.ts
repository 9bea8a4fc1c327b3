// LeaseAdmission, the loop shared by the DAG scheduler and AsyncAdmission: queue order, all-or-nothing leases,
// a stale selection released unused, a bounded loop, and an assertion when a queue breaks its contract.

import { describe, expect, it } from "vitest";
import { LeaseAdmission } from "../../src/policies/admission.ts";
import { AssertionError } from "../../src/policies/assert.ts";
import type { Clock } from "../../src/policies/clock.ts";
import { type Demand, type Lease, LeaseLedger, type ReleaseReason, type ReleaseResult } from "../../src/policies/lease-ledger.ts";
import { FifoQueue } from "../../src/policies/queues/fifo.ts";
import type { ReadyQueue } from "../../src/policies/ready-queue.ts";

const clock: Clock = { now: () => 0 };

interface Task {
  readonly id: number;
  readonly demand: Demand;
}

/** Writes down every release with its reason and result. */
class ReleaseLog extends LeaseLedger {
  readonly released: string[] = [];
  override release(lease: Lease, reason: ReleaseReason): ReleaseResult {
    const result = super.release(lease, reason);
    this.released.push(`${lease.task} ${reason} ${result}`);
    return result;
  }
}

/** A FIFO whose commit refuses the listed tasks once each, as a queue whose selection went stale. */
class StaleOnce extends FifoQueue<Task> {
  constructor(private readonly staleIds: Set<number>) {
    super();
  }
  override commit(task: Task): boolean {
    if (this.staleIds.delete(task.id)) return false;
    return super.commit(task);
  }
}

/** Planted contract breach: select ignores `eligible`. */
class CarelessQueue extends FifoQueue<Task> {
  override select(): Task | undefined {
    return this.ordered()[0];
  }
}

function setup(queue: ReadyQueue<Task> = new FifoQueue<Task>(), limits: Record<string, number> = { global: 2, gpu: 1 }) {
  const ledger = new ReleaseLog(limits, clock);
  const admission = new LeaseAdmission(ledger, queue);
  const admitted: string[] = [];
  const leases: Lease[] = [];
  const onAdmitted = (task: Task, lease: Lease): void => {
    admitted.push(`${task.id}:${lease.task}`);
    leases.push(lease);
  };
  return { ledger, queue, admission, admitted, leases, onAdmitted };
}

describe("LeaseAdmission", () => {
  it("admits submitted tasks in queue order while capacity allows, each under its own lease, and says how many", () => {
    const h = setup();
    const one = h.ledger.demand({ global: 1 });
    for (const id of [1, 2, 3]) h.admission.submit({ id, demand: one });
    expect(h.admission.dispatch(h.onAdmitted)).toBe(2);
    expect(h.admitted).toEqual(["1:1", "2:2"]);
    expect(h.queue.size).toBe(1);
    expect(h.ledger.heldAmount("global")).toBe(2);
    expect(h.admission.dispatch(h.onAdmitted)).toBe(0);
    h.ledger.release(h.leases[0] as Lease, "success");
    expect(h.admission.dispatch(h.onAdmitted)).toBe(1);
    expect(h.admitted).toEqual(["1:1", "2:2", "3:3"]);
    expect(h.queue.size).toBe(0);
  });

  it("skips a task that does not fit for one behind it that does, and leaves it queued", () => {
    const h = setup();
    h.ledger.tryAcquire(h.ledger.demand({ gpu: 1 }), 99);
    h.admission.submit({ id: 1, demand: h.ledger.demand({ global: 1, gpu: 1 }) });
    h.admission.submit({ id: 2, demand: h.ledger.demand({ global: 1 }) });
    expect(h.admission.dispatch(h.onAdmitted)).toBe(1);
    expect(h.admitted).toEqual(["2:2"]);
    expect(h.queue.ordered().map((task) => task.id)).toEqual([1]);
  });

  it("with nothing eligible, admits nothing and takes nothing", () => {
    const h = setup();
    h.admission.submit({ id: 1, demand: h.ledger.demand({ gpu: 1 }) });
    h.ledger.tryAcquire(h.ledger.demand({ gpu: 1 }), 99);
    expect(h.admission.dispatch(h.onAdmitted)).toBe(0);
    expect(h.admitted).toEqual([]);
    expect(h.ledger.activeLeaseCount).toBe(1);
  });

  it("a selection that went stale is released with reason stale, unused, and the task is not handed over", () => {
    const h = setup(new StaleOnce(new Set([1])));
    const one = h.ledger.demand({ global: 1 });
    h.admission.submit({ id: 1, demand: one });
    expect(h.admission.dispatch(h.onAdmitted)).toBe(0);
    expect(h.admitted).toEqual([]);
    expect(h.ledger.released).toEqual(["1 stale released"]);
    expect(h.ledger.heldAmount("global")).toBe(0);
    expect(h.ledger.activeLeaseCount).toBe(0);
    // Still queued (the queue said it was no longer selected, not gone): the next dispatch admits it.
    expect(h.admission.dispatch(h.onAdmitted)).toBe(1);
    expect(h.admitted).toEqual(["1:1"]);
  });

  it("makes at most as many passes as tasks were queued when it began: a stale selection uses up its pass", () => {
    // Queue [1, 2]: pass 1 selects 1 and finds it stale; pass 2 admits 1. Task 2 waits for the next dispatch.
    const h = setup(new StaleOnce(new Set([1])));
    const one = h.ledger.demand({ global: 1 });
    h.admission.submit({ id: 1, demand: one });
    h.admission.submit({ id: 2, demand: one });
    expect(h.admission.dispatch(h.onAdmitted)).toBe(1);
    expect(h.admitted).toEqual(["1:1"]);
    expect(h.admission.dispatch(h.onAdmitted)).toBe(1);
    expect(h.admitted).toEqual(["1:1", "2:2"]);
  });

  it("a queue that selects a task the ledger cannot grant is a bug: an assertion names the task", () => {
    const h = setup(new CarelessQueue());
    h.ledger.tryAcquire(h.ledger.demand({ gpu: 1 }), 99);
    h.admission.submit({ id: 5, demand: h.ledger.demand({ gpu: 1 }) });
    expect(() => h.admission.dispatch(h.onAdmitted)).toThrow(AssertionError);
    expect(() => h.admission.dispatch(h.onAdmitted)).toThrow("task 5 was selected as eligible but its acquire was refused");
  });

  it("exposes the ledger and queue it was built on", () => {
    const h = setup();
    expect(h.admission.ledger).toBe(h.ledger);
    expect(h.admission.queue).toBe(h.queue);
  });
});
