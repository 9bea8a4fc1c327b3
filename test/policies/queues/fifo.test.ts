import { describe, expect, it } from "vitest";
import { LeaseAdmission } from "../../../src/policies/admission.ts";
import type { Clock } from "../../../src/policies/clock.ts";
import { FifoQueue } from "../../../src/policies/queues/fifo.ts";
import { type Demand, type Lease, LeaseLedger } from "../../../src/policies/lease-ledger.ts";

const clock: Clock = { now: () => 0 };

interface Task {
  readonly id: number;
  readonly demand: Demand;
}

function setup() {
  const ledger = new LeaseLedger({ "provider:a": 1, "provider:b": 2 }, clock);
  const onA = ledger.demand({ "provider:a": 1 });
  const onB = ledger.demand({ "provider:b": 1 });
  return { ledger, onA, onB };
}

describe("FifoQueue", () => {
  it("selects the oldest eligible task without removing it; commit removes it", () => {
    const { onA, onB } = setup();
    const queue = new FifoQueue<Task>();
    const tasks = [
      { id: 1, demand: onA },
      { id: 2, demand: onB },
      { id: 3, demand: onA },
    ];
    for (const task of tasks) queue.enqueue(task);
    expect(queue.select(() => true)?.id).toBe(1);
    expect(queue.select(() => true)?.id).toBe(1);
    expect(queue.size).toBe(3);
    // A full provider:a does not block the provider:b task behind it.
    expect(queue.select((task) => task.demand === onB)?.id).toBe(2);
    expect(queue.commit(tasks[0] as Task)).toBe(true);
    expect(queue.select(() => true)?.id).toBe(2);
    expect(queue.size).toBe(2);
  });

  it("a commit of a task no longer queued is stale", () => {
    const { onA } = setup();
    const queue = new FifoQueue<Task>();
    const task = { id: 1, demand: onA };
    queue.enqueue(task);
    expect(queue.remove(task)).toBe(true);
    expect(queue.commit(task)).toBe(false);
    expect(queue.remove(task)).toBe(false);
    expect(queue.size).toBe(0);
  });

  it("removes a task from the middle and keeps the order of the rest", () => {
    const { onA } = setup();
    const queue = new FifoQueue<Task>();
    const tasks = [1, 2, 3, 4].map((id) => ({ id, demand: onA }));
    for (const task of tasks) queue.enqueue(task);
    queue.remove(tasks[1] as Task);
    const order: number[] = [];
    for (let next = queue.select(() => true); next !== undefined; next = queue.select(() => true)) {
      order.push(next.id);
      queue.commit(next);
    }
    expect(order).toEqual([1, 3, 4]);
  });
});

describe("LeaseAdmission", () => {
  it("admits in queue order while capacity allows, each with a lease taken before the callback", () => {
    const { ledger, onA, onB } = setup();
    const admission = new LeaseAdmission<Task>(ledger, new FifoQueue<Task>());
    for (const [id, demand] of [[1, onA], [2, onA], [3, onB], [4, onB], [5, onB]] as const) admission.submit({ id, demand });
    const admitted: [number, Lease][] = [];
    admission.dispatch((task, lease) => {
      expect(lease.task).toBe(task.id);
      expect(lease.demand).toBe(task.demand);
      admitted.push([task.id, lease]);
    });
    expect(admitted.map(([id]) => id)).toEqual([1, 3, 4]);
    expect(admission.queue.size).toBe(2);
    expect(ledger.release((admitted[0] as [number, Lease])[1], "success")).toBe("released");
    const next: number[] = [];
    admission.dispatch((task) => next.push(task.id));
    expect(next).toEqual([2]);
  });
});

describe("FifoQueue groups", () => {
  it("sweeps empty groups once more than 64 are idle, so distinct demands cannot grow it without bound", () => {
    const ledger = new LeaseLedger(Object.fromEntries(Array.from({ length: 200 }, (_, index) => [`r${index}`, 1])), clock);
    const queue = new FifoQueue<Task>();
    const groups = (): number => (queue as unknown as { groups: Map<string, unknown> }).groups.size;
    for (let index = 0; index < 200; index += 1) {
      const task = { id: index, demand: ledger.demand({ [`r${index}`]: 1 }) };
      queue.enqueue(task);
      queue.commit(task);
      expect(groups()).toBeLessThanOrEqual(65);
    }
    const last = { id: 999, demand: ledger.demand({ r0: 1 }) };
    queue.enqueue(last);
    expect(queue.select(() => true)?.id).toBe(999);
  });

  it("keeps 64 empty groups and sweeps them when the 65th empties, keeping the groups still waiting", () => {
    const ledger = new LeaseLedger(Object.fromEntries(Array.from({ length: 66 }, (_, index) => [`r${index}`, 1])), clock);
    const queue = new FifoQueue<Task>();
    const groups = (): number => (queue as unknown as { groups: Map<string, unknown> }).groups.size;
    // Three tasks in one group: joining a group that is not empty leaves the count of empty groups alone.
    const waiting = ledger.demand({ r65: 1 });
    for (const id of [1000, 1001, 1002]) queue.enqueue({ id, demand: waiting });
    for (let index = 0; index < 64; index += 1) {
      const task = { id: index, demand: ledger.demand({ [`r${index}`]: 1 }) };
      queue.enqueue(task);
      queue.commit(task);
      expect(groups()).toBe(index + 2);
    }
    const sixtyFifth = { id: 64, demand: ledger.demand({ r64: 1 }) };
    queue.enqueue(sixtyFifth);
    queue.commit(sixtyFifth);
    expect(groups()).toBe(1);
    expect(queue.ordered().map((task) => task.id)).toEqual([1000, 1001, 1002]);
  });

  it("counts a group as empty only when its last task leaves, however often it empties and refills", () => {
    const ledger = new LeaseLedger({ "provider:a": 1, "provider:b": 1 }, clock);
    const queue = new FifoQueue<Task>();
    const groups = (): number => (queue as unknown as { groups: Map<string, unknown> }).groups.size;
    const onA = ledger.demand({ "provider:a": 1 });
    const onB = ledger.demand({ "provider:b": 1 });
    for (let id = 0; id < 100; id += 1) {
      const task = { id, demand: onA };
      queue.enqueue(task);
      queue.commit(task);
      expect(groups()).toBe(1);
    }
    const drained = Array.from({ length: 100 }, (_, index) => ({ id: 100 + index, demand: onB }));
    for (const task of drained) queue.enqueue(task);
    for (const task of drained.slice(0, 99)) queue.commit(task);
    // Neither the refilled group nor the one still draining was swept.
    expect(groups()).toBe(2);
    expect(queue.select(() => true)?.id).toBe(199);
  });
});
