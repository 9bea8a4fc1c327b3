// round_robin: backlogged groups are served once per round, a group with nothing eligible keeps its place in
// the ring, newcomers join at the end of the round. Each property fails on a planted bug.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RoundRobinQueue } from "../../../src/policies/queues/round-robin.ts";
import type { ReadyQueue } from "../../../src/policies/ready-queue.ts";
import { DEMANDS, ManualClock, type QTask, buildQueue, contextFor, task } from "./harness.ts";

const GROUPS = ["a", "b", "c", "d"];

/** Planted bug: the turn never moves, so the first group is served for as long as it has work. */
class StuckTurn extends RoundRobinQueue<QTask> {
  protected override served(): void {}
}

/** Planted bug: the turn moves past the group whose turn it was, not past the group served. */
class AdvancesFromTurn extends RoundRobinQueue<QTask> {
  protected override served(): void {
    this.turn = this.turn?.next;
  }
}

const make = (): ReadyQueue<QTask> => buildQueue("round_robin");

/** Every group backlogged and eligible: after each task, served counts differ by at most one. */
const servedOncePerRound = (build: () => ReadyQueue<QTask>) =>
  fc.property(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 10, max: 300 }), (groupCount, depth, steps) => {
    const groups = GROUPS.slice(0, groupCount);
    const queue = build();
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

/**
 * Groups a and b always have an eligible task (demand x); c and d only on demand y, eligible at random. Among a
 * and b, counts never differ by more than one: a blocked group costs the others no turn.
 */
const blockedGroupsCostNoTurn = (build: () => ReadyQueue<QTask>) =>
  fc.property(fc.array(fc.boolean(), { minLength: 20, maxLength: 200 }), fc.integer({ min: 0, max: 3 }), (yEligible, rotation) => {
    const queue = build();
    const groups = [...GROUPS.slice(rotation), ...GROUPS.slice(0, rotation)];
    const demandOf = (group: string) => (group === "a" || group === "b" ? DEMANDS.x : DEMANDS.y);
    for (const group of groups) for (let index = 0; index < 2; index += 1) queue.enqueue(task(group, { demand: demandOf(group) }));
    const served: Record<string, number> = { a: 0, b: 0 };
    for (const eligibleY of yEligible) {
      const next = queue.select((candidate) => candidate.demand === DEMANDS.x || eligibleY) as QTask;
      queue.commit(next);
      queue.enqueue(task(next.group, { demand: demandOf(next.group) }));
      if (next.group in served) served[next.group] = (served[next.group] as number) + 1;
      if (Math.abs((served.a as number) - (served.b as number)) > 1) return false;
    }
    return true;
  });

describe("round robin: properties", () => {
  it("serves every backlogged group once per round: counts never differ by more than one", () => {
    fc.assert(servedOncePerRound(make), { numRuns: 100, seed: 9_101 });
  });

  it("fails that when the turn does not move (planted bug), and FIFO fails it too", () => {
    expect(fc.check(servedOncePerRound(() => new StuckTurn(contextFor(new ManualClock()))), { numRuns: 100, seed: 9_102 }).failed).toBe(true);
    expect(fc.check(servedOncePerRound(() => buildQueue("fifo")), { numRuns: 100, seed: 9_103 }).failed).toBe(true);
  });

  it("a group with nothing eligible costs the eligible groups no turn", () => {
    fc.assert(blockedGroupsCostNoTurn(make), { numRuns: 200, seed: 9_104 });
  });

  it("fails that when the turn moves past the group whose turn it was instead of the one served (planted bug)", () => {
    expect(fc.check(blockedGroupsCostNoTurn(() => new AdvancesFromTurn(contextFor(new ManualClock()))), { numRuns: 200, seed: 9_105 }).failed).toBe(true);
  });
});

describe("round robin: edge cases", () => {
  const drain = (queue: ReadyQueue<QTask>): string[] => {
    const order: string[] = [];
    for (let next = queue.select(() => true); next !== undefined; next = queue.select(() => true)) {
      queue.commit(next);
      order.push(`${next.group}${next.id}`);
    }
    return order;
  };

  it("takes no options beyond group_by", () => {
    expect(() => buildQueue("round_robin", { quantum: 2 })).toThrow(/quantum/);
    expect(() => buildQueue("round_robin", { group_by: "job" })).not.toThrow();
  });

  it("an empty queue selects nothing and refuses commits and removes", () => {
    const queue = make();
    const stranger = task("a");
    expect(queue.select(() => true)).toBeUndefined();
    expect(queue.commit(stranger)).toBe(false);
    expect(queue.remove(stranger)).toBe(false);
    expect(queue.ordered()).toEqual([]);
  });

  it("a group that becomes active joins at the end of the current round", () => {
    const queue = make();
    const [a1, a2, b1, b2] = [task("a"), task("a"), task("b"), task("b")];
    for (const queued of [a1, a2, b1, b2]) queue.enqueue(queued as QTask);
    queue.commit(queue.select(() => true) as QTask); // a1: b's turn next
    const c1 = task("c");
    queue.enqueue(c1);
    // c joins before b (whose turn it is) in the ring, so after a: b, a, c.
    expect(queue.ordered().map((queued) => queued.group)).toEqual(["b", "b", "a", "c"]);
    expect(drain(queue).map((entry) => entry[0])).toEqual(["b", "a", "c", "b"]);
  });

  it("removing the last task of the group whose turn it is passes the turn on, and the group may come back", () => {
    const queue = make();
    const [a1, b1, c1, c2] = [task("a"), task("b"), task("c"), task("c")];
    for (const queued of [a1, b1, c1, c2]) queue.enqueue(queued as QTask);
    queue.commit(queue.select(() => true) as QTask); // a1; b's turn
    expect(queue.remove(b1 as QTask)).toBe(true);
    expect(queue.select(() => true)).toBe(c1);
    queue.enqueue(task("b"));
    expect(drain(queue).map((entry) => entry[0])).toEqual(["c", "b", "c"]);
    expect(queue.size).toBe(0);
  });

  it("removing the last task of a group whose turn it is not leaves the turn where it is", () => {
    const queue = make();
    const [a1, b1, c1] = [task("a"), task("b"), task("c")];
    for (const queued of [a1, b1, c1]) queue.enqueue(queued as QTask);
    expect(queue.remove(b1 as QTask)).toBe(true);
    expect(queue.select(() => true)).toBe(a1);
    expect(drain(queue).map((entry) => entry[0])).toEqual(["a", "c"]);
  });

  it("removes a task from the middle of a group", () => {
    const queue = make();
    const tasks = [task("a"), task("a"), task("a"), task("b")];
    for (const queued of tasks) queue.enqueue(queued);
    expect(queue.remove(tasks[1] as QTask)).toBe(true);
    expect(queue.remove(tasks[1] as QTask)).toBe(false);
    expect(drain(queue)).toEqual([`a${tasks[0]?.id}`, `b${tasks[3]?.id}`, `a${tasks[2]?.id}`]);
  });

  it("passes over a group with nothing eligible without taking its place", () => {
    const queue = make();
    const [a1, b1, a2] = [task("a"), task("b", { demand: DEMANDS.y }), task("a")];
    for (const queued of [a1, b1, a2]) queue.enqueue(queued as QTask);
    const onlyX = (candidate: QTask): boolean => candidate.demand === DEMANDS.x;
    expect(queue.select(onlyX)).toBe(a1);
    queue.commit(a1 as QTask);
    expect(queue.select(onlyX)).toBe(a2);
    // Nothing was committed: the turn is still b's.
    expect(queue.select(() => true)).toBe(b1);
    expect(queue.select(() => false)).toBeUndefined();
  });

  it("a commit of a task select did not propose still serves it and moves the turn past its group", () => {
    const queue = make();
    const [a1, b1, c1, a2] = [task("a"), task("b"), task("c"), task("a")];
    for (const queued of [a1, b1, c1, a2]) queue.enqueue(queued as QTask);
    expect(queue.commit(b1 as QTask)).toBe(true);
    expect(drain(queue).map((entry) => entry[0])).toEqual(["c", "a", "a"]);
  });
});
