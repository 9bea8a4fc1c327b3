// Model-based tests (fast-check commands) of the lease ledger and of every ready queue: random sequences of
// acquire, release (live, duplicate, foreign and stale leases), reset, enqueue, select, commit and remove,
// each checked step by step against a reference model simple enough to be obviously right. Each property is
// shown to catch a planted bug.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Clock } from "../../src/policies/clock.ts";
import { FifoQueue } from "../../src/policies/queues/fifo.ts";
import { type Demand, type Lease, LeaseLedger, type ReleaseReason, type ReleaseResult } from "../../src/policies/lease-ledger.ts";
import type { ReadyQueue } from "../../src/policies/ready-queue.ts";

const clock: Clock = { now: () => 0 };

// ---- the lease ledger ----

const LIMITS = { global: 3, "provider:a": 2, "provider:b": 2 };
const VECTORS: readonly Record<string, number>[] = [{ global: 1, "provider:a": 1 }, { global: 1, "provider:b": 1 }, { global: 2 }, { "provider:a": 2 }, { global: 0.5 }];

interface LedgerModel {
  readonly held: Map<string, number>;
  readonly leases: { readonly vector: Record<string, number>; readonly generation: number; released: boolean }[];
  generation: number;
}

interface LedgerReal {
  readonly ledger: LeaseLedger;
  readonly leases: Lease[];
  /** A lease of another ledger: releasing it here must be `unknown`. */
  readonly foreign: Lease;
}

type LedgerCommand = fc.Command<LedgerModel, LedgerReal>;

function fits(model: LedgerModel, vector: Record<string, number>): boolean {
  return Object.entries(vector).every(([key, amount]) => (model.held.get(key) ?? 0) + amount <= LIMITS[key as keyof typeof LIMITS]);
}

/** After every command: the counts and every admission decision agree with the model. */
function sameLedgerState(model: LedgerModel, real: LedgerReal): void {
  for (const key of Object.keys(LIMITS)) expect(real.ledger.heldAmount(key), key).toBeCloseTo(model.held.get(key) ?? 0, 9);
  for (const vector of VECTORS) expect(real.ledger.canAcquire(real.ledger.demand(vector))).toBe(fits(model, vector));
  expect(real.ledger.activeLeaseCount).toBe(model.leases.filter((lease) => !lease.released && lease.generation === model.generation).length);
}

class Acquire implements LedgerCommand {
  constructor(readonly vector: number) {}
  check(): boolean {
    return true;
  }
  run(model: LedgerModel, real: LedgerReal): void {
    const vector = VECTORS[this.vector] as Record<string, number>;
    const expected = fits(model, vector);
    const lease = real.ledger.tryAcquire(real.ledger.demand(vector), model.leases.length);
    expect(lease !== undefined, "admitted").toBe(expected);
    if (lease !== undefined) {
      for (const [key, amount] of Object.entries(vector)) model.held.set(key, (model.held.get(key) ?? 0) + amount);
      model.leases.push({ vector, generation: model.generation, released: false });
      real.leases.push(lease);
    }
    sameLedgerState(model, real);
  }
  toString(): string {
    return `acquire(${JSON.stringify(VECTORS[this.vector])})`;
  }
}

class Release implements LedgerCommand {
  constructor(readonly pick: number) {}
  check(model: LedgerModel): boolean {
    return model.leases.length > 0;
  }
  run(model: LedgerModel, real: LedgerReal): void {
    const index = this.pick % model.leases.length;
    const entry = model.leases[index] as LedgerModel["leases"][number];
    const expected: ReleaseResult = entry.released ? "duplicate" : entry.generation !== model.generation ? "stale" : "released";
    expect(real.ledger.release(real.leases[index] as Lease, "success")).toBe(expected);
    if (expected === "released") {
      entry.released = true;
      for (const [key, amount] of Object.entries(entry.vector)) model.held.set(key, (model.held.get(key) ?? 0) - amount);
    }
    sameLedgerState(model, real);
  }
  toString(): string {
    return `release(#${this.pick})`;
  }
}

class ReleaseForeign implements LedgerCommand {
  constructor(readonly forged: boolean) {}
  check(): boolean {
    return true;
  }
  run(model: LedgerModel, real: LedgerReal): void {
    // A lease of another ledger, or a copy of one (same fields, not issued by anyone): both unknown, no effect.
    const lease = this.forged ? { ...real.foreign } : real.foreign;
    expect(real.ledger.release(lease, "cancel")).toBe("unknown");
    sameLedgerState(model, real);
  }
  toString(): string {
    return this.forged ? "release(forged)" : "release(foreign)";
  }
}

class Reset implements LedgerCommand {
  check(): boolean {
    return true;
  }
  run(model: LedgerModel, real: LedgerReal): void {
    real.ledger.reset();
    model.generation += 1;
    model.held.clear();
    sameLedgerState(model, real);
  }
  toString(): string {
    return "reset";
  }
}

const ledgerCommands = fc.commands(
  [
    fc.integer({ min: 0, max: VECTORS.length - 1 }).map((vector) => new Acquire(vector)),
    fc.nat().map((pick) => new Release(pick)),
    fc.boolean().map((forged) => new ReleaseForeign(forged)),
    fc.constant(new Reset()),
  ],
  { maxCommands: 60 },
);

function ledgerMatchesModel(makeLedger: (limits: Record<string, number>) => LeaseLedger) {
  return fc.property(ledgerCommands, (commands) => {
    const other = new LeaseLedger(LIMITS, clock);
    const foreign = other.tryAcquire(other.demand({ global: 1 }), 0) as Lease;
    fc.modelRun(() => ({ model: { held: new Map(), leases: [], generation: 1 }, real: { ledger: makeLedger(LIMITS), leases: [], foreign } }), commands);
  });
}

/** Planted bug: a second release of the same lease reports success and gives capacity back again. */
class DoubleReleaseLedger extends LeaseLedger {
  private readonly seen = new Set<number>();
  override release(lease: Lease, reason: ReleaseReason): ReleaseResult {
    const result = super.release(lease, reason);
    if (result === "released") this.seen.add(lease.id);
    return result === "duplicate" && this.seen.has(lease.id) ? "released" : result;
  }
}

/** Planted bug: reset starts a new generation but keeps the held counts. */
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

/** Planted bug: a lease from before a reset is reported released instead of stale. */
class GenerationBlindLedger extends LeaseLedger {
  override release(lease: Lease, reason: ReleaseReason): ReleaseResult {
    const result = super.release(lease, reason);
    return result === "stale" ? "released" : result;
  }
}

describe("LeaseLedger against its model", () => {
  it("agrees on every admission, count and release result", () => {
    fc.assert(ledgerMatchesModel((limits) => new LeaseLedger(limits, clock)), { numRuns: 300, seed: 4 });
  });

  it.each([
    ["a duplicate release treated as released", (limits: Record<string, number>) => new DoubleReleaseLedger(limits, clock)],
    ["a reset that keeps the held counts", (limits: Record<string, number>) => new SloppyResetLedger(limits, clock)],
    ["a stale lease released as current", (limits: Record<string, number>) => new GenerationBlindLedger(limits, clock)],
  ])("catches %s (planted bug)", (_name, make) => {
    expect(fc.check(ledgerMatchesModel(make), { numRuns: 300, seed: 5 }).failed).toBe(true);
  });
});

// ---- ready queues ----

/** Enough distinct resources that empty groups pile up past the FIFO's sweep threshold (64). */
const RESOURCE_COUNT = 300;
let queueDemands: readonly Demand[] | undefined;

/** One demand per resource, made on first use inside a test: no ledger code runs while the file loads (Stryker counts that as static). */
function demandOf(group: number): Demand {
  if (queueDemands === undefined) {
    const queueLedger = new LeaseLedger(Object.fromEntries(Array.from({ length: RESOURCE_COUNT }, (_, index) => [`r${index}`, 1])), clock);
    queueDemands = Array.from({ length: RESOURCE_COUNT }, (_, index) => queueLedger.demand({ [`r${index}`]: 1 }));
  }
  return queueDemands[group] as Demand;
}

interface QueuedTask {
  readonly id: number;
  readonly demand: Demand;
  readonly group: number;
}

interface QueueModel {
  /** Queued tasks, oldest first: a FIFO queue's whole specification. */
  queued: QueuedTask[];
  /** Every task ever made, queued or not, for commits and removals of tasks no longer queued. */
  readonly known: QueuedTask[];
}

type QueueCommand = fc.Command<QueueModel, ReadyQueue<QueuedTask>>;

function sameQueueState(model: QueueModel, real: ReadyQueue<QueuedTask>): void {
  expect(real.size).toBe(model.queued.length);
  expect(real.ordered().map((task) => task.id)).toEqual(model.queued.map((task) => task.id));
}

class Enqueue implements QueueCommand {
  constructor(readonly group: number) {}
  check(): boolean {
    return true;
  }
  run(model: QueueModel, real: ReadyQueue<QueuedTask>): void {
    const task = { id: model.known.length + 1, demand: demandOf(this.group), group: this.group };
    model.known.push(task);
    model.queued.push(task);
    real.enqueue(task);
    sameQueueState(model, real);
  }
  toString(): string {
    return `enqueue(r${this.group})`;
  }
}

/** A task arrives and is canceled at once: its demand's group is left empty, as in a long-lived process. */
class EnqueueAndCancel implements QueueCommand {
  constructor(readonly group: number) {}
  check(): boolean {
    return true;
  }
  run(model: QueueModel, real: ReadyQueue<QueuedTask>): void {
    new Enqueue(this.group).run(model, real);
    new TakeOut(model.known.length - 1, "remove").run(model, real);
  }
  toString(): string {
    return `enqueue+cancel(r${this.group})`;
  }
}

/** A task that was queued once and is not now goes back in (a retry). */
class Requeue implements QueueCommand {
  constructor(readonly pick: number) {}
  check(model: QueueModel): boolean {
    return model.known.some((task) => !model.queued.includes(task));
  }
  run(model: QueueModel, real: ReadyQueue<QueuedTask>): void {
    const out = model.known.filter((task) => !model.queued.includes(task));
    const task = out[this.pick % out.length] as QueuedTask;
    model.queued.push(task);
    real.enqueue(task);
    sameQueueState(model, real);
  }
  toString(): string {
    return `requeue(#${this.pick})`;
  }
}

/** Select among eligible groups (a bit mask over the group number), then maybe commit what was selected. */
class SelectCommit implements QueueCommand {
  constructor(
    readonly mask: number,
    readonly commit: boolean,
  ) {}
  check(): boolean {
    return true;
  }
  run(model: QueueModel, real: ReadyQueue<QueuedTask>): void {
    const eligible = (task: QueuedTask): boolean => ((this.mask >> task.group % 8) & 1) === 1;
    const expected = model.queued.find(eligible);
    const selected = real.select(eligible);
    expect(selected?.id).toBe(expected?.id);
    sameQueueState(model, real);
    if (this.commit && selected !== undefined) {
      expect(real.commit(selected)).toBe(true);
      model.queued = model.queued.filter((task) => task !== selected);
      sameQueueState(model, real);
    }
  }
  toString(): string {
    return `select(${this.mask.toString(2)})${this.commit ? "+commit" : ""}`;
  }
}

/** Commit or remove any known task, queued or not (a stale selection, a cancellation). */
class TakeOut implements QueueCommand {
  constructor(
    readonly pick: number,
    readonly how: "commit" | "remove",
  ) {}
  check(model: QueueModel): boolean {
    return model.known.length > 0;
  }
  run(model: QueueModel, real: ReadyQueue<QueuedTask>): void {
    const task = model.known[this.pick % model.known.length] as QueuedTask;
    const wasQueued = model.queued.includes(task);
    expect(this.how === "commit" ? real.commit(task) : real.remove(task)).toBe(wasQueued);
    model.queued = model.queued.filter((queued) => queued !== task);
    sameQueueState(model, real);
  }
  toString(): string {
    return `${this.how}(#${this.pick})`;
  }
}

function queueCommandsOver(group: fc.Arbitrary<number>, churn: number) {
  const enqueue = group.map((chosen) => new Enqueue(chosen));
  return fc.commands(
    [
      enqueue,
      enqueue,
      ...Array.from({ length: churn }, () => group.map((chosen) => new EnqueueAndCancel(chosen))),
      fc.nat().map((pick) => new Requeue(pick)),
      fc.tuple(fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([mask, commit]) => new SelectCommit(mask, commit)),
      fc.tuple(fc.nat(), fc.constantFrom("commit" as const, "remove" as const)).map(([pick, how]) => new TakeOut(pick, how)),
    ],
    { maxCommands: 400, size: "max" },
  );
}

/** Runs over a few demands (long FIFOs per group) and runs over many (groups come and go, and are swept). */
const queueCommands = fc.oneof(queueCommandsOver(fc.integer({ min: 0, max: 3 }), 1), queueCommandsOver(fc.integer({ min: 0, max: RESOURCE_COUNT - 1 }), 4));

function queueMatchesModel(makeQueue: () => ReadyQueue<QueuedTask>, afterRun: (model: QueueModel, real: ReadyQueue<QueuedTask>) => void = () => undefined) {
  return fc.property(queueCommands, (commands) => {
    const model: QueueModel = { queued: [], known: [] };
    const real = makeQueue();
    fc.modelRun(() => ({ model, real }), commands);
    afterRun(model, real);
  });
}

/** Planted bug: head-of-line blocking; only the oldest task is considered, so a full provider blocks all others. */
class HeadOfLineQueue extends FifoQueue<QueuedTask> {
  override select(eligible: (task: QueuedTask) => boolean): QueuedTask | undefined {
    const first = this.ordered()[0];
    return first !== undefined && eligible(first) ? first : undefined;
  }
}

/** Planted bug: commit says yes to a task that is no longer queued, so a stale selection is admitted twice. */
class StaleCommitQueue extends FifoQueue<QueuedTask> {
  override commit(task: QueuedTask): boolean {
    super.commit(task);
    return true;
  }
}

const QUEUES: readonly [string, () => ReadyQueue<QueuedTask>][] = [["FifoQueue", () => new FifoQueue<QueuedTask>()]];

describe.each(QUEUES)("%s against its model", (_name, makeQueue) => {
  it("selects, commits, removes and orders as a plain FIFO list would", () => {
    let sweptRuns = 0;
    const sweepsSeen = (model: QueueModel, real: ReadyQueue<QueuedTask>): void => {
      // A peek at FifoQueue's private group table: fewer groups than demands ever queued means a sweep ran.
      const groups = (real as unknown as { groups?: Map<string, unknown> }).groups;
      if (groups !== undefined && groups.size < new Set(model.known.map((task) => task.group)).size) sweptRuns += 1;
    };
    fc.assert(queueMatchesModel(makeQueue, sweepsSeen), { numRuns: 200, seed: 6 });
    if (makeQueue() instanceof FifoQueue) expect(sweptRuns).toBeGreaterThan(10);
  });
});

describe("the queue model property", () => {
  it.each([
    ["head-of-line blocking", () => new HeadOfLineQueue()],
    ["a commit that accepts a stale selection", () => new StaleCommitQueue()],
  ])("catches %s (planted bug)", (_name, make) => {
    expect(fc.check(queueMatchesModel(make), { numRuns: 200, seed: 5 }).failed).toBe(true);
  });
});
