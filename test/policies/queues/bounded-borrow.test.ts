// bounded_borrow under random arrivals and completions, with the global cap enforced as the ledger would: no
// group ever runs more than capacity − reserved; a borrower in debt (at or past its strict share) is never
// served while a peer waits; and when a borrower's tasks come back, each waiting peer reaches its strict share.
// Each property fails on a planted bug.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BoundedBorrowQueue, defaultReserve } from "../../../src/policies/queues/bounded-borrow.ts";
import type { ShareGroup } from "../../../src/policies/queues/capacity-shares.ts";
import type { QueueKind } from "../../../src/policies/queues/queue-kind.ts";
import { queueKind } from "../../../src/policies/queues/registry.ts";
import type { ReadyQueue } from "../../../src/policies/ready-queue.ts";
import { refuted } from "./planted.ts";
import { DEMANDS, ManualClock, type QTask, buildQueue, contextFor, task } from "./harness.ts";
import { SHARE_GROUPS, ShareDriver, type ShareCase, playShares, shareCase, withoutGlobalCap } from "./shares-driver.ts";

function reserveOf(capacity: number): number {
  return Math.min(defaultReserve(capacity), capacity - 1);
}

function strictShare(group: string, weights: Readonly<Record<string, number>>, capacity: number): number {
  const total = SHARE_GROUPS.reduce((sum, name) => sum + (weights[name] as number), 0);
  return Math.ceil((capacity * (weights[group] as number)) / total);
}

function boundedBorrow(testCase: Pick<ShareCase, "weights" | "capacity">): BoundedBorrowQueue<QTask> {
  return buildQueue("bounded_borrow", { weights: testCase.weights, capacity: testCase.capacity }) as BoundedBorrowQueue<QTask>;
}

type Make = (testCase: Pick<ShareCase, "weights" | "capacity">) => ReadyQueue<QTask>;

/** No commit takes a group past capacity − reserved, within its share or borrowing. */
function reserveHolds(make: Make) {
  return fc.property(shareCase, (testCase) =>
    playShares(make(testCase), testCase.capacity, testCase.script).commits.every((commit) => commit.runningBefore < testCase.capacity - reserveOf(testCase.capacity)),
  );
}

/** No commit serves a group at or past its strict share while another group has work queued. */
function debtorsWait(make: Make) {
  return fc.property(shareCase, (testCase) =>
    playShares(make(testCase), testCase.capacity, testCase.script).commits.every(
      (commit) => !commit.peersWaited || commit.runningBefore < strictShare(commit.group, testCase.weights, testCase.capacity),
    ),
  );
}

const recoveryCase = fc.record({
  weights: fc.record({ a: fc.integer({ min: 1, max: 8 }), b: fc.integer({ min: 1, max: 8 }), c: fc.integer({ min: 1, max: 8 }) }),
  capacity: fc.integer({ min: 2, max: 24 }),
  borrower: fc.nat(2),
  peers: fc.subarray([0, 1, 2], { minLength: 1 }),
});

/**
 * A borrower fills what a lone group may take; peers arrive with more work than their shares; then the
 * borrower's tasks end one by one. Once they have all ended, no group runs past its strict share, and every
 * waiting peer holds its strict share (or capacity − reserved, if smaller) unless the capacity is all in use.
 */
function peersRecover(make: Make) {
  return fc.property(recoveryCase, ({ weights, capacity, borrower, peers }) => {
    const borrowerName = SHARE_GROUPS[borrower] as string;
    const peerNames = peers.map((index) => SHARE_GROUPS[index] as string).filter((name) => name !== borrowerName);
    if (peerNames.length === 0) return true;
    const driver = new ShareDriver(make({ weights, capacity }), capacity);
    // Enough that the borrower still waits at the end, whatever it was given.
    driver.arrive(borrowerName, 2 * capacity + 3);
    driver.dispatch();
    for (const peer of peerNames) driver.arrive(peer, strictShare(peer, weights, capacity) + 2);
    driver.dispatch();
    for (const borrowed of driver.running.filter((running) => running.group === borrowerName)) {
      driver.finish(borrowed);
      driver.dispatch();
    }
    const counts = driver.counts();
    const limit = capacity - reserveOf(capacity);
    if (SHARE_GROUPS.some((group) => (counts[group]?.running as number) > strictShare(group, weights, capacity))) return false;
    if (driver.running.length === capacity) return true;
    return peerNames.every((peer) => (counts[peer]?.running as number) >= Math.min(strictShare(peer, weights, capacity), limit));
  });
}

function variant(testCase: Pick<ShareCase, "weights" | "capacity">): ConstructorParameters<typeof BoundedBorrowQueue<QTask>> {
  return [{ weights: { byGroup: testCase.weights, defaultWeight: 1 }, capacity: testCase.capacity, reserved: undefined }, contextFor(new ManualClock())];
}

/** Planted bug (the first version of this kind): the reserve is only checked when borrowing, not within the share. */
class ReserveOnlyWhenBorrowing extends BoundedBorrowQueue<QTask> {
  protected override mayRunAnother(group: ShareGroup<QTask>): boolean {
    if (group.running < this.strictShareOf(group.name)) return true;
    return !this.peersWait(group) && group.running < this.groupLimit;
  }
}

/** Planted bug: borrows whenever it is under the reserve, waiting peers or not. */
class BorrowsWhilePeersWait extends BoundedBorrowQueue<QTask> {
  protected override peersWait(): boolean {
    return false;
  }
}

/** Planted bug: strict shares rounded down, so a peer stops one short of its share while capacity idles. */
class FlooredShares extends BoundedBorrowQueue<QTask> {
  private readonly configuredTotal = Object.values(this.weightsByGroup()).reduce((sum, weight) => sum + weight, 0);
  protected override mayRunAnother(group: ShareGroup<QTask>): boolean {
    if (group.running >= this.groupLimit) return false;
    return group.running < Math.floor((this.capacity * group.weight) / this.configuredTotal) || !this.peersWait(group);
  }
  private weightsByGroup(): Record<string, number> {
    return Object.fromEntries(SHARE_GROUPS.map((name) => [name, this.weightOf(name)]));
  }
}

describe("bounded_borrow: properties", () => {
  it("no group ever runs more than capacity − reserved", () => {
    fc.assert(reserveHolds(boundedBorrow), { numRuns: 300, seed: 6_101 });
  });

  it("a queue that checks the reserve only when borrowing fails that (planted bug)", () => {
    expect(refuted(fc.check(reserveHolds((testCase) => new ReserveOnlyWhenBorrowing(...variant(testCase))), { numRuns: 300, seed: 6_102 }))).toBe(true);
  });

  it("a borrower in debt is never served while a peer waits", () => {
    fc.assert(debtorsWait(boundedBorrow), { numRuns: 300, seed: 6_103 });
  });

  it("a queue that borrows while peers wait fails that (planted bug)", () => {
    expect(refuted(fc.check(debtorsWait((testCase) => new BorrowsWhilePeersWait(...variant(testCase))), { numRuns: 300, seed: 6_104 }))).toBe(true);
  });

  it("as a borrower's tasks come back, each waiting peer reaches its strict share", () => {
    fc.assert(peersRecover(boundedBorrow), { numRuns: 300, seed: 6_105 });
  });

  it("queues that round shares down, or keep lending to the borrower, fail that (planted bugs)", () => {
    expect(refuted(fc.check(peersRecover((testCase) => new FlooredShares(...variant(testCase))), { numRuns: 300, seed: 6_106 }))).toBe(true);
    expect(refuted(fc.check(peersRecover((testCase) => new BorrowsWhilePeersWait(...variant(testCase))), { numRuns: 300, seed: 6_107 }))).toBe(true);
  });
});

describe("bounded_borrow: edge cases", () => {
  it("uses the published reserve: min(8, max(1, ceil(capacity / 8)))", () => {
    expect([1, 8, 9, 16, 64, 65, 200].map(defaultReserve)).toEqual([1, 1, 2, 2, 8, 8, 8]);
  });

  it("a lone group stops at capacity − reserve, and a peer arriving then runs at once", () => {
    const driver = new ShareDriver(boundedBorrow({ weights: { a: 1, b: 1, c: 2 }, capacity: 16 }), 16);
    driver.arrive("c", 30);
    driver.dispatch();
    expect(driver.running).toHaveLength(14);
    driver.arrive("a", 1);
    driver.dispatch();
    expect(driver.counts().a).toEqual({ queued: 0, running: 1 });
  });

  it("a reserve never takes the last slot: capacity 1 lets a group run one task", () => {
    const queue = boundedBorrow({ weights: {}, capacity: 1 });
    expect(queue.reserved).toBe(0);
    const driver = new ShareDriver(queue, 1);
    driver.arrive("a", 2);
    driver.dispatch();
    expect(driver.running).toHaveLength(1);
  });

  it("takes a reserved option, clamped to capacity − 1", () => {
    expect((buildQueue("bounded_borrow", { capacity: 10, reserved: 0 }) as BoundedBorrowQueue<QTask>).groupLimit).toBe(10);
    expect((buildQueue("bounded_borrow", { capacity: 10, reserved: 4 }) as BoundedBorrowQueue<QTask>).groupLimit).toBe(6);
    expect((buildQueue("bounded_borrow", { capacity: 10, reserved: 40 }) as BoundedBorrowQueue<QTask>).groupLimit).toBe(1);
    expect((buildQueue("bounded_borrow", { capacity: 10 }) as BoundedBorrowQueue<QTask>).groupLimit).toBe(8);
  });

  it("counts every group seen in Σ weights, and keeps counting it when it goes idle", () => {
    const queue = buildQueue("bounded_borrow", { weights: { a: 2 }, default_weight: 1, capacity: 12 }) as BoundedBorrowQueue<QTask>;
    expect(queue.strictShareOf("a")).toBe(12);
    // A group not seen yet is priced as if it had just arrived.
    expect(queue.strictShareOf("new")).toBe(4);
    expect(queue.strictShareOf("a")).toBe(12);
    const visitor = task("visitor");
    queue.enqueue(visitor);
    expect(queue.strictShareOf("a")).toBe(8);
    expect(queue.strictShareOf("visitor")).toBe(4);
    queue.commit(visitor);
    queue.released(visitor);
    expect(queue.countsOf("visitor")).toEqual({ queued: 0, running: 0 });
    expect(queue.strictShareOf("a")).toBe(8);
    // A listed group is counted from the start, seen or not.
    queue.enqueue(task("a"));
    expect(queue.strictShareOf("a")).toBe(8);
  });

  it("never forgets a group, even among hundreds of idle ones (shares shrink: not meant for group_by job)", () => {
    const queue = buildQueue("bounded_borrow", { capacity: 8 }) as BoundedBorrowQueue<QTask>;
    for (let index = 0; index < 200; index += 1) {
      const passing = task(`job-${index}`);
      queue.enqueue(passing);
      queue.commit(passing);
      queue.released(passing);
    }
    expect(queue.strictShareOf("job-0")).toBe(1);
    expect(queue.countsOf("job-0")).toEqual({ queued: 0, running: 0 });
  });

  it("keeps idle groups' records past 64 of them: forgetting one would count its weight twice when it returns", () => {
    const queue = buildQueue("bounded_borrow", { weights: { a: 100 }, capacity: 100 }) as BoundedBorrowQueue<QTask>;
    const visit = (group: string): void => {
      const passing = task(group);
      queue.enqueue(passing);
      queue.commit(passing);
      queue.released(passing);
    };
    for (let index = 0; index < 70; index += 1) visit(`job-${index}`);
    expect(queue.groupsTracked).toBe(70);
    expect(queue.strictShareOf("a")).toBe(59);
    for (let index = 0; index < 70; index += 1) visit(`job-${index}`);
    expect(queue.strictShareOf("a")).toBe(59);
  });

  it("is registered as bounded_borrow: needs a capacity, reports its weights as fairness weights", () => {
    const definition = queueKind("bounded_borrow") as QueueKind;
    expect(definition.summary).toMatch(/borrow/);
    expect(definition.needsCapacity).toBe(true);
    const spec = { kind: "bounded_borrow", groupBy: "tenant" as const, options: definition.schema.parse({ kind: "bounded_borrow", weights: { a: 3 }, default_weight: 2 }) };
    expect(definition.weights(spec)).toEqual({ byGroup: { a: 3 }, defaultWeight: 2 });
  });

  it("ignores a release it cannot match, and removes from the middle of a group", () => {
    const queue = buildQueue("bounded_borrow", { capacity: 4 }) as BoundedBorrowQueue<QTask>;
    queue.released(task("ghost"));
    const tasks = [task("a"), task("a", { demand: DEMANDS.y }), task("a")];
    for (const queued of tasks) queue.enqueue(queued);
    queue.released(tasks[0] as QTask);
    expect(queue.countsOf("a")).toEqual({ queued: 3, running: 0 });
    expect(queue.remove(tasks[1] as QTask)).toBe(true);
    expect(queue.remove(tasks[1] as QTask)).toBe(false);
    expect(queue.commit(tasks[1] as QTask)).toBe(false);
    expect(queue.commit(tasks[2] as QTask)).toBe(true);
    expect(queue.countsOf("a")).toEqual({ queued: 1, running: 1 });
    expect(queue.ordered()).toEqual([tasks[0]]);
  });

  it("takes the policy's global cap when no capacity is given, and refuses bad options by name", () => {
    expect((buildQueue("bounded_borrow", {}, new ManualClock(), 4) as BoundedBorrowQueue<QTask>).capacity).toBe(4);
    expect(() => buildQueue("bounded_borrow", { reserved: -1 })).toThrow(/reserved/);
    expect(() => buildQueue("bounded_borrow", { reserved: 0.5 })).toThrow(/reserved/);
    expect(() => buildQueue("bounded_borrow", { weights: { a: -1 } })).toThrow(/weights/);
    expect(() => buildQueue("bounded_borrow", { capacity: 0 })).toThrow(/capacity/);
    expect(() => withoutGlobalCap("bounded_borrow")).toThrow(/needs a capacity/);
  });
});
