// Limits that move at run time (LeaseLedger.setLimit, used by AIMD): a lower limit blocks new leases and takes
// none back; a raise makes room at once; capacity (the limit the ledger was built with) bounds both.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AsyncAdmission } from "../../src/policies/async-admission.ts";
import type { Clock } from "../../src/policies/clock.ts";
import { DagScheduler, type Orchestrator, type TaskDefinition } from "../../src/policies/dag-scheduler.ts";
import { type Lease, LeaseLedger, UnknownResourceError } from "../../src/policies/lease-ledger.ts";
import { FifoQueue } from "../../src/policies/queues/fifo.ts";

const clock: Clock = { now: () => 0 };

describe("LeaseLedger.setLimit", () => {
  it("lowered below what is held: no lease is revoked, new ones wait until enough is released", () => {
    const ledger = new LeaseLedger({ "provider:a": 4 }, clock);
    const one = ledger.demand({ "provider:a": 1 });
    const leases = [1, 2, 3].map((task) => ledger.tryAcquire(one, task) as Lease);
    ledger.setLimit("provider:a", 2);
    expect(ledger.heldAmount("provider:a")).toBe(3);
    expect(ledger.limitOf("provider:a")).toBe(2);
    expect(ledger.activeLeaseCount).toBe(3);
    expect(ledger.canAcquire(one)).toBe(false);
    expect(ledger.release(leases[0] as Lease, "success")).toBe("released");
    // Held 2 of a limit of 2: still full.
    expect(ledger.tryAcquire(one, 4)).toBeUndefined();
    expect(ledger.release(leases[1] as Lease, "success")).toBe("released");
    expect(ledger.tryAcquire(one, 5)).toBeDefined();
    expect(ledger.tryAcquire(one, 6)).toBeUndefined();
  });

  it("raised: room at once, up to the capacity and no further", () => {
    const ledger = new LeaseLedger({ "provider:a": 3 }, clock);
    const one = ledger.demand({ "provider:a": 1 });
    ledger.setLimit("provider:a", 1);
    expect(ledger.tryAcquire(one, 1)).toBeDefined();
    expect(ledger.tryAcquire(one, 2)).toBeUndefined();
    ledger.setLimit("provider:a", 3);
    expect(ledger.tryAcquire(one, 2)).toBeDefined();
    expect(ledger.tryAcquire(one, 3)).toBeDefined();
    expect(ledger.tryAcquire(one, 4)).toBeUndefined();
  });

  it("keeps capacity apart from the limit: capacities() and overLimit() read capacity", () => {
    const ledger = new LeaseLedger({ global: 5, "provider:a": 4 }, clock);
    ledger.setLimit("provider:a", 1);
    expect(ledger.capacities()).toEqual({ global: 5, "provider:a": 4 });
    expect(ledger.capacityOf("provider:a")).toBe(4);
    expect(ledger.limitOf("provider:a")).toBe(1);
    // Three can never be held at a limit of 1, but the limit may come back to 4: not impossible.
    expect(ledger.overLimit(ledger.demand({ "provider:a": 3 }))).toBeUndefined();
    expect(ledger.overLimit(ledger.demand({ "provider:a": 5 }))).toBe("provider:a");
    expect(ledger.limitOf("global")).toBe(5);
  });

  it.each([0, -1, 4.5, Number.NaN, Number.POSITIVE_INFINITY])("refuses a limit of %s (above 0, at most the capacity 4)", (limit) => {
    const ledger = new LeaseLedger({ "provider:a": 4 }, clock);
    expect(() => ledger.setLimit("provider:a", limit)).toThrow(RangeError);
    expect(() => ledger.setLimit("provider:a", limit)).toThrow(`the limit of provider:a must be above 0 and at most its capacity 4, got ${limit}`);
    expect(ledger.limitOf("provider:a")).toBe(4);
  });

  it("accepts the capacity itself and a fraction above 0", () => {
    const ledger = new LeaseLedger({ tokens: 4 }, clock);
    ledger.setLimit("tokens", 0.5);
    expect(ledger.limitOf("tokens")).toBe(0.5);
    ledger.setLimit("tokens", 4);
    expect(ledger.limitOf("tokens")).toBe(4);
  });

  it("refuses an unknown resource", () => {
    const ledger = new LeaseLedger({ "provider:a": 4 }, clock);
    expect(() => ledger.setLimit("provider:b", 1)).toThrow(UnknownResourceError);
  });

  it("behaves like a model of held ≤ limit-at-acquisition under any mix of acquires, releases and limit changes", () => {
    type Operation = { kind: "acquire"; amount: number } | { kind: "release"; index: number } | { kind: "limit"; value: number };
    const operation: fc.Arbitrary<Operation> = fc.oneof(
      fc.record({ kind: fc.constant("acquire" as const), amount: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant("release" as const), index: fc.nat(20) }),
      fc.record({ kind: fc.constant("limit" as const), value: fc.integer({ min: 1, max: 6 }) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const ledger = new LeaseLedger({ r: 6 }, clock);
        let limit = 6;
        let held = 0;
        const open: { lease: Lease; amount: number }[] = [];
        for (const step of operations) {
          if (step.kind === "limit") {
            ledger.setLimit("r", step.value);
            limit = step.value;
          } else if (step.kind === "acquire") {
            const lease = ledger.tryAcquire(ledger.demand({ r: step.amount }), 1);
            expect(lease !== undefined).toBe(held + step.amount <= limit);
            if (lease !== undefined) {
              open.push({ lease, amount: step.amount });
              held += step.amount;
            }
          } else if (open.length > 0) {
            const [taken] = open.splice(step.index % open.length, 1);
            if (taken === undefined) continue;
            expect(ledger.release(taken.lease, "success")).toBe("released");
            held -= taken.amount;
          }
          expect(ledger.heldAmount("r")).toBe(held);
          expect(ledger.activeLeaseCount).toBe(open.length);
        }
      }),
      { seed: 4242, numRuns: 300 },
    );
  });
});

describe("setLimit through the schedulers", () => {
  const noTimers = { schedule: () => ({ id: 0 }), cancel: () => undefined };

  it("DagScheduler.setLimit: a raise admits queued work at once, a cut admits nothing new and stops no worker", () => {
    const spawned: number[] = [];
    const stopped: number[] = [];
    const orchestrator: Orchestrator<string> = {
      spawn: (task) => spawned.push(task.id),
      stop: (task) => stopped.push(task.id),
      record: () => undefined,
      stillWanted: () => true,
    };
    const ledger = new LeaseLedger({ "provider:a": 3 }, clock);
    const scheduler = new DagScheduler<string>(ledger, new FifoQueue(), { clock, timers: noTimers, random: () => 0.5 }, orchestrator);
    const task = (role: string): TaskDefinition<string> => ({ resources: { "provider:a": 1 }, dependsOn: [], failure: "abort", maxRetries: 0, timeoutMs: undefined, role, payload: role });
    scheduler.submit({ id: 1, tasks: [task("a"), task("b")] });
    expect(spawned).toEqual([1, 2]);
    scheduler.setLimit("provider:a", 1);
    scheduler.submit({ id: 2, tasks: [task("c"), task("d")] });
    expect(spawned).toEqual([1, 2]);
    expect(stopped).toEqual([]);
    expect(scheduler.readyCount).toBe(2);
    scheduler.setLimit("provider:a", 3);
    expect(spawned).toEqual([1, 2, 3]);
    expect(scheduler.readyCount).toBe(1);
  });

  it("AsyncAdmission.setLimit: a raise grants the next waiter", async () => {
    const admission = AsyncAdmission.withLimits({ "provider:a": 2 }, clock);
    admission.setLimit("provider:a", 1);
    const first = await admission.acquire({ "provider:a": 1 });
    let second: Lease | undefined;
    void admission.acquire({ "provider:a": 1 }).then((lease) => {
      second = lease;
    });
    await Promise.resolve();
    expect(second).toBeUndefined();
    expect(admission.waiting).toBe(1);
    admission.setLimit("provider:a", 2);
    await Promise.resolve();
    expect(second).toBeDefined();
    expect(admission.ledger.heldAmount("provider:a")).toBe(2);
    expect(admission.release(first, "success")).toBe("released");
  });
});
