// vtc: long-run service (input charged at commit, output as it is reported) follows the weights; the service lag
// between backlogged groups stays under a constant however long the run, while FIFO's grows; a group back from
// idle is lifted and does not monopolise. Each property fails on a planted bug.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type VtcGroup, VtcQueue, vtcKind } from "../../../src/policies/queues/vtc.ts";
import type { ReadyQueue } from "../../../src/policies/ready-queue.ts";
import { DEMANDS, ManualClock, type QTask, buildQueue, contextFor, task } from "./harness.ts";

const GROUPS = ["a", "b", "c", "d"];
const W_IN = 1;
const W_OUT = 2;

/** Planted bug: output is never charged, so the counter sees only input. */
class OutputBlindVtc extends VtcQueue<QTask> {
  override charge(): void {}
}

/** Planted bug: a group becoming active keeps its old counter (no lift). */
class UnliftedVtc extends VtcQueue<QTask> {
  protected override activated(group: VtcGroup<QTask>): void {
    this.heap.push(group);
  }
}

/** Planted bug: the lift looks only at active groups, so a group arriving while all are idle starts from 0. */
class ActiveOnlyLiftVtc extends VtcQueue<QTask> {
  protected override activated(group: VtcGroup<QTask>): void {
    const least = this.heap.peek();
    if (least !== undefined) group.counter = Math.max(group.counter, least.counter);
    this.heap.push(group);
  }
}

const equalWeights = { weights: { byGroup: {}, defaultWeight: 1 }, inputWeight: W_IN, outputWeight: W_OUT };
const vtcWith = (weights: Record<string, number>): ReadyQueue<QTask> => buildQueue("vtc", { weights });

interface Workload {
  readonly weights: readonly number[];
  /** Per group: inputs are 0..maxInput, outputs 0..maxOutput tokens. */
  readonly maxInputs: readonly number[];
  readonly maxOutputs: readonly number[];
  readonly seed: number;
}

const workload = (groups: fc.Arbitrary<number>): fc.Arbitrary<Workload> =>
  groups.chain((count) =>
    fc.record({
      weights: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: count, maxLength: count }),
      maxInputs: fc.array(fc.integer({ min: 100, max: 2000 }), { minLength: count, maxLength: count }),
      maxOutputs: fc.array(fc.integer({ min: 100, max: 1000 }), { minLength: count, maxLength: count }),
      seed: fc.nat(),
    }),
  );

/**
 * Keeps every group backlogged and serves `steps` tasks: each committed task is charged its output at once.
 * Service = input × w_in + output × w_out. Returns the service per group and the largest |S_i/w_i − S_j/w_j| seen.
 */
function runBacklogged(queue: ReadyQueue<QTask>, testCase: Workload, steps: number): { service: number[]; lagMax: number } {
  let state = testCase.seed >>> 0;
  const draw = (max: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % (max + 1);
  };
  const count = testCase.weights.length;
  const add = (index: number): void => {
    const output = draw(testCase.maxOutputs[index] as number);
    queue.enqueue(task(GROUPS[index] as string, { input: draw(testCase.maxInputs[index] as number), cost: output }));
  };
  for (let index = 0; index < count; index += 1) for (let depth = 0; depth < 3; depth += 1) add(index);
  const service = new Array<number>(count).fill(0);
  let lagMax = 0;
  for (let step = 0; step < steps; step += 1) {
    const next = queue.select(() => true) as QTask;
    queue.commit(next);
    queue.charge?.(next, { inputTokens: next.input, outputTokens: next.cost, providerMs: 1 });
    queue.released?.(next);
    const index = GROUPS.indexOf(next.group);
    service[index] = (service[index] as number) + next.input * W_IN + next.cost * W_OUT;
    const normalised = service.map((value, group) => value / (testCase.weights[group] as number));
    lagMax = Math.max(lagMax, Math.max(...normalised) - Math.min(...normalised));
    add(index);
  }
  return { service, lagMax };
}

const weightsOf = (testCase: Workload): Record<string, number> => Object.fromEntries(testCase.weights.map((weight, index) => [GROUPS[index] as string, weight]));

/** Service shares within 5% (relative) of the weights' shares after 6,000 tasks. */
const sharesFollowWeights = (build: (weights: Record<string, number>) => ReadyQueue<QTask>) =>
  fc.property(workload(fc.integer({ min: 2, max: 4 })), (testCase) => {
    const { service } = runBacklogged(build(weightsOf(testCase)), testCase, 6000);
    const total = service.reduce((sum, value) => sum + value, 0);
    const weightTotal = testCase.weights.reduce((sum, value) => sum + value, 0);
    return service.every((value, index) => {
      const target = (testCase.weights[index] as number) / weightTotal;
      return Math.abs(value / total - target) <= 0.05 * target;
    });
  });

/**
 * REFERENCE §7: backlogged counters stay within 2U, U = max(w_in × largest input, w_out × largest output); in
 * weighted terms, 2U / the smallest weight. Checked at 1,000 and at 20,000 tasks against the same constant.
 */
const lagBounded = (build: (weights: Record<string, number>) => ReadyQueue<QTask>) =>
  fc.property(workload(fc.constant(2)), (testCase) => {
    const u = Math.max(W_IN * Math.max(...testCase.maxInputs), W_OUT * Math.max(...testCase.maxOutputs));
    const bound = (2 * u) / Math.min(...testCase.weights);
    return runBacklogged(build(weightsOf(testCase)), testCase, 1000).lagMax <= bound && runBacklogged(build(weightsOf(testCase)), testCase, 20_000).lagMax <= bound;
  });

describe("virtual token counter under a steady backlog", () => {
  it("long-run service (input at commit, output as charged) is within 5% of the weights' shares", () => {
    fc.assert(sharesFollowWeights(vtcWith), { numRuns: 40, seed: 9_301 });
  });

  it("fails that when the weights are ignored (planted bug)", () => {
    expect(fc.check(sharesFollowWeights(() => vtcWith({})), { numRuns: 40, seed: 9_302 }).failed).toBe(true);
  });

  it("keeps the lag between backlogged groups under 2U at 1k and at 20k tasks alike", () => {
    fc.assert(lagBounded(vtcWith), { numRuns: 25, seed: 9_303 });
  });

  it("fails the bound when output is not charged (planted bug)", () => {
    expect(fc.check(lagBounded(() => new OutputBlindVtc(equalWeights, contextFor(new ManualClock()))), { numRuns: 25, seed: 9_304 }).failed).toBe(true);
  });

  it("FIFO's lag on the same input grows with the run; VTC's does not", () => {
    const testCase: Workload = { weights: [1, 1], maxInputs: [10, 10], maxOutputs: [10, 1000], seed: 5 };
    const fifo = [1000, 20_000].map((steps) => runBacklogged(buildQueue("fifo"), testCase, steps).lagMax);
    const vtc = [1000, 20_000].map((steps) => runBacklogged(vtcWith({}), testCase, steps).lagMax);
    expect(fifo[1]).toBeGreaterThan(10 * (fifo[0] as number));
    expect(vtc[1]).toBeLessThanOrEqual(2 * W_OUT * 1000);
    expect(vtc[0]).toBeLessThanOrEqual(2 * W_OUT * 1000);
  });
});

/** After `idleSteps` tasks served to a and b, c arrives with 30 tasks: it gets about a third of the next 30. */
const returningGroupShares = (make: () => ReadyQueue<QTask>) =>
  fc.property(fc.integer({ min: 200, max: 3000 }), (idleSteps) => {
    const queue = make();
    const serve = (): QTask => {
      const next = queue.select(() => true) as QTask;
      queue.commit(next);
      queue.charge?.(next, { inputTokens: next.input, outputTokens: next.cost, providerMs: 1 });
      queue.released?.(next);
      return next;
    };
    // c was seen once, long ago, so it has a counter to be lifted from.
    queue.enqueue(task("c"));
    serve();
    for (const group of ["a", "b", "a", "b"]) queue.enqueue(task(group));
    for (let step = 0; step < idleSteps; step += 1) queue.enqueue(task(serve().group));
    for (let index = 0; index < 30; index += 1) queue.enqueue(task("c"));
    let served = 0;
    for (let step = 0; step < 30; step += 1) {
      const next = serve();
      if (next.group === "c") served += 1;
      else queue.enqueue(task(next.group));
    }
    return served <= 12;
  });

describe("virtual token counter: a group back from idle", () => {
  it("is lifted to the least active counter and does not monopolise", () => {
    fc.assert(returningGroupShares(() => vtcWith({})), { numRuns: 20, seed: 9_311 });
  });

  it("without the lift takes every turn (planted bug)", () => {
    expect(fc.check(returningGroupShares(() => new UnliftedVtc(equalWeights, contextFor(new ManualClock()))), { numRuns: 20, seed: 9_312 }).failed).toBe(true);
  });

  it("arriving while every group is idle starts at the counter of the group that left last", () => {
    const scenario = (queue: VtcQueue<QTask>): string[] => {
      for (let index = 0; index < 5; index += 1) queue.enqueue(task("a", { input: 100 }));
      for (let next = queue.select(() => true); next !== undefined; next = queue.select(() => true)) queue.commit(next);
      // Nothing is active; b is new, then a comes back: they should alternate, not b five times.
      for (let index = 0; index < 3; index += 1) queue.enqueue(task("b", { input: 100 }));
      for (let index = 0; index < 3; index += 1) queue.enqueue(task("a", { input: 100 }));
      const order: string[] = [];
      for (let next = queue.select(() => true); next !== undefined; next = queue.select(() => true)) {
        queue.commit(next);
        order.push(next.group);
      }
      return order;
    };
    const queue = new VtcQueue<QTask>(equalWeights, contextFor(new ManualClock()));
    expect(scenario(queue)).toEqual(["b", "a", "b", "a", "b", "a"]);
    expect(queue.counterOf("b")).toBe(800);
    // Planted bug: b starts from 0 and takes its three turns before a gets one.
    expect(scenario(new ActiveOnlyLiftVtc(equalWeights, contextFor(new ManualClock())))).toEqual(["b", "b", "b", "a", "a", "a"]);
  });
});

describe("virtual token counter: edge cases", () => {
  it("charges input × w_in / weight at commit and output × w_out / weight when reported", () => {
    const queue = buildQueue("vtc", { weights: { a: 4 }, input_weight: 3, output_weight: 5 }) as VtcQueue<QTask>;
    const queued = task("a", { input: 8 });
    queue.enqueue(queued);
    queue.commit(queue.select(() => true) as QTask);
    expect(queue.counterOf("a")).toBe((8 * 3) / 4);
    queue.charge(queued, { inputTokens: 8, outputTokens: 4, providerMs: 1 });
    expect(queue.counterOf("a")).toBe(6 + (4 * 5) / 4);
  });

  it("ties go to the group that became active first", () => {
    const queue = vtcWith({});
    const [b1, a1, c1] = [task("b"), task("a"), task("c")];
    for (const queued of [b1, a1, c1]) queue.enqueue(queued as QTask);
    expect(queue.ordered()).toEqual([b1, a1, c1]);
    expect(queue.select(() => true)).toBe(b1);
  });

  it("skips a group with nothing eligible without changing its counter", () => {
    const queue = vtcWith({}) as VtcQueue<QTask>;
    const [a1, b1] = [task("a", { demand: DEMANDS.y }), task("b")];
    queue.enqueue(a1 as QTask);
    queue.enqueue(b1 as QTask);
    expect(queue.select((candidate) => candidate.demand === DEMANDS.x)).toBe(b1);
    expect(queue.select(() => false)).toBeUndefined();
    expect(queue.counterOf("a")).toBe(0);
  });

  it("removing a task mid-queue keeps the rest in order", () => {
    const queue = vtcWith({});
    const tasks = [task("a"), task("a"), task("a")];
    for (const queued of tasks) queue.enqueue(queued);
    expect(queue.remove(tasks[1] as QTask)).toBe(true);
    expect(queue.remove(tasks[1] as QTask)).toBe(false);
    expect(queue.ordered()).toEqual([tasks[0], tasks[2]]);
  });

  it("a charge for a group never seen, or forgotten since, is ignored", () => {
    const queue = new VtcQueue<QTask>(equalWeights, contextFor(new ManualClock()));
    queue.charge(task("ghost"), { inputTokens: 5, outputTokens: 5, providerMs: 5 });
    expect(queue.counterOf("ghost")).toBe(0);
    // 100 groups served once each and left idle at the floor: the sweep forgets them.
    const first = task("g0", { input: 0 });
    queue.enqueue(first);
    queue.commit(queue.select(() => true) as QTask);
    for (let index = 1; index < 100; index += 1) {
      queue.enqueue(task(`g${index}`, { input: 0 }));
      queue.commit(queue.select(() => true) as QTask);
    }
    queue.charge(first, { inputTokens: 0, outputTokens: 50, providerMs: 1 });
    expect(queue.counterOf("g0")).toBe(0);
    expect(queue.size).toBe(0);
  });

  it("does not forget an idle group that is ahead of the others", () => {
    const queue = new VtcQueue<QTask>(equalWeights, contextFor(new ManualClock()));
    // busy stays active at 0 (its task is never eligible), so the floor stays 0 while ahead is at 1000.
    queue.enqueue(task("busy", { input: 0 }));
    queue.enqueue(task("ahead", { input: 1000 }));
    queue.commit(queue.select((candidate) => candidate.group !== "busy") as QTask);
    for (let index = 0; index < 100; index += 1) {
      queue.enqueue(task(`g${index}`, { input: 0 }));
      queue.commit(queue.select((candidate) => candidate.group !== "busy") as QTask);
    }
    expect(queue.counterOf("ahead")).toBe(1000);
  });

  it("rejects bad options, naming them", () => {
    expect(() => buildQueue("vtc", { default_weight: 0 })).toThrow(/default_weight/);
    expect(() => buildQueue("vtc", { output_weight: -1 })).toThrow(/output_weight/);
    expect(() => buildQueue("vtc", { input_weight: "one" })).toThrow(/input_weight/);
    expect(() => buildQueue("vtc", { weights: { a: 0 } })).toThrow(/weights/);
  });

  it("reports its weights and default weight as the fairness weights", () => {
    const spec = { kind: "vtc", groupBy: "tenant" as const, options: vtcKind.schema.parse({ kind: "vtc", weights: { a: 3 }, default_weight: 2 }) };
    expect(vtcKind.weights(spec)).toEqual({ byGroup: { a: 3 }, defaultWeight: 2 });
  });
});
