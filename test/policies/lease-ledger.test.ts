import { describe, expect, it } from "vitest";
import { AssertionError } from "../../src/policies/assert.ts";
import type { Clock } from "../../src/policies/clock.ts";
import { type Lease, LeaseLedger, UnknownResourceError } from "../../src/policies/lease-ledger.ts";

const clock: Clock = { now: () => 0 };

function ledger(): LeaseLedger {
  return new LeaseLedger({ global: 3, "provider:a": 2, "provider:b": 2 }, clock);
}

describe("LeaseLedger", () => {
  it("acquires all of a demand or none of it", () => {
    const book = ledger();
    const onA = book.demand({ global: 1, "provider:a": 1 });
    expect(book.tryAcquire(onA, 1)).toBeDefined();
    expect(book.tryAcquire(onA, 2)).toBeDefined();
    // provider:a is full; global still has room but must not be taken.
    expect(book.tryAcquire(onA, 3)).toBeUndefined();
    expect(book.heldAmount("global")).toBe(2);
  });

  it("gives capacity back in the same call that releases it (no lagging count)", () => {
    const book = ledger();
    const onA = book.demand({ global: 1, "provider:a": 1 });
    const first = book.tryAcquire(onA, 1) as Lease;
    book.tryAcquire(onA, 2);
    expect(book.canAcquire(onA)).toBe(false);
    expect(book.release(first, "success")).toBe("released");
    expect(book.heldAmount("provider:a")).toBe(1);
    expect(book.canAcquire(onA)).toBe(true);
  });

  it("says duplicate, unknown or stale, never throws, and gives nothing back for them", () => {
    const book = ledger();
    const other = ledger();
    const onA = book.demand({ global: 1, "provider:a": 1 });
    const lease = book.tryAcquire(onA, 1) as Lease;
    expect(book.release(lease, "success")).toBe("released");
    expect(book.release(lease, "retry")).toBe("duplicate");
    expect(book.heldAmount("global")).toBe(0);

    const foreign = other.tryAcquire(other.demand({ global: 1 }), 9) as Lease;
    expect(book.release(foreign, "cancel")).toBe("unknown");
    const forged: Lease = { ...foreign };
    expect(book.release(forged, "cancel")).toBe("unknown");

    const beforeReset = book.tryAcquire(onA, 2) as Lease;
    book.reset();
    expect(book.heldAmount("global")).toBe(0);
    const afterReset = book.tryAcquire(onA, 3) as Lease;
    expect(book.release(beforeReset, "shutdown")).toBe("stale");
    expect(book.heldAmount("global")).toBe(1);
    expect(book.release(afterReset, "success")).toBe("released");
  });

  it("rejects demands on resources it has no limit for", () => {
    expect(() => ledger().demand({ "provider:zzz": 1 })).toThrow(UnknownResourceError);
  });

  it("rejects limits that are not positive and finite", () => {
    expect(() => new LeaseLedger({ global: 0 }, clock)).toThrow(AssertionError);
    expect(() => new LeaseLedger({ global: Infinity }, clock)).toThrow(AssertionError);
  });

  it("interleaved acquirers at the cap never exceed it (no check-then-act window)", () => {
    // Two agents race: each checks, then acquires. With a separate check the second would slip in.
    const book = new LeaseLedger({ global: 1 }, clock);
    const demand = book.demand({ global: 1 });
    const firstSawRoom = book.canAcquire(demand);
    const secondSawRoom = book.canAcquire(demand);
    const first = book.tryAcquire(demand, 1);
    const second = book.tryAcquire(demand, 2);
    expect(firstSawRoom && secondSawRoom).toBe(true);
    expect([first, second].filter((lease) => lease !== undefined)).toHaveLength(1);
    expect(book.heldAmount("global")).toBe(1);
  });
});
