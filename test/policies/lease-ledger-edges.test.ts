// The lease ledger at its edges: bad amounts, unknown resources, canonical keys, exact fills, generations and
// the error messages a user reads. Each test pins behaviour a mutation run found unpinned (docs/checking.md).

import { describe, expect, it } from "vitest";
import { AssertionError } from "../../src/policies/assert.ts";
import type { Clock } from "../../src/policies/clock.ts";
import { InvalidAmountError, type Lease, LeaseLedger, UnknownResourceError } from "../../src/policies/lease-ledger.ts";
import { DEMANDS } from "./queues/harness.ts";

class StepClock implements Clock {
  timeMs = 0;
  now(): number {
    return this.timeMs;
  }
}

function ledger(clock: Clock = new StepClock()): LeaseLedger {
  // Declared out of key order on purpose: the ledger keeps its resources in key order whatever the input.
  return new LeaseLedger({ "provider:b": 2, global: 3, "provider:a": 2 }, clock);
}

describe("LeaseLedger.demand", () => {
  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])("rejects an amount of %s with a typed error naming the resource", (amount) => {
    const book = ledger();
    const attempt = () => book.demand({ global: 1, "provider:a": amount });
    expect(attempt).toThrow(InvalidAmountError);
    expect(attempt).toThrow(`the amount of provider:a must be a positive finite number, got ${amount}`);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ name: "InvalidAmountError", resource: "provider:a", amount });
    }
  });

  it("accepts the smallest positive and a fractional amount", () => {
    const book = ledger();
    expect(book.demand({ global: Number.MIN_VALUE }).amounts[0]).toBe(Number.MIN_VALUE);
    expect(book.demand({ global: 0.5 }).amounts[0]).toBe(0.5);
  });

  it("names the unknown resource, in a typed error", () => {
    const attempt = () => ledger().demand({ global: 1, gpu: 1 });
    expect(attempt).toThrow(UnknownResourceError);
    expect(attempt).toThrow('no limit is declared for resource "gpu"');
    try {
      attempt();
    } catch (error) {
      expect((error as Error).name).toBe("UnknownResourceError");
    }
  });

  it("gives equal vectors the same key and the same Demand, whatever their key order", () => {
    const book = ledger();
    const first = book.demand({ "provider:a": 1, global: 2 });
    const second = book.demand({ global: 2, "provider:a": 1 });
    expect(first.key).toBe("global=2,provider:a=1");
    expect(second).toBe(first);
    // The same vector object again is the same Demand too.
    const vector = { "provider:b": 1 };
    expect(book.demand(vector)).toBe(book.demand(vector));
    expect(book.demand(vector).key).toBe("provider:b=1");
  });

  it("resolves each resource to its slot in key order, with its amount", () => {
    const book = ledger();
    const demand = book.demand({ "provider:b": 2, global: 1 });
    // Slots: global 0, provider:a 1, provider:b 2.
    expect([...demand.slots]).toEqual([0, 2]);
    expect([...demand.amounts]).toEqual([1, 2]);
  });

  it("keeps a frozen copy of the vector: changing the caller's object later changes nothing", () => {
    const book = ledger();
    const vector: Record<string, number> = { global: 1 };
    const demand = book.demand(vector);
    vector.global = 3;
    expect(demand.vector).toEqual({ global: 1 });
    expect(Object.isFrozen(demand.vector)).toBe(true);
  });

  it("an empty vector is a demand on nothing: always acquirable, never over a limit", () => {
    const book = ledger();
    const nothing = book.demand({});
    expect(nothing.key).toBe("");
    expect(book.canAcquire(nothing)).toBe(true);
    expect(book.overLimit(nothing)).toBeUndefined();
  });

  it("the queue tests' written-out demands are what a ledger on provider:x and provider:y resolves", () => {
    const book = new LeaseLedger({ "provider:y": 1000, "provider:x": 1000 }, new StepClock());
    expect(book.demand({ "provider:x": 1 })).toEqual(DEMANDS.x);
    expect(book.demand({ "provider:y": 1 })).toEqual(DEMANDS.y);
  });
});

describe("LeaseLedger limits and queries", () => {
  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])("rejects a limit of %s as a bug, naming the resource", (limit) => {
    expect(() => new LeaseLedger({ global: 1, gpu: limit }, new StepClock())).toThrow(AssertionError);
    expect(() => new LeaseLedger({ global: 1, gpu: limit }, new StepClock())).toThrow(`limit of gpu must be a positive finite number, got ${limit}`);
  });

  it("heldAmount and limitOf throw a typed error for an unknown resource", () => {
    const book = ledger();
    expect(() => book.heldAmount("gpu")).toThrow(UnknownResourceError);
    expect(() => book.heldAmount("gpu")).toThrow('no limit is declared for resource "gpu"');
    expect(() => book.limitOf("gpu")).toThrow(UnknownResourceError);
  });

  it("limitOf and capacities report each limit, in key order", () => {
    const book = ledger();
    expect(book.limitOf("global")).toBe(3);
    expect(book.limitOf("provider:b")).toBe(2);
    expect(Object.entries(book.capacities())).toEqual([
      ["global", 3],
      ["provider:a", 2],
      ["provider:b", 2],
    ]);
  });

  it("overLimit names the first resource whose limit is below the demand, and nothing at exactly the limit", () => {
    const book = ledger();
    expect(book.overLimit(book.demand({ global: 3, "provider:a": 2 }))).toBeUndefined();
    expect(book.overLimit(book.demand({ global: 3, "provider:a": 3, "provider:b": 3 }))).toBe("provider:a");
    expect(book.overLimit(book.demand({ global: 1, "provider:b": 2.5 }))).toBe("provider:b");
  });
});

describe("LeaseLedger acquire and release", () => {
  it("fills a resource exactly to its limit, and refuses the next unit", () => {
    const book = ledger();
    const all = book.demand({ global: 3 });
    const lease = book.tryAcquire(all, 1);
    expect(lease).toBeDefined();
    expect(book.heldAmount("global")).toBe(3);
    expect(book.canAcquire(book.demand({ global: 0.001 }))).toBe(false);
    expect(book.release(lease as Lease, "success")).toBe("released");
    expect(book.heldAmount("global")).toBe(0);
    expect(book.canAcquire(all)).toBe(true);
  });

  it("refuses a demand when any one of its resources is full, whichever it is", () => {
    const book = ledger();
    book.tryAcquire(book.demand({ "provider:b": 2 }), 1);
    expect(book.canAcquire(book.demand({ global: 1, "provider:b": 1 }))).toBe(false);
    expect(book.tryAcquire(book.demand({ global: 1, "provider:b": 1 }), 2)).toBeUndefined();
    expect(book.heldAmount("global")).toBe(0);
    expect(book.canAcquire(book.demand({ global: 1, "provider:a": 1 }))).toBe(true);
  });

  it("a lease records its own id, task, demand, time and generation; ids count up from 1", () => {
    const clock = new StepClock();
    const book = ledger(clock);
    const demand = book.demand({ global: 1 });
    clock.timeMs = 250;
    const first = book.tryAcquire(demand, 7) as Lease;
    clock.timeMs = 400;
    const second = book.tryAcquire(demand, 8) as Lease;
    expect(first).toMatchObject({ id: 1, task: 7, acquiredAtMs: 250, generation: 1 });
    expect(first.demand).toBe(demand);
    expect(second).toMatchObject({ id: 2, task: 8, acquiredAtMs: 400, generation: 1 });
    expect(book.activeLeaseCount).toBe(2);
    // Releasing the first leaves the second releasable: distinct ids, distinct records.
    expect(book.release(first, "success")).toBe("released");
    expect(book.activeLeaseCount).toBe(1);
    expect(book.release(second, "success")).toBe("released");
    expect(book.activeLeaseCount).toBe(0);
  });

  it("a refused acquire takes no lease id", () => {
    const book = ledger();
    const all = book.demand({ global: 3 });
    const first = book.tryAcquire(all, 1) as Lease;
    expect(book.tryAcquire(all, 2)).toBeUndefined();
    book.release(first, "success");
    expect((book.tryAcquire(all, 3) as Lease).id).toBe(2);
  });

  it("rounding that leaves a count a hair below zero is not taken for a double release", () => {
    const book = ledger();
    // 0.7 + 0.1 − 0.7 − 0.1 is −2.8e-17 in floating point.
    const large = book.tryAcquire(book.demand({ global: 0.7 }), 1) as Lease;
    const small = book.tryAcquire(book.demand({ global: 0.1 }), 2) as Lease;
    expect(book.release(large, "success")).toBe("released");
    expect(book.release(small, "success")).toBe("released");
    expect(book.heldAmount("global")).toBeLessThan(0);
    expect(book.heldAmount("global")).toBeCloseTo(0, 12);
  });

  it("reset starts a new generation: leases taken before are stale, their capacity is free, the count is zero", () => {
    const book = ledger();
    const demand = book.demand({ global: 2 });
    const before = book.tryAcquire(demand, 1) as Lease;
    expect(book.generation).toBe(1);
    book.reset();
    expect(book.generation).toBe(2);
    expect(book.activeLeaseCount).toBe(0);
    expect(book.heldAmount("global")).toBe(0);
    const after = book.tryAcquire(demand, 2) as Lease;
    expect(after.generation).toBe(2);
    expect(book.release(before, "shutdown")).toBe("stale");
    // A stale release is not recorded as a release: the lease stays stale, never duplicate.
    expect(book.release(before, "shutdown")).toBe("stale");
    expect(book.heldAmount("global")).toBe(2);
    expect(book.release(after, "success")).toBe("released");
    book.reset();
    expect(book.generation).toBe(3);
  });
});
