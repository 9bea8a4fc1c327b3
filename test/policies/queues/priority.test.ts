// Priority with aging: higher priority first, FIFO within a priority, and the lowest priority's wait bounded
// by (priority gap / aging rate) under a never-ending stream of higher-priority work. Each property is shown
// to fail on a planted bug.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PriorityQueue } from "../../../src/policies/queues/priority.ts";
import type { ReadyQueue } from "../../../src/policies/ready-queue.ts";
import { DEMANDS, ManualClock, type QTask, buildQueue, contextFor, task } from "./harness.ts";

/**
 * One arrival of a high-priority task per tick and one service per tick, after a single low-priority task
 * was queued at time 0: the tick at which the low task is selected, or undefined within `limit` ticks.
 */
function lowTaskWait(queue: ReadyQueue<QTask>, clock: ManualClock, tickMs: number, limit: number): number | undefined {
  const low = task("low");
  queue.enqueue(low);
  for (let tick = 0; tick < limit; tick += 1) {
    queue.enqueue(task("high"));
    const next = queue.select(() => true) as QTask;
    queue.commit(next);
    if (next === low) return clock.timeMs;
    clock.timeMs += tickMs;
  }
  return undefined;
}

/** Planted bug: aging computed from the time of selection instead of enqueue, i.e. no aging at all. */
class AgelessPriorityQueue extends PriorityQueue<QTask> {
  constructor(clock: ManualClock, gap: number) {
    super({ priorities: { byGroup: { high: 1 + gap, low: 1 }, defaultWeight: 1 }, agingPerSecond: 0 }, contextFor(clock));
  }
}

describe("priority queue with aging", () => {
  it("the lowest priority is served within gap / rate (+ one tick) behind an endless higher-priority stream", () => {
    const bounded = (make: (clock: ManualClock, gap: number, rate: number) => ReadyQueue<QTask>) =>
      fc.property(fc.integer({ min: 1, max: 5 }), fc.constantFrom(0.05, 0.1, 0.5, 1), fc.integer({ min: 10, max: 500 }), (gap, rate, tickMs) => {
        const clock = new ManualClock(0);
        const boundMs = (gap / rate) * 1000 + tickMs;
        const waited = lowTaskWait(make(clock, gap, rate), clock, tickMs, Math.ceil(boundMs / tickMs) + 5);
        return waited !== undefined && waited <= boundMs;
      });
    const real = (clock: ManualClock, gap: number, rate: number) =>
      buildQueue("priority", { priorities: { high: 1 + gap, low: 1 }, aging_per_second: rate }, clock);
    fc.assert(bounded(real), { numRuns: 100, seed: 9_001 });
    expect(fc.check(bounded((clock, gap) => new AgelessPriorityQueue(clock, gap)), { numRuns: 50, seed: 9_002 }).failed).toBe(true);
  });

  it("without aging the lowest priority starves for as long as higher work keeps coming", () => {
    const clock = new ManualClock(0);
    expect(lowTaskWait(buildQueue("priority", { priorities: { high: 3, low: 1 }, aging_per_second: 0 }, clock), clock, 100, 10_000)).toBeUndefined();
  });

  it("serves higher priority first and FIFO within a priority, whatever the arrival order", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: 60 }), (groups) => {
        const queue = buildQueue("priority", { priorities: { a: 3, b: 2, c: 1 }, aging_per_second: 0 });
        const tasks = groups.map((group) => task(group));
        for (const queued of tasks) queue.enqueue(queued);
        const out: QTask[] = [];
        for (let next = queue.select(() => true); next !== undefined; next = queue.select(() => true)) {
          queue.commit(next);
          out.push(next);
        }
        const expected = [...tasks].sort((x, y) => y.group.localeCompare(x.group) * -1 || x.id - y.id);
        expect(out.map((entry) => entry.id)).toEqual(expected.map((entry) => entry.id));
      }),
      { numRuns: 100, seed: 9_003 },
    );
  });

  it("a group whose head cannot run does not hold up a lower one that can", () => {
    const queue = buildQueue("priority", { priorities: { a: 3, b: 1 }, aging_per_second: 0 });
    const blocked = task("a", { demand: DEMANDS.y });
    const runnable = task("b");
    queue.enqueue(blocked);
    queue.enqueue(runnable);
    expect(queue.select((candidate) => candidate.demand === DEMANDS.x)).toBe(runnable);
    expect(queue.select(() => true)).toBe(blocked);
  });

  it("a running task yields to a strictly higher waiting priority that needs the same resources, not to an equal or unrelated one", () => {
    const queue = buildQueue("priority", { priorities: { high: 3, mid: 2 }, default_priority: 1, aging_per_second: 0 });
    const running = task("mid");
    queue.enqueue(running);
    queue.commit(running);
    expect(queue.shouldYield?.(running)).toBe(false);
    queue.enqueue(task("mid"));
    expect(queue.shouldYield?.(running)).toBe(false);
    const elsewhere = task("high", { demand: DEMANDS.y });
    queue.enqueue(elsewhere);
    expect(queue.shouldYield?.(running)).toBe(false);
    queue.remove(elsewhere);
    queue.enqueue(task("high"));
    expect(queue.shouldYield?.(running)).toBe(true);
  });

  it("rejects negative aging and non-positive priorities, naming the option", () => {
    expect(() => buildQueue("priority", { aging_per_second: -1 })).toThrow(/aging_per_second/);
    expect(() => buildQueue("priority", { priorities: { a: 0 } })).toThrow(/priorities/);
  });
});
