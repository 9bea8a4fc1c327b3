// The share-based kinds under random arrivals and completions, with a global cap enforced as the ledger would
// (eligible only while fewer than `capacity` tasks run): proportional never lets a group past its share while
// another group waits and gives a lone group everything; bounded_borrow keeps its reserve and refuses a
// borrower in debt while peers wait. Each property fails on a planted bug.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BoundedBorrowQueue, defaultReserve } from "../../../src/policies/queues/bounded-borrow.ts";
import { ProportionalQueue } from "../../../src/policies/queues/proportional.ts";
import type { ReadyQueue } from "../../../src/policies/ready-queue.ts";
import { ManualClock, type QTask, buildQueue, contextFor, task } from "./harness.ts";

const GROUPS = ["a", "b", "c"] as const;

type Step = { readonly arrive: number; readonly group: number } | { readonly finish: number };

const steps = fc.array(
  fc.oneof(fc.record({ arrive: fc.integer({ min: 1, max: 4 }), group: fc.nat(2) }), fc.record({ finish: fc.nat() })),
  { minLength: 5, maxLength: 80, size: "max" },
);

interface Commit {
  readonly group: string;
  /** The group's running tasks just before the commit. */
  readonly runningBefore: number;
  /** Whether another group had a task queued at that moment. */
  readonly peersWaited: boolean;
  /** Groups with queued or running tasks, with their quotas. */
  readonly active: readonly string[];
}

/** Plays the steps, dispatching after each as the scheduler would, and records every commit. */
function play(queue: ReadyQueue<QTask>, capacity: number, script: readonly Step[]): Commit[] {
  const queued: QTask[] = [];
  const running: QTask[] = [];
  const commits: Commit[] = [];
  const dispatch = (): void => {
    for (;;) {
      const next = queue.select(() => running.length < capacity);
      if (next === undefined) return;
      const runningBefore = running.filter((other) => other.group === next.group).length;
      const peersWaited = queued.some((other) => other.group !== next.group);
      const active = GROUPS.filter((group) => queued.some((other) => other.group === group) || running.some((other) => other.group === group));
      queue.commit(next);
      queued.splice(queued.indexOf(next), 1);
      running.push(next);
      commits.push({ group: next.group, runningBefore, peersWaited, active });
    }
  };
  for (const step of script) {
    if ("arrive" in step) {
      for (let index = 0; index < step.arrive; index += 1) {
        const arriving = task(GROUPS[step.group] as string);
        queue.enqueue(arriving);
        queued.push(arriving);
      }
    } else {
      const done = running[step.finish % Math.max(1, running.length)];
      if (done !== undefined) {
        running.splice(running.indexOf(done), 1);
        queue.released?.(done);
      }
    }
    dispatch();
  }
  return commits;
}

const QUOTAS: Record<string, number> = { a: 3, b: 2, c: 1 };

function proportionalHolds(make: () => ReadyQueue<QTask>, capacity: number) {
  return fc.property(steps, (script) =>
    play(make(), capacity, script).every((commit) => {
      if (!commit.peersWaited) return true;
      const activeQuotas = commit.active.reduce((sum, group) => sum + (QUOTAS[group] as number), 0);
      return commit.runningBefore < (capacity * (QUOTAS[commit.group] as number)) / activeQuotas;
    }),
  );
}

/** Planted bug: the share is checked but "while others wait" is read as "always may borrow". */
class GreedyProportional extends ProportionalQueue<QTask> {
  protected override peersWait(): boolean {
    return false;
  }
}

describe("proportional", () => {
  const make = (): ReadyQueue<QTask> => buildQueue("proportional", { quotas: QUOTAS, capacity: 6 });

  it("a group at its share is never served while another group waits", () => {
    fc.assert(proportionalHolds(make, 6), { numRuns: 200, seed: 6_001 });
  });

  it("a queue that lends while others wait fails that (planted bug)", () => {
    const greedy = (): ReadyQueue<QTask> => new GreedyProportional({ quotas: { byGroup: QUOTAS, defaultWeight: 1 }, capacity: 6 }, contextFor(new ManualClock()));
    expect(fc.check(proportionalHolds(greedy, 6), { numRuns: 200, seed: 6_002 }).failed).toBe(true);
  });

  it("a group alone gets the whole capacity", () => {
    const queue = make();
    for (let index = 0; index < 10; index += 1) queue.enqueue(task("c"));
    const commits = play(queue, 6, []);
    expect(commits).toEqual([]);
    let admitted = 0;
    for (let next = queue.select(() => admitted < 6); next !== undefined; next = queue.select(() => admitted < 6)) {
      queue.commit(next);
      admitted += 1;
    }
    expect(admitted).toBe(6);
  });

  it("shares by quota among the groups that are active: 6 slots, quotas 3 and 1 with both waiting → 4.5 and 1.5", () => {
    const queue = buildQueue("proportional", { quotas: { a: 3, c: 1 }, capacity: 6 }) as ProportionalQueue<QTask>;
    for (let index = 0; index < 8; index += 1) {
      queue.enqueue(task("a"));
      queue.enqueue(task("c"));
    }
    const running: Record<string, number> = { a: 0, c: 0 };
    let total = 0;
    for (let next = queue.select(() => total < 6); next !== undefined; next = queue.select(() => total < 6)) {
      queue.commit(next);
      running[next.group] = (running[next.group] as number) + 1;
      total += 1;
    }
    expect(running).toEqual({ a: 4, c: 2 });
    expect(queue.shareOf("a")).toBe(4.5);
  });
});

const WEIGHTS: Record<string, number> = { a: 1, b: 1, c: 2 };

function boundedBorrowHolds(make: () => ReadyQueue<QTask>, capacity: number, reserved: number) {
  return fc.property(steps, (script) =>
    play(make(), capacity, script).every((commit) => {
      const strictShare = Math.ceil((capacity * (WEIGHTS[commit.group] as number)) / 4);
      if (commit.runningBefore < strictShare) return true;
      // Borrowing: only with no peer waiting, and never into the reserve.
      return !commit.peersWaited && commit.runningBefore < capacity - reserved;
    }),
  );
}

describe("bounded_borrow", () => {
  const capacity = 16;
  const reserved = defaultReserve(capacity);
  const make = (): ReadyQueue<QTask> => buildQueue("bounded_borrow", { weights: WEIGHTS, capacity });

  it("uses the published reserve: min(8, max(1, ceil(capacity / 8)))", () => {
    expect([1, 8, 16, 64, 200].map(defaultReserve)).toEqual([1, 1, 2, 8, 8]);
  });

  it("borrows only while no peer waits, never into the reserve, and a borrower in debt waits while peers wait", () => {
    fc.assert(boundedBorrowHolds(make, capacity, reserved), { numRuns: 200, seed: 6_101 });
  });

  it("a queue without a reserve fails that (planted bug)", () => {
    const noReserve = (): ReadyQueue<QTask> =>
      new BoundedBorrowQueue({ weights: { byGroup: WEIGHTS, defaultWeight: 1 }, capacity, reserved: 0 }, contextFor(new ManualClock()));
    expect(fc.check(boundedBorrowHolds(noReserve, capacity, reserved), { numRuns: 200, seed: 6_102 }).failed).toBe(true);
  });

  it("a lone group stops at capacity − reserve, and a peer arriving then runs at once", () => {
    const queue = make();
    for (let index = 0; index < 30; index += 1) queue.enqueue(task("c"));
    let running = 0;
    for (let next = queue.select(() => running < capacity); next !== undefined; next = queue.select(() => running < capacity)) {
      queue.commit(next);
      running += 1;
    }
    expect(running).toBe(capacity - reserved);
    const peer = task("a");
    queue.enqueue(peer);
    expect(queue.select(() => running < capacity)).toBe(peer);
  });
});

describe("share-based kinds need a capacity", () => {
  it("take the capacity option, or the policy's global cap, and refuse a bad one by name", () => {
    expect(() => buildQueue("proportional", { capacity: 0 })).toThrow(/capacity/);
    expect(() => buildQueue("bounded_borrow", { reserved: -1 }, new ManualClock(), 4)).toThrow(/reserved/);
    expect(buildQueue("bounded_borrow", {}, new ManualClock(), 4).size).toBe(0);
  });
});
