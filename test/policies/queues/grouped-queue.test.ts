// GroupedQueue, the base of round_robin, drr, wfq and vtc (HeapOrderedQueue under the last two): groups come and
// go as tasks do. Removing tasks from the middle of groups, emptying a group and filling it again keeps size,
// ordered() (a snapshot of every queued task) and what select and commit give out in agreement, for every kind
// built on it.

import { describe, expect, it } from "vitest";
import { GroupedQueue, HeapOrderedQueue } from "../../../src/policies/queues/grouped-queue.ts";
import { type QTask, buildQueue, task } from "./harness.ts";

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
