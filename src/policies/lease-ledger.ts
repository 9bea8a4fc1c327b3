// The admission ledger: who holds which scheduler capacity. Acquisition is all-or-nothing in one call (no
// check-then-act window), release never throws and gives capacity back in the same call (no lagging counts).
// See "The lease contract" in ../shared/docs/DESIGN.md.

import { assert, assertionFailed } from "./assert.ts";
import type { Clock } from "./clock.ts";

/** What a task needs to run, e.g. `{ global: 1, "provider:fast": 1 }`. */
export type ResourceVector = Readonly<Record<string, number>>;

export const RELEASE_REASONS = [
  "success",
  "retry",
  "failure",
  "cancel",
  "shutdown",
  "stale",
  "spawn_failure",
  "salvage",
  "reaped",
  "timeout",
  "yield",
] as const;
export type ReleaseReason = (typeof RELEASE_REASONS)[number];

/** Only `released` gives capacity back; the others say why the call was a no-op. */
export type ReleaseResult = "released" | "duplicate" | "unknown" | "stale";

/**
 * A resource vector resolved against one ledger's resource table, so that acquire and release touch
 * arrays instead of hashing strings. Get one from `LeaseLedger.demand` and reuse it.
 */
export interface Demand {
  /** Canonical text of the vector (keys sorted); equal vectors give equal keys. */
  readonly key: string;
  readonly vector: ResourceVector;
  readonly slots: Int32Array;
  readonly amounts: Float64Array;
}

export interface Lease {
  readonly id: number;
  readonly task: number;
  readonly demand: Demand;
  readonly acquiredAtMs: number;
  readonly generation: number;
}

class LeaseRecord implements Lease {
  releaseReason: ReleaseReason | undefined = undefined;
  constructor(
    readonly id: number,
    readonly task: number,
    readonly demand: Demand,
    readonly acquiredAtMs: number,
    readonly generation: number,
    readonly ledger: LeaseLedger,
  ) {}
}

export class UnknownResourceError extends Error {
  override name = "UnknownResourceError";
}

/** A resource vector asks for an amount that is not a positive finite number (0, negative, NaN, ∞). */
export class InvalidAmountError extends Error {
  override name = "InvalidAmountError";
  constructor(
    /** The resource whose amount is bad: the path to the bad value within the vector. */
    readonly resource: string,
    readonly amount: number,
  ) {
    super(`the amount of ${resource} must be a positive finite number, got ${amount}`);
  }
}

export class LeaseLedger {
  private readonly keys: string[];
  private readonly slotByKey = new Map<string, number>();
  /** What may be held now: the capacity, or less while a controller (AIMD) holds it down (`setLimit`). */
  private readonly limits: Float64Array;
  /** The limits the ledger was built with: the most a limit can ever be, and what no demand may exceed. */
  private readonly ceilings: Float64Array;
  private readonly held: Float64Array;
  private readonly active = new Map<number, LeaseRecord>();
  private readonly demandCache = new Map<string, Demand>();
  /** Callers usually pass the same vector object again and again: resolve it once. */
  private readonly demandByVector = new WeakMap<ResourceVector, Demand>();
  private nextLeaseId = 1;
  private currentGeneration = 1;

  /** @param limits resource key → the most that may be held at once (a positive finite number). */
  constructor(
    limits: Readonly<Record<string, number>>,
    private readonly clock: Clock,
  ) {
    this.keys = Object.keys(limits).sort();
    this.limits = new Float64Array(this.keys.length);
    this.ceilings = new Float64Array(this.keys.length);
    this.held = new Float64Array(this.keys.length);
    this.keys.forEach((key, slot) => {
      const limit = limits[key] as number;
      assert(Number.isFinite(limit) && limit > 0, `limit of ${key} must be a positive finite number, got ${limit}`);
      this.slotByKey.set(key, slot);
      this.limits[slot] = limit;
      this.ceilings[slot] = limit;
    });
  }

  get generation(): number {
    return this.currentGeneration;
  }

  get activeLeaseCount(): number {
    return this.active.size;
  }

  /**
   * Resolves a resource vector once. A vector comes from a scenario or a caller, so a bad one is their error:
   * UnknownResourceError for a key this ledger has no limit for, InvalidAmountError for an amount that is not a
   * positive finite number.
   */
  demand(vector: ResourceVector): Demand {
    const known = this.demandByVector.get(vector);
    // Stryker disable next-line ConditionalExpression: equivalent, without this shortcut the key cache below returns the same Demand.
    if (known !== undefined) return known;
    const names = Object.keys(vector).sort();
    const key = names.map((name) => `${name}=${vector[name]}`).join(",");
    const cached = this.demandCache.get(key);
    if (cached !== undefined) {
      this.demandByVector.set(vector, cached);
      return cached;
    }
    const slots = new Int32Array(names.length);
    const amounts = new Float64Array(names.length);
    names.forEach((name, index) => {
      const slot = this.slotByKey.get(name);
      if (slot === undefined) throw new UnknownResourceError(`no limit is declared for resource "${name}"`);
      const amount = vector[name] as number;
      if (!(Number.isFinite(amount) && amount > 0)) throw new InvalidAmountError(name, amount);
      slots[index] = slot;
      amounts[index] = amount;
    });
    const demand: Demand = { key, vector: Object.freeze({ ...vector }), slots, amounts };
    this.demandCache.set(key, demand);
    this.demandByVector.set(vector, demand);
    return demand;
  }

  /** True when every resource of the demand has room now. Never changes state. */
  canAcquire(demand: Demand): boolean {
    // Stryker disable next-line EqualityOperator: equivalent, `<=` reads one slot past the end, undefined, and every comparison with it is false.
    for (let index = 0; index < demand.slots.length; index += 1) {
      const slot = demand.slots[index] as number;
      if ((this.held[slot] as number) + (demand.amounts[index] as number) > (this.limits[slot] as number)) return false;
    }
    return true;
  }

  /**
   * The first resource whose capacity is below what the demand asks (it can never be acquired, whatever a
   * controller does to the limits), or undefined.
   */
  overLimit(demand: Demand): string | undefined {
    // Stryker disable next-line EqualityOperator: equivalent, `<=` reads one slot past the end, undefined, and every comparison with it is false.
    for (let index = 0; index < demand.slots.length; index += 1) {
      const slot = demand.slots[index] as number;
      if ((demand.amounts[index] as number) > (this.ceilings[slot] as number)) return this.keys[slot];
    }
    return undefined;
  }

  /** Takes every resource of the demand, or none. */
  tryAcquire(demand: Demand, task: number): Lease | undefined {
    if (!this.canAcquire(demand)) return undefined;
    // Stryker disable next-line EqualityOperator: equivalent, `<=` reads one slot past the end, undefined, and every comparison with it is false.
    for (let index = 0; index < demand.slots.length; index += 1) {
      const slot = demand.slots[index] as number;
      this.held[slot] = (this.held[slot] as number) + (demand.amounts[index] as number);
      // Stryker disable next-line StringLiteral: the invariant check after canAcquire cannot fail, so its message is never built.
      if ((this.held[slot] as number) > (this.limits[slot] as number)) assertionFailed(`held ${this.keys[slot]} exceeds its limit`);
    }
    const lease = new LeaseRecord(this.nextLeaseId, task, demand, this.clock.now(), this.currentGeneration, this);
    this.nextLeaseId += 1;
    this.active.set(lease.id, lease);
    return lease;
  }

  /** Gives the lease's capacity back. Never throws; only `released` changes any count. */
  release(lease: Lease, reason: ReleaseReason): ReleaseResult {
    if (!(lease instanceof LeaseRecord) || lease.ledger !== this) return "unknown";
    if (lease.releaseReason !== undefined) return "duplicate";
    if (lease.generation !== this.currentGeneration) return "stale";
    // Unreachable (a lease of this generation that was never released is active): kept as a guard.
    // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, no sequence of calls reaches it.
    if (this.active.get(lease.id) !== lease) return "unknown";
    const demand = lease.demand;
    // Stryker disable next-line EqualityOperator: equivalent, `<=` reads one slot past the end, undefined, and every comparison with it is false.
    for (let index = 0; index < demand.slots.length; index += 1) {
      const slot = demand.slots[index] as number;
      this.held[slot] = (this.held[slot] as number) - (demand.amounts[index] as number);
      // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: an invariant check no sequence of calls can fail.
      if ((this.held[slot] as number) < -1e-9) assertionFailed(`held ${this.keys[slot]} went below zero`);
    }
    lease.releaseReason = reason;
    this.active.delete(lease.id);
    return "released";
  }

  /**
   * Starts a new generation: every outstanding lease becomes stale (its release is a no-op) and all
   * capacity is free again. For recovering from a crash of the workers that held them.
   */
  reset(): void {
    this.active.clear();
    this.held.fill(0);
    this.currentGeneration += 1;
  }

  /**
   * Changes what may be held of a resource from now on, between 0 (exclusive) and its capacity (inclusive), e.g.
   * an AIMD controller shrinking a provider's concurrency after a 429. Lowering it below what is held takes
   * nothing back: leases already granted stay valid, and new ones wait until enough is released. Raising it
   * makes room at once; whoever admits work (DagScheduler.setLimit, AsyncAdmission.setLimit) dispatches then.
   */
  setLimit(resource: string, limit: number): void {
    const slot = this.slotOf(resource);
    const ceiling = this.ceilings[slot] as number;
    if (!(Number.isFinite(limit) && limit > 0 && limit <= ceiling)) {
      throw new RangeError(`the limit of ${resource} must be above 0 and at most its capacity ${ceiling}, got ${limit}`);
    }
    this.limits[slot] = limit;
  }

  heldAmount(resource: string): number {
    return this.held[this.slotOf(resource)] as number;
  }

  /** What may be held now (the capacity unless `setLimit` lowered it). */
  limitOf(resource: string): number {
    return this.limits[this.slotOf(resource)] as number;
  }

  /** The most the limit can be: the limit the ledger was built with. */
  capacityOf(resource: string): number {
    return this.ceilings[this.slotOf(resource)] as number;
  }

  /** resource key → capacity (the limit the ledger was built with), in key order. */
  capacities(): Record<string, number> {
    const result: Record<string, number> = {};
    this.keys.forEach((key, slot) => {
      result[key] = this.ceilings[slot] as number;
    });
    return result;
  }

  private slotOf(resource: string): number {
    const slot = this.slotByKey.get(resource);
    if (slot === undefined) throw new UnknownResourceError(`no limit is declared for resource "${resource}"`);
    return slot;
  }
}
