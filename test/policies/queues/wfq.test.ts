// wfq: long-run service follows the weights; normalised service of backlogged groups stays within one task's
// cost of each other (the start-time fair queueing bound); a group back from idle starts at the virtual time and
// does not monopolise; idle groups are swept at O(1) amortised per leave. Each property fails on a planted bug.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type WfqGroup, WfqQueue } from "../../../src/policies/queues/wfq.ts";
import type { ReadyQueue } from "../../../src/policies/ready-queue.ts";
import { DEMANDS, ManualClock, type QTask, buildQueue, contextFor, serveBacklogged, task } from "./harness.ts";

const GROUPS = ["a", "b", "c", "d"];

/** Planted bug: no virtual time: a group coming back keeps its old finish time and resumes from there. */
class UnclampedWfq extends WfqQueue<QTask> {
  protected override activated(group: WfqGroup<QTask>): void {
    this.heap.push(group);
  }
  protected override served(group: WfqGroup<QTask>): void {
    group.finish += 1 / group.weight;
    this.heap.update(group);
  }
}

interface ShareCase {
  readonly weights: readonly number[];
  readonly maxCosts: readonly number[];
  readonly seed: number;
}

const shareCase = (groups: fc.Arbitrary<number>): fc.Arbitrary<ShareCase> =>
  groups.chain((count) =>
    fc.record({
      weights: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: count, maxLength: count }),
      maxCosts: fc.array(fc.integer({ min: 50, max: 2000 }), { minLength: count, maxLength: count }),
      seed: fc.nat(),
    }),
  );

function costs(testCase: ShareCase): (group: string) => number {
  let state = testCase.seed >>> 0;
  return (group) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return 1 + ((state >>> 8) % (testCase.maxCosts[GROUPS.indexOf(group)] as number));
  };
}

const weightsOf = (testCase: ShareCase): Record<string, number> => Object.fromEntries(testCase.weights.map((weight, index) => [GROUPS[index] as string, weight]));
const wfqWith = (weights: Record<string, number>, cost: "tasks" | "tokens" = "tokens"): ReadyQueue<QTask> => buildQueue("wfq", { weights, cost });

/** Token service shares within 5% (relative) of the weights' shares after 6,000 tasks. */
const sharesFollowWeights = (build: (weights: Record<string, number>) => ReadyQueue<QTask>) =>
  fc.property(shareCase(fc.integer({ min: 2, max: 4 })), (testCase) => {
    const groups = GROUPS.slice(0, testCase.weights.length);
    const { service } = serveBacklogged(build(weightsOf(testCase)), groups, 6000, { cost: costs(testCase) });
    const total = Object.values(service).reduce((sum, value) => sum + value, 0);
    const weightTotal = testCase.weights.reduce((sum, value) => sum + value, 0);
    return groups.every((group, index) => {
      const target = (testCase.weights[index] as number) / weightTotal;
      return Math.abs((service[group] as number) / total - target) <= 0.05 * target;
    });
  });

/**
 * Backlogged from the start, a group's finish time is S_g / w_g and the smallest goes next, so at every step
 * max_g S_g/w_g − min_g S_g/w_g ≤ max_g (largest cost of g / w_g): bounded whatever the run's length.
 */
const normalisedServiceBounded = (build: (weights: Record<string, number>) => ReadyQueue<QTask>) =>
  fc.property(shareCase(fc.integer({ min: 2, max: 4 })), fc.integer({ min: 100, max: 3000 }), (testCase, steps) => {
    const groups = GROUPS.slice(0, testCase.weights.length);
    const weights = weightsOf(testCase);
    const queue = build(weights);
    const cost = costs(testCase);
    for (const group of groups) for (let index = 0; index < 3; index += 1) queue.enqueue(task(group, { cost: cost(group) }));
    const normalised = groups.map(() => 0);
    const bound = Math.max(...groups.map((group, index) => (testCase.maxCosts[index] as number) / (weights[group] as number)));
    for (let step = 0; step < steps; step += 1) {
      const next = queue.select(() => true) as QTask;
      queue.commit(next);
      const index = groups.indexOf(next.group);
      normalised[index] = (normalised[index] as number) + next.cost / (weights[next.group] as number);
      if (Math.max(...normalised) - Math.min(...normalised) > bound + 1e-9) return false;
      queue.enqueue(task(next.group, { cost: cost(next.group) }));
    }
    return true;
  });

describe("weighted fair queueing under a steady backlog", () => {
  it("long-run token shares are within 5% of the weights' shares", () => {
    fc.assert(sharesFollowWeights(wfqWith), { numRuns: 40, seed: 9_401 });
  });

  it("fails that when the weights are ignored (planted bug)", () => {
    expect(fc.check(sharesFollowWeights(() => wfqWith({})), { numRuns: 40, seed: 9_402 }).failed).toBe(true);
  });

  it("keeps normalised service within the largest weighted task cost at every step", () => {
    fc.assert(normalisedServiceBounded(wfqWith), { numRuns: 60, seed: 9_403 });
  });

  it("fails the bound when tasks are counted, not their tokens (planted bug: the wrong cost)", () => {
    expect(fc.check(normalisedServiceBounded((weights) => wfqWith(weights, "tasks")), { numRuns: 60, seed: 9_404 }).failed).toBe(true);
  });
});

/** c was served once long ago; after `idleSteps` tasks to a and b it returns with 30 tasks: about a third of 30. */
const returningGroupShares = (make: () => ReadyQueue<QTask>) =>
  fc.property(fc.integer({ min: 200, max: 3000 }), (idleSteps) => {
    const queue = make();
    queue.enqueue(task("c"));
    queue.commit(queue.select(() => true) as QTask);
    serveBacklogged(queue, ["a", "b"], idleSteps, { depth: 2 });
    for (let index = 0; index < 30; index += 1) queue.enqueue(task("c"));
    let served = 0;
    for (let step = 0; step < 30; step += 1) {
      const next = queue.select(() => true) as QTask;
      queue.commit(next);
      if (next.group === "c") served += 1;
      else queue.enqueue(task(next.group));
    }
    return served <= 12;
  });

describe("weighted fair queueing: a group back from idle", () => {
  it("starts no earlier than the virtual time and does not monopolise", () => {
    fc.assert(returningGroupShares(() => wfqWith({})), { numRuns: 20, seed: 9_411 });
  });

  it("keeping its old finish time, it takes every turn (planted bug)", () => {
    expect(fc.check(returningGroupShares(() => new UnclampedWfq({ weights: { byGroup: {}, defaultWeight: 1 }, cost: "tasks" }, contextFor(new ManualClock()))), { numRuns: 20, seed: 9_412 }).failed).toBe(true);
  });
});

/** Counts the sweep's questions, to show a leave costs O(1) amortised. */
class CountingWfq extends WfqQueue<QTask> {
  questions = 0;
  get groupsKept(): number {
    return this.groups.size;
  }
  protected override canForget(group: WfqGroup<QTask>): boolean {
    this.questions += 1;
    return super.canForget(group);
  }
}

describe("weighted fair queueing: edge cases", () => {
  it("moves the virtual time to the start of each task served: start = max(V, finish), finish = start + cost / weight", () => {
    const queue = new WfqQueue<QTask>({ weights: { byGroup: { a: 2 }, defaultWeight: 1 }, cost: "tokens" }, contextFor(new ManualClock()));
    const tasks = [task("a", { cost: 10 }), task("a", { cost: 10 }), task("b", { cost: 4 })];
    for (const queued of tasks) queue.enqueue(queued);
    const order: number[] = [];
    for (let next = queue.select(() => true); next !== undefined; next = queue.select(() => true)) {
      queue.commit(next);
      order.push(next.id);
    }
    // a at 0 (tie, active first) → a finishes 5; b at 0 → 4; a at 5 → 10. V: 0, 0, 5.
    expect(order).toEqual([tasks[0]?.id, tasks[2]?.id, tasks[1]?.id]);
    expect(queue.virtualTimeNow).toBe(5);
  });

  it("ties go to the group active longest; a skipped group keeps its place", () => {
    const queue = wfqWith({}, "tasks");
    const [b1, a1] = [task("b", { demand: DEMANDS.y }), task("a")];
    queue.enqueue(b1 as QTask);
    queue.enqueue(a1 as QTask);
    expect(queue.ordered()).toEqual([b1, a1]);
    expect(queue.select((candidate) => candidate.demand === DEMANDS.x)).toBe(a1);
    expect(queue.select(() => true)).toBe(b1);
    expect(queue.select(() => false)).toBeUndefined();
  });

  it("removing a task mid-queue keeps the rest in order; unknown tasks are refused", () => {
    const queue = wfqWith({});
    const tasks = [task("a"), task("a"), task("a")];
    for (const queued of tasks) queue.enqueue(queued);
    expect(queue.remove(tasks[1] as QTask)).toBe(true);
    expect(queue.remove(tasks[1] as QTask)).toBe(false);
    expect(queue.commit(task("z"))).toBe(false);
    expect(queue.ordered()).toEqual([tasks[0], tasks[2]]);
  });

  it("with one task per group (group_by job), sweeping costs O(1) per leave and the groups kept stay bounded", () => {
    const queue = new CountingWfq({ weights: { byGroup: {}, defaultWeight: 1 }, cost: "tasks" }, contextFor(new ManualClock()));
    const backlog = 2000;
    for (let index = 0; index < backlog; index += 1) queue.enqueue(task(`job${index}`));
    const leaves = 20_000;
    for (let index = 0; index < leaves; index += 1) {
      queue.commit(queue.select(() => true) as QTask);
      queue.enqueue(task(`job${backlog + index}`));
    }
    // Every job left at V + 1 (V never moves here), so none may be forgotten early: only the cap bounds them.
    expect(queue.questions).toBeLessThan(3 * leaves);
    expect(queue.groupsKept).toBeLessThanOrEqual(backlog + 2 * 4096 + 1);
  });

  it("forgets an idle group once the virtual time reaches its finish time, and keeps it before", () => {
    const queue = new CountingWfq({ weights: { byGroup: {}, defaultWeight: 1 }, cost: "tasks" }, contextFor(new ManualClock()));
    const serveOne = (): void => {
      queue.commit(queue.select(() => true) as QTask);
    };
    // 100 groups served once at V = 0 leave with finish 1: the sweep at 65 idle groups must keep them all.
    for (let index = 0; index < 100; index += 1) queue.enqueue(task(`early${index}`));
    for (let index = 0; index < 100; index += 1) serveOne();
    expect(queue.groupsKept).toBe(100);
    // a's second task starts at 1, so V = 1: the early groups' finish times now equal V.
    queue.enqueue(task("a"));
    queue.enqueue(task("a"));
    serveOne();
    serveOne();
    expect(queue.virtualTimeNow).toBe(1);
    // 30 more groups leave (each at finish 2); the 131st idle group sweeps: the early ones go, a and these stay.
    for (let index = 0; index < 30; index += 1) {
      queue.enqueue(task(`late${index}`));
      serveOne();
    }
    expect(queue.groupsKept).toBe(31);
  });

  it("rejects bad options, naming them", () => {
    expect(() => buildQueue("wfq", { default_weight: -1 })).toThrow(/default_weight/);
    expect(() => buildQueue("wfq", { weights: { a: 0 } })).toThrow(/weights/);
    expect(() => buildQueue("wfq", { cost: "dollars" })).toThrow(/cost/);
    expect(() => buildQueue("wfq", { quanta: {} })).toThrow(/quanta/);
  });
});
