// drr: the queue against an executable spec that plays deficit round robin one turn at a time; the deficit
// bound (−max cost < deficit ≤ quantum, so a turn serves less than quantum + max cost); long-run shares follow
// the quanta; the classic fairness bound between backlogged groups. Each property fails on a planted bug.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DrrQueue, drrKind } from "../../../src/policies/queues/drr.ts";
import type { ReadyQueue } from "../../../src/policies/ready-queue.ts";
import { DEMANDS, ManualClock, type QTask, buildQueue, contextFor, serveBacklogged, task } from "./harness.ts";

const GROUPS = ["a", "b", "c", "d"];
const QUANTA: Readonly<Record<string, number>> = { a: 300, b: 100 };
const DEFAULT_QUANTUM = 150;
const quantumOf = (group: string): number => QUANTA[group] ?? DEFAULT_QUANTUM;

/** Planted bug: a turn cut short by blocked work keeps its credit, so a group blocked now and then banks quanta. */
class BankingDrr extends DrrQueue<QTask> {
  protected override endTurn(): void {}
}

function realDrr(): DrrQueue<QTask> {
  return new DrrQueue<QTask>({ quanta: { byGroup: QUANTA, defaultWeight: DEFAULT_QUANTUM }, unit: "tokens" }, contextFor(new ManualClock()));
}

/**
 * The spec: the ring and the turn played one visit at a time. A visit to a group in debt pays a quantum off (it
 * sits the turn out); a visit to a group with credit and something eligible starts its turn (deficit += quantum)
 * and serves; a group with credit and nothing eligible is passed. A turn ends when the deficit is spent or the
 * group has nothing eligible; credit left then is forfeited. An emptied group leaves with its deficit reset.
 */
class ReferenceDrr {
  readonly ring: string[] = [];
  readonly deficits = new Map<string, number>();
  private readonly tasks = new Map<string, QTask[]>();
  private turn = 0;
  private started = false;

  enqueue(queued: QTask): void {
    const tasks = this.tasks.get(queued.group) ?? [];
    this.tasks.set(queued.group, tasks);
    if (tasks.length === 0) {
      // At the end of the round: just before the group whose turn it is.
      this.ring.splice(this.turn, 0, queued.group);
      if (this.ring.length > 1) this.turn += 1;
      else this.started = false;
    }
    tasks.push(queued);
  }

  select(eligible: (queued: QTask) => boolean): QTask | undefined {
    return this.play(eligible, false);
  }

  commit(queued: QTask, eligible: (queued: QTask) => boolean): void {
    expect(this.play(eligible, true)).toBe(queued);
    this.take(queued);
  }

  remove(queued: QTask): void {
    this.take(queued);
  }

  private play(eligible: (queued: QTask) => boolean, apply: boolean): QTask | undefined {
    if (!this.ring.some((group) => this.candidate(group, eligible) !== undefined)) return undefined;
    const deficits = apply ? this.deficits : new Map(this.deficits);
    const deficit = (group: string): number => deficits.get(group) ?? 0;
    let turn = this.turn;
    if (this.started) {
      const group = this.ring[turn] as string;
      const candidate = this.candidate(group, eligible);
      if (deficit(group) > 0 && candidate !== undefined) {
        if (apply) deficits.set(group, deficit(group) - candidate.cost);
        return candidate;
      }
      deficits.set(group, Math.min(deficit(group), 0));
      turn = (turn + 1) % this.ring.length;
    }
    for (let visit = 0; visit < 1_000_000; visit += 1) {
      const group = this.ring[turn] as string;
      const candidate = this.candidate(group, eligible);
      if (deficit(group) + quantumOf(group) <= 0) {
        deficits.set(group, deficit(group) + quantumOf(group));
      } else if (candidate !== undefined) {
        if (apply) {
          deficits.set(group, deficit(group) + quantumOf(group) - candidate.cost);
          this.turn = turn;
          this.started = true;
        }
        return candidate;
      }
      turn = (turn + 1) % this.ring.length;
    }
    throw new Error("the reference DRR went round a million times");
  }

  private candidate(group: string, eligible: (queued: QTask) => boolean): QTask | undefined {
    return (this.tasks.get(group) ?? []).find(eligible);
  }

  private take(queued: QTask): void {
    const tasks = this.tasks.get(queued.group) as QTask[];
    tasks.splice(tasks.indexOf(queued), 1);
    if (tasks.length > 0) return;
    this.deficits.set(queued.group, 0);
    const index = this.ring.indexOf(queued.group);
    this.ring.splice(index, 1);
    if (index < this.turn) this.turn -= 1;
    else if (index === this.turn) this.started = false;
    if (this.turn >= this.ring.length) this.turn = 0;
  }
}

const ops = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant("enqueue" as const), group: fc.nat(3), onY: fc.boolean(), cost: fc.integer({ min: 1, max: 700 }) }) },
    { weight: 5, arbitrary: fc.record({ op: fc.constant("dispatch" as const), eligibleX: fc.boolean(), eligibleY: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("remove" as const), pick: fc.nat() }) },
  ),
  { maxLength: 200, size: "max" },
);

/** Selections and deficits equal the spec's after every step, under random eligibility, removals and costs. */
const matchesSpec = (build: () => DrrQueue<QTask>) =>
  fc.property(ops, (steps) => {
    const queue = build();
    const reference = new ReferenceDrr();
    const queued: QTask[] = [];
    for (const step of steps) {
      if (step.op === "enqueue") {
        const made = task(GROUPS[step.group] as string, { cost: step.cost, demand: step.onY ? DEMANDS.y : DEMANDS.x });
        queue.enqueue(made);
        reference.enqueue(made);
        queued.push(made);
      } else if (step.op === "dispatch") {
        const eligible = (candidate: QTask): boolean => (candidate.demand === DEMANDS.x ? step.eligibleX : step.eligibleY);
        const chosen = queue.select(eligible);
        if (chosen !== reference.select(eligible)) return false;
        if (chosen === undefined) continue;
        queue.commit(chosen);
        reference.commit(chosen, eligible);
        queued.splice(queued.indexOf(chosen), 1);
      } else {
        const removed = queued[step.pick % Math.max(1, queued.length)];
        if (removed === undefined) continue;
        queue.remove(removed);
        reference.remove(removed);
        queued.splice(queued.indexOf(removed), 1);
      }
      for (const group of GROUPS) if (Math.abs(queue.deficitOf(group) - (reference.deficits.get(group) ?? 0)) > 1e-9) return false;
    }
    return true;
  });

/** −(largest cost) < deficit ≤ quantum at all times, under random eligibility: a turn serves < quantum + max cost. */
const deficitBounded = (build: () => DrrQueue<QTask>) =>
  fc.property(ops, (steps) => {
    const queue = build();
    const queued: QTask[] = [];
    let maxCost = 0;
    for (const step of steps) {
      if (step.op === "enqueue") {
        const made = task(GROUPS[step.group] as string, { cost: step.cost, demand: step.onY ? DEMANDS.y : DEMANDS.x });
        maxCost = Math.max(maxCost, step.cost);
        queue.enqueue(made);
        queued.push(made);
      } else if (step.op === "dispatch") {
        const chosen = queue.select((candidate) => (candidate.demand === DEMANDS.x ? step.eligibleX : step.eligibleY));
        if (chosen === undefined) continue;
        queue.commit(chosen);
        queued.splice(queued.indexOf(chosen), 1);
      } else {
        const removed = queued[step.pick % Math.max(1, queued.length)];
        if (removed !== undefined && queue.remove(removed)) queued.splice(queued.indexOf(removed), 1);
      }
      for (const group of GROUPS) {
        const deficit = queue.deficitOf(group);
        if (deficit > quantumOf(group) || (deficit < 0 && deficit <= -maxCost)) return false;
      }
    }
    return true;
  });

describe("deficit round robin against its spec", () => {
  it("selects what the one-turn-at-a-time spec selects, with the same deficits", () => {
    fc.assert(matchesSpec(realDrr), { numRuns: 300, seed: 9_201 });
  });

  it("a turn cut short by blocked work that keeps its credit departs from the spec (planted bug)", () => {
    expect(fc.check(matchesSpec(() => new BankingDrr({ quanta: { byGroup: QUANTA, defaultWeight: DEFAULT_QUANTUM }, unit: "tokens" }, contextFor(new ManualClock()))), { numRuns: 300, seed: 9_202 }).failed).toBe(true);
  });

  it("keeps every deficit in (−max cost, quantum]: a turn serves less than quantum + max cost", () => {
    fc.assert(deficitBounded(realDrr), { numRuns: 300, seed: 9_203 });
  });

  it("fails the bound when blocked groups bank their credit (planted bug)", () => {
    expect(fc.check(deficitBounded(() => new BankingDrr({ quanta: { byGroup: QUANTA, defaultWeight: DEFAULT_QUANTUM }, unit: "tokens" }, contextFor(new ManualClock()))), { numRuns: 300, seed: 9_204 }).failed).toBe(true);
  });
});

interface ShareCase {
  readonly quanta: readonly number[];
  readonly maxCosts: readonly number[];
  readonly seed: number;
}

const shareCase: fc.Arbitrary<ShareCase> = fc.integer({ min: 2, max: 4 }).chain((groups) =>
  fc.record({
    quanta: fc.array(fc.integer({ min: 100, max: 2000 }), { minLength: groups, maxLength: groups }),
    maxCosts: fc.array(fc.integer({ min: 200, max: 3000 }), { minLength: groups, maxLength: groups }),
    seed: fc.nat(),
  }),
);

/** Costs from a small LCG seeded by the case: varied, replayable. */
function costs(testCase: ShareCase): (group: string) => number {
  let state = testCase.seed >>> 0;
  return (group) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return 1 + ((state >>> 8) % (testCase.maxCosts[GROUPS.indexOf(group)] as number));
  };
}

const drrFor = (quanta: Record<string, number>, unit: "tasks" | "tokens" = "tokens"): ReadyQueue<QTask> => buildQueue("drr", { quanta, unit });

/** Token service shares within 5% (relative) of the quanta's shares after 20,000 tasks (hundreds of rounds). */
const sharesFollowQuanta = (build: (quanta: Record<string, number>) => ReadyQueue<QTask>) =>
  fc.property(shareCase, (testCase) => {
    const groups = GROUPS.slice(0, testCase.quanta.length);
    const quanta = Object.fromEntries(groups.map((group, index) => [group, testCase.quanta[index] as number]));
    const { service } = serveBacklogged(build(quanta), groups, 20_000, { cost: costs(testCase) });
    const total = Object.values(service).reduce((sum, value) => sum + value, 0);
    const quantumTotal = testCase.quanta.reduce((sum, value) => sum + value, 0);
    return groups.every((group) => {
      const target = (quanta[group] as number) / quantumTotal;
      return Math.abs((service[group] as number) / total - target) <= 0.05 * target;
    });
  });

/**
 * Shreedhar & Varghese's fairness bound, for the debt variant: over any prefix of a run where groups i and j are
 * backlogged, |S_i/Q_i − S_j/Q_j| < 3 + max cost/Q_i + max cost/Q_j. (Turn counts differ by at most one, and a
 * group's service over m turns is m·Q + d_start − d_end with the deficit in (−max cost, Q].)
 */
const normalisedServiceBounded = (build: (quanta: Record<string, number>) => ReadyQueue<QTask>) =>
  fc.property(shareCase, fc.integer({ min: 100, max: 2000 }), (testCase, steps) => {
    const groups = GROUPS.slice(0, testCase.quanta.length);
    const quanta = Object.fromEntries(groups.map((group, index) => [group, testCase.quanta[index] as number]));
    const queue = build(quanta);
    const cost = costs(testCase);
    for (const group of groups) for (let index = 0; index < 3; index += 1) queue.enqueue(task(group, { cost: cost(group) }));
    const normalised: Record<string, number> = Object.fromEntries(groups.map((group) => [group, 0]));
    const maxCost = Math.max(...testCase.maxCosts);
    for (let step = 0; step < steps; step += 1) {
      const next = queue.select(() => true) as QTask;
      queue.commit(next);
      normalised[next.group] = (normalised[next.group] as number) + next.cost / (quanta[next.group] as number);
      queue.enqueue(task(next.group, { cost: cost(next.group) }));
      for (const i of groups) {
        for (const j of groups) {
          const bound = 3 + maxCost / (quanta[i] as number) + maxCost / (quanta[j] as number);
          if ((normalised[i] as number) - (normalised[j] as number) >= bound) return false;
        }
      }
    }
    return true;
  });

describe("deficit round robin under a steady backlog", () => {
  it("long-run token shares are within 5% of the quanta's shares", () => {
    fc.assert(sharesFollowQuanta(drrFor), { numRuns: 40, seed: 9_211 });
  });

  it("fails that when the quanta are ignored (planted bug)", () => {
    expect(fc.check(sharesFollowQuanta(() => drrFor({})), { numRuns: 40, seed: 9_212 }).failed).toBe(true);
  });

  it("keeps normalised service within the classic bound at every step", () => {
    fc.assert(normalisedServiceBounded(drrFor), { numRuns: 60, seed: 9_213 });
  });

  it("fails the bound when tasks are counted, not their tokens (planted bug: the wrong unit)", () => {
    expect(fc.check(normalisedServiceBounded((quanta) => drrFor(Object.fromEntries(Object.entries(quanta).map(([group, quantum]) => [group, quantum / 1000])), "tasks")), { numRuns: 60, seed: 9_214 }).failed).toBe(true);
  });
});

describe("deficit round robin: edge cases", () => {
  const drain = (queue: ReadyQueue<QTask>, eligible: (candidate: QTask) => boolean = () => true): string[] => {
    const order: string[] = [];
    for (let next = queue.select(eligible); next !== undefined; next = queue.select(eligible)) {
      queue.commit(next);
      order.push(`${next.group}${next.cost}`);
    }
    return order;
  };

  it("a task dearer than the quantum goes on its group's turn, then the group sits out turns until out of debt", () => {
    const queue = buildQueue("drr", { quanta: { a: 100, b: 100 }, unit: "tokens" });
    queue.enqueue(task("a", { cost: 350 }));
    for (let index = 0; index < 8; index += 1) queue.enqueue(task("b", { cost: 100 }));
    queue.enqueue(task("a", { cost: 100 }));
    // a: 100 − 350 = −250; then its turns pay off −150, −50, and the fourth brings +50: a goes again.
    expect(drain(queue)).toEqual(["a350", "b100", "b100", "b100", "a100", "b100", "b100", "b100", "b100", "b100"]);
  });

  it("computes many turns of debt in one step: a quantum of 1 token against a 1,000,000-token task", () => {
    const queue = buildQueue("drr", { quanta: { a: 1, b: 1 }, unit: "tokens" });
    const [dear, cheap, next] = [task("a", { cost: 1_000_000 }), task("b", { cost: 1_000_000 }), task("a", { cost: 1 })];
    for (const queued of [dear, cheap, next]) queue.enqueue(queued as QTask);
    expect(drain(queue)).toEqual(["a1000000", "b1000000", "a1"]);
  });

  it("with everything eligible in debt, the group out of debt soonest goes next, ties in turn order", () => {
    const queue = new DrrQueue<QTask>({ quanta: { byGroup: { a: 10, b: 100 }, defaultWeight: 10 }, unit: "tokens" }, contextFor(new ManualClock()));
    for (const [group, cost] of [["a", 500], ["b", 500], ["a", 5], ["b", 5]] as const) queue.enqueue(task(group, { cost }));
    // a: 10 − 500 = −490 (49 turns to clear); b: 100 − 500 = −400 (4 turns): b goes first.
    expect(drain(queue)).toEqual(["a500", "b500", "b5", "a5"]);
    expect(queue.deficitOf("a")).toBe(0);
  });

  it("a group with nothing eligible is passed without gaining credit; its debt is still paid off", () => {
    const queue = buildQueue("drr", { quanta: { a: 100, b: 100 }, unit: "tokens" }) as DrrQueue<QTask>;
    const a = [task("a", { cost: 250 }), task("a", { cost: 10, demand: DEMANDS.y })];
    const b = [task("b", { cost: 50 }), task("b", { cost: 50 }), task("b", { cost: 50 }), task("b", { cost: 50 })];
    for (const queued of [...a, ...b]) queue.enqueue(queued);
    const onlyX = (candidate: QTask): boolean => candidate.demand === DEMANDS.x;
    expect(drain(queue, onlyX)).toEqual(["a250", "b50", "b50", "b50", "b50"]);
    // a's two turns while blocked paid 200 of its 150 debt: it stops at the quantum's remainder, never above 0.
    expect(queue.deficitOf("a")).toBe(-50);
    expect(drain(queue)).toEqual(["a10"]);
  });

  it("an emptied group leaves with its deficit reset and rejoins at the end of the round", () => {
    const queue = buildQueue("drr", { quanta: { a: 100 }, default_quantum: 100, unit: "tokens" }) as DrrQueue<QTask>;
    queue.enqueue(task("a", { cost: 30 }));
    queue.enqueue(task("b", { cost: 30 }));
    queue.commit(queue.select(() => true) as QTask);
    expect(queue.deficitOf("a")).toBe(0);
    queue.enqueue(task("a", { cost: 30 }));
    queue.enqueue(task("c", { cost: 30 }));
    expect(drain(queue).map((entry) => entry[0])).toEqual(["b", "a", "c"]);
  });

  it("unit tasks by default: every task costs 1, a quantum of 1 serves one task per turn", () => {
    const queue = buildQueue("drr");
    for (const group of ["a", "a", "b", "b"]) queue.enqueue(task(group, { cost: 999 }));
    expect(drain(queue)).toEqual(["a999", "b999", "a999", "b999"]);
    expect(drrKindWeights({ unit: "tokens" })).toEqual({ byGroup: {}, defaultWeight: 4000 });
    expect(drrKindWeights({ quanta: { a: 2 }, default_quantum: 3 })).toEqual({ byGroup: { a: 2 }, defaultWeight: 3 });
  });

  it("removing a task mid-queue keeps the others in order; unknown tasks are refused", () => {
    const queue = buildQueue("drr");
    const tasks = [task("a"), task("a"), task("a"), task("b")];
    for (const queued of tasks) queue.enqueue(queued);
    expect(queue.remove(tasks[1] as QTask)).toBe(true);
    expect(queue.remove(tasks[1] as QTask)).toBe(false);
    expect(queue.commit(task("z"))).toBe(false);
    expect(queue.ordered()).toEqual([tasks[0], tasks[2], tasks[3]]);
    expect(queue.size).toBe(3);
  });

  it("rejects bad options, naming them", () => {
    expect(() => buildQueue("drr", { default_quantum: 0 })).toThrow(/default_quantum/);
    expect(() => buildQueue("drr", { quanta: { a: -1 } })).toThrow(/quanta/);
    expect(() => buildQueue("drr", { unit: "dollars" })).toThrow(/unit/);
    expect(() => buildQueue("drr", { weights: {} })).toThrow(/weights/);
  });
});

function drrKindWeights(options: Record<string, unknown>) {
  const spec = { kind: "drr", groupBy: "tenant" as const, options: { quanta: {}, unit: "tasks", ...options } };
  return drrKind.weights(spec);
}
