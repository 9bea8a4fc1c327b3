// GroupedQueue, the base of round_robin, drr, wfq and vtc (HeapOrderedQueue under the last two): groups come and
// go as tasks do. Removing tasks from the middle of groups, emptying a group and filling it again keeps size,
// ordered() (a snapshot of every queued task) and what select and commit give out in agreement, for every kind
// built on it.

import { describe, expect, it } from "vitest";
import { GroupedQueue, HeapOrderedQueue } from "../../../src/policies/queues/grouped-queue.ts";
import { RoundRobinQueue } from "../../../src/policies/queues/round-robin.ts";
import { ManualClock, type QTask, buildQueue, contextFor, task } from "./harness.ts";

const ALL = (): boolean => true;
const KINDS = ["round_robin", "drr", "wfq", "vtc"] as const;
/** As in conformance.test.ts. */
const OPTIONS: Readonly<Record<(typeof KINDS)[number], Record<string, unknown>>> = {
  round_robin: {},
  drr: { quanta: { a: 300, b: 100 }, default_quantum: 150, unit: "tokens" },
  wfq: { weights: { a: 3, b: 1 }, cost: "tokens" },
  vtc: { weights: { a: 2 } },
};

describe("GroupedQueue", () => {
  it("is the base of round_robin, drr, wfq and vtc; wfq and vtc order their groups in a heap", () => {
    for (const kind of KINDS) expect(buildQueue(kind, OPTIONS[kind])).toBeInstanceOf(GroupedQueue);
    expect(buildQueue("wfq", OPTIONS.wfq)).toBeInstanceOf(HeapOrderedQueue);
    expect(buildQueue("vtc", OPTIONS.vtc)).toBeInstanceOf(HeapOrderedQueue);
  });

  it.each(KINDS)("%s: removals from the middle, an emptied group and its return keep size, ordered() and select in agreement", (kind) => {
    const queue = buildQueue(kind, OPTIONS[kind]);
    const tasks: QTask[] = [];
    for (let round = 0; round < 4; round += 1) for (const group of ["a", "b", "c"]) tasks.push(task(group));
    for (const task of tasks) queue.enqueue(task);
    expect(queue.remove(tasks[4] as QTask)).toBe(true);
    expect(queue.remove(tasks[4] as QTask)).toBe(false);
    // Empty group c, then bring it back.
    for (const gone of tasks.filter((one) => one.group === "c")) queue.remove(gone);
    const back = task("c");
    queue.enqueue(back);
    expect(queue.size).toBe(tasks.length - 1 - 4 + 1);
    const promised = queue.ordered();
    const served: QTask[] = [];
    for (let next = queue.select(ALL); next !== undefined; next = queue.select(ALL)) {
      expect(queue.commit(next)).toBe(true);
      served.push(next);
    }
    const byId = (a: QTask, b: QTask): number => a.id - b.id;
    expect([...served].sort(byId)).toEqual([...promised].sort(byId));
    expect(served).toContain(back);
    expect(served).not.toContain(tasks[4]);
    expect(queue.size).toBe(0);
  });
});

/** Round robin keeps no state in an idle group, so the base forgets every idle group a sweep visits. */
class InspectableRoundRobin extends RoundRobinQueue<QTask> {
  knows(name: string): boolean {
    return this.groupNamed(name) !== undefined;
  }
}

/** Keeps every idle group whose name starts with "keep", as wfq keeps a group served ahead of its peers. */
class KeepingRoundRobin extends InspectableRoundRobin {
  protected override canForget(group: { readonly name: string }): boolean {
    return !group.name.startsWith("keep");
  }
}

describe("GroupedQueue sweeps", () => {
  const passThrough = (queue: InspectableRoundRobin, group: string): void => {
    const one = task(group);
    queue.enqueue(one);
    expect(queue.commit(one)).toBe(true);
  };

  it("keeps 64 idle groups and forgets them all when the 65th goes idle", () => {
    const queue = new InspectableRoundRobin(contextFor(new ManualClock()));
    for (let index = 0; index < 64; index += 1) passThrough(queue, `g${index}`);
    expect(queue.knows("g0")).toBe(true);
    expect(queue.knows("g63")).toBe(true);
    passThrough(queue, "g64");
    for (const name of ["g0", "g63", "g64"]) expect(queue.knows(name)).toBe(false);
  });

  it("a group that is active again is no longer idle: it neither counts towards a sweep nor is swept", () => {
    const queue = new InspectableRoundRobin(contextFor(new ManualClock()));
    for (let index = 0; index < 64; index += 1) passThrough(queue, `g${index}`);
    const back = task("g0");
    queue.enqueue(back); // 63 idle now
    passThrough(queue, "g64"); // 64 idle: no sweep
    expect(queue.knows("g1")).toBe(true);
    passThrough(queue, "g65"); // 65 idle: a sweep, which must keep the active g0
    expect(queue.knows("g1")).toBe(false);
    expect(queue.knows("g0")).toBe(true);
    expect(queue.ordered()).toEqual([back]);
    expect(queue.select(ALL)).toBe(back);
    expect(queue.commit(back)).toBe(true);
    expect(queue.size).toBe(0);
  });

  it("the next sweep waits until twice as many groups are idle as the last one had to keep", () => {
    const queue = new KeepingRoundRobin(contextFor(new ManualClock()));
    // 65 kept groups go idle: a sweep that keeps all 65, so the next waits for more than 130 idle groups.
    for (let index = 0; index < 100; index += 1) passThrough(queue, `keep${index}`);
    for (let index = 0; index < 30; index += 1) passThrough(queue, `pass${index}`);
    expect(queue.knows("pass0")).toBe(true); // 130 idle
    passThrough(queue, "pass30"); // 131: a sweep
    expect(queue.knows("pass0")).toBe(false);
    expect(queue.knows("pass30")).toBe(false);
    expect(queue.knows("keep0")).toBe(true);
    expect(queue.knows("keep99")).toBe(true);
  });

  it("ordered() lists the active groups of a heap-ordered queue in the order it serves them, not the order they came", () => {
    // wfq, equal weights: each group served once alone (V stays 0) finishes at its cost, and is kept while idle;
    // back in the order a..e, the heap holds them unsorted, and the smallest finish time goes first.
    const queue = buildQueue("wfq", { weights: {}, cost: "tokens" });
    const groups = [["a", 20], ["b", 10], ["c", 30], ["d", 5], ["e", 25]] as const;
    for (const [group, cost] of groups) {
      const first = task(group, { cost });
      queue.enqueue(first);
      expect(queue.commit(first)).toBe(true);
    }
    for (const [group] of groups) queue.enqueue(task(group));
    const promised = queue.ordered().map((one) => one.group);
    expect(promised).toEqual(["d", "b", "a", "e", "c"]);
    const served: string[] = [];
    for (let next = queue.select(ALL); next !== undefined; next = queue.select(ALL)) {
      served.push(next.group);
      queue.commit(next);
    }
    expect(served).toEqual(promised);
  });
});
