import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AssertionError } from "../../src/policies/assert.ts";
import type { Clock } from "../../src/policies/clock.ts";
import { type Demand, type Lease, LeaseLedger, type ReleaseReason, type ReleaseResult, UnknownResourceError } from "../../src/policies/lease-ledger.ts";

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

  it("matches a reference model over random acquire / release / reset sequences", () => {
    fc.assert(matchesModel((limits) => new LeaseLedger(limits, clock)), { numRuns: 300 });
  });

  it("the model property catches a ledger that treats a duplicate release as released (planted bug)", () => {
    expect(fc.check(matchesModel((limits) => new DoubleReleaseLedger(limits, clock)), { numRuns: 300, seed: 5 }).failed).toBe(true);
  });

  it("the model property catches a ledger that forgets to give capacity back on reset (planted bug)", () => {
    expect(fc.check(matchesModel((limits) => new SloppyResetLedger(limits, clock)), { numRuns: 300, seed: 5 }).failed).toBe(true);
  });
});

const LIMITS = { global: 3, "provider:a": 2, "provider:b": 2 };
const VECTORS = [{ global: 1, "provider:a": 1 }, { global: 1, "provider:b": 1 }, { global: 2 }, { "provider:a": 2 }];

/** Planted bug: a second release of the same lease reports success and gives capacity back again. */
class DoubleReleaseLedger extends LeaseLedger {
  private readonly seen = new Set<number>();
  override release(lease: Lease, reason: ReleaseReason): ReleaseResult {
    const result = super.release(lease, reason);
    if (result === "released") this.seen.add(lease.id);
    return result === "duplicate" && this.seen.has(lease.id) ? "released" : result;
  }
}

/** Planted bug: reset starts a new generation but leaves held counts as they were. */
class SloppyResetLedger extends LeaseLedger {
  private readonly live = new Set<Lease>();
  override tryAcquire(demand: Demand, task: number): Lease | undefined {
    const lease = super.tryAcquire(demand, task);
    if (lease !== undefined) this.live.add(lease);
    return lease;
  }
  override release(lease: Lease, reason: ReleaseReason): ReleaseResult {
    this.live.delete(lease);
    return super.release(lease, reason);
  }
  override reset(): void {
    const carried = [...this.live].map((lease) => lease.demand);
    super.reset();
    for (const demand of carried) super.tryAcquire(demand, -1);
    this.live.clear();
  }
}

/** The ledger agrees with a plain map of held amounts, and release results follow the lease's history. */
function matchesModel(makeLedger: (limits: Record<string, number>) => LeaseLedger) {
  const step = fc.oneof(
    fc.record({ kind: fc.constant("acquire" as const), vector: fc.integer({ min: 0, max: VECTORS.length - 1 }) }),
    fc.record({ kind: fc.constant("release" as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant("reset" as const) }),
  );
  return fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
    const book = makeLedger(LIMITS);
    const model = new Map<string, number>(Object.keys(LIMITS).map((key) => [key, 0]));
    const issued: { lease: Lease; vector: Record<string, number>; live: boolean; generation: number }[] = [];
    let generation = 1;
    for (const action of steps) {
      if (action.kind === "acquire") {
        const vector = VECTORS[action.vector] as Record<string, number>;
        const fits = Object.entries(vector).every(([key, amount]) => (model.get(key) as number) + amount <= LIMITS[key as keyof typeof LIMITS]);
        const lease = book.tryAcquire(book.demand(vector), issued.length);
        if ((lease !== undefined) !== fits) return false;
        if (lease === undefined) continue;
        for (const [key, amount] of Object.entries(vector)) model.set(key, (model.get(key) as number) + amount);
        issued.push({ lease, vector, live: true, generation });
      } else if (action.kind === "release") {
        const entry = issued[issued.length === 0 ? 0 : action.pick % issued.length];
        if (entry === undefined) continue;
        const expected = entry.generation !== generation && entry.live ? "stale" : entry.live ? "released" : "duplicate";
        if (book.release(entry.lease, "success") !== expected) return false;
        if (expected === "released") {
          for (const [key, amount] of Object.entries(entry.vector)) model.set(key, (model.get(key) as number) - amount);
        }
        if (expected !== "stale") entry.live = false;
      } else {
        book.reset();
        generation += 1;
        for (const key of model.keys()) model.set(key, 0);
      }
      for (const [key, held] of model) if (book.heldAmount(key) !== held) return false;
    }
    return true;
  });
}
