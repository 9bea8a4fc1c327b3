// The fair kinds under a steady backlog: long-run service shares follow the weights (wfq, drr, vtc), the
// virtual token counter's service lag stays bounded however long the run, round robin serves backlogged groups
// in turn, and a group returning from idle does not monopolise. Each property fails on a planted bug.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VtcGroup, VtcQueue } from "../../../src/policies/queues/vtc.ts";
import type { ReadyQueue } from "../../../src/policies/ready-queue.ts";
import { ManualClock, type QTask, buildQueue, contextFor, serveBacklogged, task } from "./harness.ts";

const GROUPS = ["a", "b", "c", "d"];

interface ShareCase {
  readonly weights: readonly number[];
  /** Cost range per group: tasks cost between 1 and this. */
  readonly maxCosts: readonly number[];
  readonly seed: number;
}

const shareCase: fc.Arbitrary<ShareCase> = fc.integer({ min: 2, max: 4 }).chain((groups) =>
  fc.record({
    weights: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: groups, maxLength: groups }),
    maxCosts: fc.array(fc.integer({ min: 50, max: 2000 }), { minLength: groups, maxLength: groups }),
    seed: fc.nat(),
  }),
);

/** Costs drawn by a small LCG from the case's seed: varied but replayable. */
function costs(testCase: ShareCase): (group: string, index: number) => number {
  let state = testCase.seed >>> 0;
  return (group) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const max = testCase.maxCosts[GROUPS.indexOf(group)] as number;
    return 1 + (state % max);
  };
}

/** Service shares within 5% (relative) of the weights' shares after 6,000 tasks. */
function sharesFollowWeights(build: (weights: Record<string, number>) => ReadyQueue<QTask>) {
  return fc.property(shareCase, (testCase) => {
    const groups = GROUPS.slice(0, testCase.weights.length);
    const weights = Object.fromEntries(groups.map((group, index) => [group, testCase.weights[index] as number]));
    const { service } = serveBacklogged(build(weights), groups, 6000, { cost: costs(testCase) });
    const total = Object.values(service).reduce((sum, value) => sum + value, 0);
    const weightTotal = testCase.weights.reduce((sum, value) => sum + value, 0);
    return groups.every((group) => {
      const target = (weights[group] as number) / weightTotal;
      return Math.abs((service[group] as number) / total - target) <= 0.05 * target;
    });
  });
}

const FAIR_KINDS: readonly [string, (weights: Record<string, number>) => ReadyQueue<QTask>][] = [
  ["wfq", (weights) => buildQueue("wfq", { weights, cost: "tokens" })],
  // A quantum near the cost of a task, so most groups run into debt now and then.
  ["drr", (weights) => buildQueue("drr", { quanta: Object.fromEntries(Object.entries(weights).map(([group, weight]) => [group, weight * 500])), unit: "tokens" })],
  ["vtc", (weights) => buildQueue("vtc", { weights })],
];

describe("long-run service shares follow the weights when every group is backlogged", () => {
  it.each(FAIR_KINDS)("%s", (_kind, build) => {
    fc.assert(sharesFollowWeights(build), { numRuns: 40, seed: 7_001 });
  });

  it.each(FAIR_KINDS)("%s with its weights ignored fails the property (planted bug)", (_kind, build) => {
    expect(fc.check(sharesFollowWeights(() => build({})), { numRuns: 40, seed: 7_002 }).failed).toBe(true);
  });

  it("FIFO fails it too: equal turns are not equal service when costs differ", () => {
    expect(fc.check(sharesFollowWeights(() => buildQueue("fifo")), { numRuns: 40, seed: 7_003 }).failed).toBe(true);
  });
});

/** Planted bug: output is never charged, so the counter sees only input (zero here) and cannot even out service. */
class OutputBlindVtc extends VtcQueue<QTask> {
  override charge(): void {}
}

/** Planted bug: a group returning from idle keeps its old, low counter (no lift). */
class UnliftedVtc extends VtcQueue<QTask> {
  protected override activated(group: VtcGroup<QTask>): void {
    this.heap.push(group);
  }
}

const vtcOptions = { weights: { byGroup: {}, defaultWeight: 1 }, inputWeight: 1, outputWeight: 2 };

/** The largest |S_i − S_j| over time between two backlogged groups, service counted as the counter does (2 × output). */
function maxLag(queue: ReadyQueue<QTask>, steps: number, maxCosts: readonly [number, number]): number {
  let state = 7;
  const cost = (group: string): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return 1 + (state % (group === "a" ? maxCosts[0] : maxCosts[1]));
  };
  const service: Record<string, number> = { a: 0, b: 0 };
  for (const group of ["a", "b"]) for (let index = 0; index < 3; index += 1) queue.enqueue(task(group, { cost: cost(group), input: 0 }));
  let lag = 0;
  for (let step = 0; step < steps; step += 1) {
    const next = queue.select(() => true) as QTask;
    queue.commit(next);
    queue.charge?.(next, { inputTokens: 0, outputTokens: next.cost, providerMs: 0 });
    service[next.group] = (service[next.group] as number) + 2 * next.cost;
    lag = Math.max(lag, Math.abs((service.a as number) - (service.b as number)));
    queue.enqueue(task(next.group, { cost: cost(next.group), input: 0 }));
  }
  return lag;
}

describe("virtual token counter", () => {
  const lagBounded = (make: () => ReadyQueue<QTask>) =>
    fc.property(fc.integer({ min: 10, max: 1000 }), fc.integer({ min: 10, max: 1000 }), (costA, costB) => {
      // REFERENCE §7: backlogged counters stay within 2U, U = w_out × the largest output (inputs are 0 here).
      const bound = 2 * 2 * Math.max(costA, costB);
      return maxLag(make(), 1000, [costA, costB]) <= bound && maxLag(make(), 20_000, [costA, costB]) <= bound;
    });

  it("keeps the service lag between backlogged groups under 2U at 1k and at 20k tasks alike", () => {
    fc.assert(lagBounded(() => buildQueue("vtc")), { numRuns: 30, seed: 7_101 });
  });

  it("fails that bound when output is not charged (planted bug), and FIFO's lag grows with the run", () => {
    expect(fc.check(lagBounded(() => new OutputBlindVtc(vtcOptions, contextFor(new ManualClock()))), { numRuns: 30, seed: 7_102 }).failed).toBe(true);
    const fifoShort = maxLag(buildQueue("fifo"), 1000, [10, 1000]);
    const fifoLong = maxLag(buildQueue("fifo"), 20_000, [10, 1000]);
    expect(fifoLong).toBeGreaterThan(10 * fifoShort);
  });

  const returningGroupShares = (make: () => ReadyQueue<QTask>) =>
    fc.property(fc.integer({ min: 200, max: 3000 }), (idleSteps) => {
      const queue = make();
      serveBacklogged(queue, ["a", "b"], idleSteps, { depth: 2 });
      for (let index = 0; index < 30; index += 1) queue.enqueue(task("c", { cost: 1, input: 0 }));
      let served = 0;
      for (let step = 0; step < 30; step += 1) {
        const next = queue.select(() => true) as QTask;
        queue.commit(next);
        queue.charge?.(next, { inputTokens: 0, outputTokens: next.cost, providerMs: 0 });
        if (next.group === "c") served += 1;
        else queue.enqueue(task(next.group, { cost: 1, input: 0 }));
      }
      // Three backlogged groups: about a third each, not everything to the newcomer.
      return served <= 12;
    });

  it("a group back from idle is lifted to the least active counter and does not monopolise", () => {
    fc.assert(returningGroupShares(() => buildQueue("vtc")), { numRuns: 20, seed: 7_103 });
    fc.assert(returningGroupShares(() => buildQueue("wfq")), { numRuns: 20, seed: 7_104 });
  });

  it("without the lift the returning group takes every turn (planted bug)", () => {
    expect(fc.check(returningGroupShares(() => new UnliftedVtc(vtcOptions, contextFor(new ManualClock()))), { numRuns: 20, seed: 7_105 }).failed).toBe(true);
  });

  it("a charge for a group it has never seen is ignored", () => {
    const queue = new VtcQueue<QTask>(vtcOptions, contextFor(new ManualClock()));
    queue.charge(task("ghost"), { inputTokens: 5, outputTokens: 5, providerMs: 5 });
    expect(queue.counterOf("ghost")).toBe(0);
    expect(queue.size).toBe(0);
  });
});

describe("round robin", () => {
  const inTurn = (make: () => ReadyQueue<QTask>) =>
    fc.property(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 10, max: 300 }), (groupCount, depth, steps) => {
      const groups = GROUPS.slice(0, groupCount);
      const queue = make();
      const served: Record<string, number> = Object.fromEntries(groups.map((group) => [group, 0]));
      for (const group of groups) for (let index = 0; index < depth; index += 1) queue.enqueue(task(group));
      for (let step = 0; step < steps; step += 1) {
        const next = queue.select(() => true) as QTask;
        queue.commit(next);
        served[next.group] = (served[next.group] as number) + 1;
        queue.enqueue(task(next.group));
        const counts = Object.values(served);
        if (Math.max(...counts) - Math.min(...counts) > 1) return false;
      }
      return true;
    });

  it("serves every backlogged group once per round: counts never differ by more than one", () => {
    fc.assert(inTurn(() => buildQueue("round_robin")), { numRuns: 100, seed: 7_201 });
  });

  it("FIFO does not (planted bug: no turns)", () => {
    expect(fc.check(inTurn(() => buildQueue("fifo")), { numRuns: 100, seed: 7_202 }).failed).toBe(true);
  });

  it("passes over a group with nothing eligible without taking its turn away", () => {
    const queue = buildQueue("round_robin");
    const [a1, b1, a2] = [task("a"), task("b"), task("a")];
    for (const queued of [a1, b1, a2]) queue.enqueue(queued as QTask);
    const onlyA = (candidate: QTask): boolean => candidate.group === "a";
    expect(queue.select(onlyA)).toBe(a1);
    queue.commit(a1 as QTask);
    // b's turn: b cannot run, so a goes again; b keeps its place for the next selection.
    expect(queue.select(onlyA)).toBe(a2);
    expect(queue.select(() => true)).toBe(b1);
  });
});

describe("deficit round robin", () => {
  it("a task dearer than the quantum waits for enough turns, and the group then pays it off before it is served again", () => {
    const queue = buildQueue("drr", { quanta: { a: 100, b: 100 }, unit: "tokens" });
    const dear = task("a", { cost: 350 });
    queue.enqueue(dear);
    for (let index = 0; index < 8; index += 1) queue.enqueue(task("b", { cost: 100 }));
    queue.enqueue(task("a", { cost: 100 }));
    const order: string[] = [];
    for (let next = queue.select(() => true); next !== undefined; next = queue.select(() => true)) {
      queue.commit(next);
      order.push(`${next.group}${next.cost}`);
    }
    // a's 350-token task goes on a's first turn (its deficit 100 − 350 = −250), then a's turns pay the debt
    // off a quantum at a time (−150, −50) while b is served; on its fourth turn a is at +50 and goes again.
    expect(order).toEqual(["a350", "b100", "b100", "b100", "a100", "b100", "b100", "b100", "b100", "b100"]);
  });

  it("rejects a quantum that is not positive, naming the option", () => {
    expect(() => buildQueue("drr", { default_quantum: 0 })).toThrow(/default_quantum/);
    expect(() => buildQueue("drr", { unit: "dollars" })).toThrow(/unit/);
  });
});
