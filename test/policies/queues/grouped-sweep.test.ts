// What every grouped kind shares (grouped-queue.ts): idle groups are swept, and sweeping is invisible. A wfq
// over many groups that come and go (group_by job) makes the same selections, commits, removals and order as
// one that never forgets a group; a group that is active again is never swept; a group whose state still
// matters is kept, up to the cap of kept idle groups. A planted bug that forgets too eagerly must fail.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type WfqGroup, WfqQueue } from "../../../src/policies/queues/wfq.ts";
import { DEMANDS, ManualClock, type QTask, contextFor } from "./harness.ts";
import { refuted } from "./planted.ts";

const OPTIONS = { weights: { byGroup: { g0: 2, g1: 3 }, defaultWeight: 1 }, cost: "tokens" } as const;
const GROUPS = 150;

/** The reference: keeps every idle group (until the cap of kept idle groups, which these runs stay under). */
class NeverForgettingWfq extends WfqQueue<QTask> {
  protected override canForget(): boolean {
    return false;
  }
}

/** The reference, and whether it still knows a group: for counting what a sweep keeps. */
class InspectedNeverForgettingWfq extends NeverForgettingWfq {
  knows(name: string): boolean {
    return this.groupNamed(name) !== undefined;
  }
}

/** Planted bug: forgets a group served ahead of the virtual time, so it comes back with a clean slate. */
class EagerWfq extends WfqQueue<QTask> {
  protected override canForget(_group: WfqGroup<QTask>): boolean {
    return true;
  }
}

type Op =
  | { readonly op: "enqueue"; readonly group: number; readonly cost: number; readonly onY: boolean }
  | { readonly op: "dispatch"; readonly eligibleX: boolean; readonly eligibleY: boolean }
  | { readonly op: "remove"; readonly pick: number };

const opsArbitrary = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant("enqueue" as const), group: fc.oneof(fc.nat(3), fc.nat(GROUPS - 1)), cost: fc.integer({ min: 1, max: 50 }), onY: fc.boolean() }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant("dispatch" as const), eligibleX: fc.boolean(), eligibleY: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("remove" as const), pick: fc.nat() }) },
  ),
  { minLength: 1, maxLength: 500, size: "max" },
);

/** A task of a group of its own, there to pass through once. */
function passing(id: number): QTask {
  return { id, demand: DEMANDS.x, group: `passing${id}`, job: id, lane: "batch", cost: 1, input: 0 };
}

/** Plays the ops on both queues; the first difference, or undefined. */
function firstDifference(make: () => WfqQueue<QTask>, ops: readonly Op[]): string | undefined {
  const queue = make();
  const reference = new NeverForgettingWfq(OPTIONS, contextFor(new ManualClock()));
  const queued: QTask[] = [];
  let nextId = 1;
  for (const [step, op] of ops.entries()) {
    if (op.op === "enqueue") {
      const task: QTask = { id: nextId, demand: op.onY ? DEMANDS.y : DEMANDS.x, group: `g${op.group}`, job: nextId, lane: "batch", cost: op.cost, input: 0 };
      nextId += 1;
      queue.enqueue(task);
      reference.enqueue(task);
      queued.push(task);
    } else if (op.op === "dispatch") {
      const eligible = (task: QTask): boolean => (task.demand === DEMANDS.y ? op.eligibleY : op.eligibleX);
      const chosen = queue.select(eligible);
      if (chosen !== reference.select(eligible)) return `step ${step}: selected ${chosen?.id}, the reference ${reference.select(eligible)?.id}`;
      if (chosen === undefined) continue;
      if (!queue.commit(chosen) || !reference.commit(chosen)) return `step ${step}: commit of ${chosen.id} refused`;
      queued.splice(queued.indexOf(chosen), 1);
    } else {
      const task = queued[op.pick % Math.max(1, queued.length)];
      if (task === undefined) continue;
      if (!queue.remove(task) || !reference.remove(task)) return `step ${step}: remove of ${task.id} refused`;
      queued.splice(queued.indexOf(task), 1);
    }
    const ids = (tasks: readonly QTask[]): string => tasks.map((task) => task.id).join();
    if (ids(queue.ordered()) !== ids(reference.ordered()) || queue.size !== queued.length) return `step ${step}: ordered ${ids(queue.ordered())}, the reference ${ids(reference.ordered())}`;
  }
  return undefined;
}

describe("grouped queues: sweeping idle groups", () => {
  it("is invisible: the same selections, commits, removals and order as a queue that never forgets", () => {
    fc.assert(
      fc.property(opsArbitrary, (ops) => {
        expect(firstDifference(() => new WfqQueue(OPTIONS, contextFor(new ManualClock())), ops)).toBeUndefined();
      }),
      { numRuns: 100, seed: 9_301 },
    );
  });

  it("fails that on a planted bug: a group served ahead of the virtual time forgotten", () => {
    expect(refuted(fc.check(fc.property(opsArbitrary, (ops) => firstDifference(() => new EagerWfq(OPTIONS, contextFor(new ManualClock())), ops) === undefined), { numRuns: 100, seed: 9_302, endOnFailure: true }))).toBe(true);
  });

  it("never sweeps a group that became active again, while more than enough others go idle", () => {
    const queue = new WfqQueue<QTask>(OPTIONS, contextFor(new ManualClock()));
    const make = (id: number, group: string): QTask => ({ id, demand: DEMANDS.x, group, job: id, lane: "batch", cost: 1, input: 0 });
    // "back" goes idle, comes back with a task nobody selects (its demand is not eligible), then 200 groups leave.
    const first = make(1, "back");
    queue.enqueue(first);
    queue.commit(first);
    const waiting: QTask = { ...make(2, "back"), demand: DEMANDS.y };
    queue.enqueue(waiting);
    for (let id = 3; id < 203; id += 1) {
      const passing = make(id, `passing${id}`);
      queue.enqueue(passing);
      expect(queue.select((task) => task.demand === DEMANDS.x)).toBe(passing);
      queue.commit(passing);
    }
    expect(queue.select(() => true)).toBe(waiting);
    expect(queue.commit(waiting)).toBe(true);
  });

  it("keeps at most 4096 idle groups whose state matters, forgetting the oldest beyond them", () => {
    const queue = new InspectedNeverForgettingWfq(OPTIONS, contextFor(new ManualClock()));
    // Sweeps run at 65, 131, 263, 527, 1055, 2111 and 4223 idle groups (each waits for twice the groups the last
    // one kept); the last is the first over the cap.
    const groups = 4223;
    for (let id = 0; id < groups; id += 1) {
      const through = passing(id);
      queue.enqueue(through);
      expect(queue.commit(through)).toBe(true);
    }
    const oldestKept = groups - 4096;
    expect([queue.knows(`passing${oldestKept - 1}`), queue.knows(`passing${oldestKept}`), queue.knows(`passing${groups - 1}`)]).toEqual([false, true, true]);
  });
});
