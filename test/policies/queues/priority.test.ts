// Priority with aging: the lowest priority's wait is bounded by (priority gap / aging rate) behind a never-ending
// stream of higher-priority work, and starves without aging; the eligible task of highest effective priority
// goes next, FIFO within a priority; a running task yields exactly when an overlapping waiter ranks above it,
// and keeps its place when it queues again. Each property is shown to fail on a planted bug.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Demand, LeaseLedger } from "../../../src/policies/lease-ledger.ts";
import { demandsOverlap } from "../../../src/policies/queues/demand-overlap.ts";
import { PriorityQueue } from "../../../src/policies/queues/priority.ts";
import type { QueueKind } from "../../../src/policies/queues/queue-kind.ts";
import { queueKind } from "../../../src/policies/queues/registry.ts";
import type { ReadyQueue } from "../../../src/policies/ready-queue.ts";
import { refuted } from "./planted.ts";
import { DEMANDS, ManualClock, type QTask, buildQueue, contextFor, task } from "./harness.ts";

/** A demand on both providers: it overlaps x and y. Resolved by another ledger: overlap compares resource keys. */
const BOTH: Demand = new LeaseLedger({ "provider:x": 1000, "provider:y": 1000 }, new ManualClock()).demand({ "provider:x": 1, "provider:y": 1 });
const DEMAND_CHOICES = [DEMANDS.x, DEMANDS.y, BOTH] as const;

function priorityQueue(priorities: Record<string, number>, agingPerSecond: number, clock: ManualClock, defaultPriority = 1): PriorityQueue<QTask> {
  return new PriorityQueue({ priorities: { byGroup: priorities, defaultWeight: defaultPriority }, agingPerSecond }, contextFor(clock));
}

function drain(queue: ReadyQueue<QTask>): QTask[] {
  const out: QTask[] = [];
  for (let next = queue.select(() => true); next !== undefined; next = queue.select(() => true)) {
    queue.commit(next);
    out.push(next);
  }
  return out;
}

/**
 * Planted bug: strict priority by group, FIFO within it, with no aging however long a task waited. Written on
 * the public API: the queue's own order says who arrived first.
 */
class AgelessPriority extends PriorityQueue<QTask> {
  constructor(
    private readonly priorities: Record<string, number>,
    clock: ManualClock,
  ) {
    super({ priorities: { byGroup: priorities, defaultWeight: 1 }, agingPerSecond: 0 }, contextFor(clock));
  }
  override select(eligible: (task: QTask) => boolean): QTask | undefined {
    const candidates = this.ordered().filter(eligible);
    const best = Math.max(...candidates.map((candidate) => this.priorities[candidate.group] ?? 1));
    return candidates.find((candidate) => (this.priorities[candidate.group] ?? 1) === best);
  }
}

/** Planted bug: picks the right priority class but the newest task in it (LIFO within a priority). */
class LifoWithinPriority extends PriorityQueue<QTask> {
  constructor(
    private readonly priorities: Record<string, number>,
    agingPerSecond: number,
    clock: ManualClock,
  ) {
    super({ priorities: { byGroup: priorities, defaultWeight: 1 }, agingPerSecond }, contextFor(clock));
  }
  override select(eligible: (task: QTask) => boolean): QTask | undefined {
    const candidates = this.ordered().filter(eligible);
    const first = candidates[0];
    if (first === undefined) return undefined;
    const sameClass = candidates.filter((candidate) => (this.priorities[candidate.group] ?? 1) === (this.priorities[first.group] ?? 1));
    return sameClass[sameClass.length - 1];
  }
}

describe("priority: the lowest priority's wait is bounded with aging", () => {
  /**
   * A low task queued at time 0, then each tick one arrival of a random higher priority and one service: the
   * time the low task is selected, or undefined within `limitTicks`.
   */
  function lowTaskWait(queue: ReadyQueue<QTask>, clock: ManualClock, tickMs: number, highGroups: readonly string[], picks: readonly number[], limitTicks: number): number | undefined {
    const low = task("low");
    queue.enqueue(low);
    for (let tick = 0; tick < limitTicks; tick += 1) {
      queue.enqueue(task(highGroups[(picks[tick % picks.length] as number) % highGroups.length] as string));
      const next = queue.select(() => true) as QTask;
      queue.commit(next);
      if (next === low) return clock.timeMs;
      clock.timeMs += tickMs;
    }
    return undefined;
  }

  const waitCase = fc.record({
    gaps: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
    rate: fc.constantFrom(0.05, 0.1, 0.5, 1, 2),
    tickMs: fc.integer({ min: 10, max: 500 }),
    picks: fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
  });

  function boundHolds(make: (priorities: Record<string, number>, rate: number, clock: ManualClock) => ReadyQueue<QTask>) {
    return fc.property(waitCase, ({ gaps, rate, tickMs, picks }) => {
      const priorities: Record<string, number> = { low: 1 };
      gaps.forEach((gap, index) => (priorities[`high${index}`] = 1 + gap));
      const clock = new ManualClock(0);
      const boundMs = (Math.max(...gaps) / rate) * 1000 + tickMs;
      const waited = lowTaskWait(make(priorities, rate, clock), clock, tickMs, Object.keys(priorities).slice(1), picks, Math.ceil(boundMs / tickMs) + 5);
      return waited !== undefined && waited <= boundMs;
    });
  }

  it("is selected within (Δpriority / rate) + one tick behind a never-ending higher-priority stream", () => {
    fc.assert(
      boundHolds((priorities, rate, clock) => buildQueue("priority", { priorities, aging_per_second: rate }, clock)),
      { numRuns: 200, seed: 9_001 },
    );
  });

  it("a queue that does not age fails that (planted bug)", () => {
    expect(refuted(fc.check(boundHolds((priorities, _rate, clock) => new AgelessPriority(priorities, clock)), { numRuns: 50, seed: 9_002 }))).toBe(true);
  });

  it("without aging the lowest priority starves for as long as higher work keeps coming", () => {
    const clock = new ManualClock(0);
    const queue = buildQueue("priority", { priorities: { high: 3, low: 1 }, aging_per_second: 0 }, clock);
    expect(lowTaskWait(queue, clock, 100, ["high"], [0], 10_000)).toBeUndefined();
    // Still waiting after 1,000 s: only the low task is left, every high one was served on arrival.
    expect(queue.ordered().map((waiting) => waiting.group)).toEqual(["low"]);
  });
});

describe("priority: the highest effective priority goes next, FIFO within a priority", () => {
  /** a and b share a priority, so FIFO must hold across groups and across demands. */
  const PRIORITIES: Record<string, number> = { a: 3, b: 3, c: 2 };
  const GROUPS = ["a", "b", "c", "d"] as const;
  const RATE = 0.5;

  type Op =
    | { readonly op: "enqueue"; readonly group: number; readonly demand: number }
    | { readonly op: "tick"; readonly ms: number }
    | { readonly op: "dispatch"; readonly x: boolean; readonly y: boolean }
    | { readonly op: "remove"; readonly pick: number };

  const ops: fc.Arbitrary<Op[]> = fc.array(
    fc.oneof(
      { weight: 4, arbitrary: fc.record({ op: fc.constant("enqueue" as const), group: fc.nat(3), demand: fc.nat(2) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("tick" as const), ms: fc.integer({ min: 1, max: 4000 }) }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant("dispatch" as const), x: fc.boolean(), y: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant("remove" as const), pick: fc.nat() }) },
    ),
    { maxLength: 120, size: "max" },
  );

  function bestFirst(make: (clock: ManualClock) => ReadyQueue<QTask>) {
    return fc.property(ops, (script) => {
      const clock = new ManualClock(0);
      const queue = make(clock);
      const queued: { task: QTask; key: number; arrival: number }[] = [];
      let arrivals = 0;
      for (const step of script) {
        if (step.op === "enqueue") {
          const group = GROUPS[step.group] as string;
          const queuedTask = task(group, { demand: DEMAND_CHOICES[step.demand] as Demand });
          queue.enqueue(queuedTask);
          queued.push({ task: queuedTask, key: (PRIORITIES[group] ?? 1) - (RATE * clock.timeMs) / 1000, arrival: arrivals });
          arrivals += 1;
        } else if (step.op === "tick") {
          clock.timeMs += step.ms;
        } else if (step.op === "remove") {
          const entry = queued[step.pick % Math.max(1, queued.length)];
          if (entry === undefined) continue;
          queue.remove(entry.task);
          queued.splice(queued.indexOf(entry), 1);
        } else {
          // x eligible, y eligible; BOTH needs both.
          const eligible = (candidate: QTask): boolean =>
            (step.x || !Object.hasOwn(candidate.demand.vector, "provider:x")) && (step.y || !Object.hasOwn(candidate.demand.vector, "provider:y"));
          const chosen = queue.select(eligible);
          const best = queued.filter((entry) => eligible(entry.task)).sort((p, q) => q.key - p.key || p.arrival - q.arrival)[0];
          if (chosen !== best?.task) return false;
          if (best === undefined) continue;
          queue.commit(best.task);
          queued.splice(queued.indexOf(best), 1);
        }
      }
      return drain(queue).length === queued.length;
    });
  }

  it("serves the eligible task with the highest priority + aging, the earliest arrival among equals", () => {
    fc.assert(bestFirst((clock) => buildQueue("priority", { priorities: PRIORITIES, aging_per_second: RATE }, clock)), { numRuns: 300, seed: 9_003 });
  });

  it("a queue that is LIFO within a priority fails that (planted bug)", () => {
    expect(refuted(fc.check(bestFirst((clock) => new LifoWithinPriority(PRIORITIES, RATE, clock)), { numRuns: 300, seed: 9_004 }))).toBe(true);
  });
});

describe("priority: shouldYield", () => {
  const PRIORITIES: Record<string, number> = { high: 3, mid: 2, low: 1 };
  const GROUPS = ["high", "mid", "low"] as const;
  const RATE = 0.2;

  type Op =
    | { readonly op: "enqueue"; readonly group: number; readonly demand: number }
    | { readonly op: "tick"; readonly ms: number }
    | { readonly op: "dispatch"; readonly pick: number }
    | { readonly op: "finish"; readonly pick: number }
    | { readonly op: "ask"; readonly pick: number };

  const ops: fc.Arbitrary<Op[]> = fc.array(
    fc.oneof(
      { weight: 3, arbitrary: fc.record({ op: fc.constant("enqueue" as const), group: fc.nat(2), demand: fc.nat(2) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("tick" as const), ms: fc.integer({ min: 1, max: 20_000 }) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("dispatch" as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant("finish" as const), pick: fc.nat() }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant("ask" as const), pick: fc.nat() }) },
    ),
    { maxLength: 100, size: "max" },
  );

  /**
   * Model: a task's rank is priority − rate × (time of its first arrival): a running task ages as if it still
   * waited, and a yielded one keeps its rank. It should yield exactly when a waiting task that overlaps it ranks
   * strictly above it. `dispatch` commits an arbitrary queued task (as if the others' resources were busy).
   */
  function yieldsExactly(make: (clock: ManualClock, keyOf: (task: QTask) => number) => ReadyQueue<QTask>) {
    return fc.property(ops, (script) => {
      const clock = new ManualClock(0);
      const keys = new Map<QTask, number>();
      const keyOf = (entry: QTask): number => keys.get(entry) as number;
      const queue = make(clock, keyOf);
      const queued: QTask[] = [];
      const running: QTask[] = [];
      for (const step of script) {
        if (step.op === "enqueue") {
          const group = GROUPS[step.group] as string;
          const arriving = task(group, { demand: DEMAND_CHOICES[step.demand] as Demand });
          keys.set(arriving, (PRIORITIES[group] as number) - (RATE * clock.timeMs) / 1000);
          queue.enqueue(arriving);
          queued.push(arriving);
        } else if (step.op === "tick") {
          clock.timeMs += step.ms;
        } else if (step.op === "dispatch") {
          const chosen = queued[step.pick % Math.max(1, queued.length)];
          if (chosen === undefined || !queue.commit(chosen)) continue;
          queued.splice(queued.indexOf(chosen), 1);
          running.push(chosen);
        } else {
          const subject = running[step.pick % Math.max(1, running.length)];
          if (subject === undefined) continue;
          if (step.op === "finish") {
            running.splice(running.indexOf(subject), 1);
            queue.released?.(subject);
            continue;
          }
          const expected = queued.some((waiting) => demandsOverlap(waiting.demand, subject.demand) && keyOf(waiting) > keyOf(subject));
          if (queue.shouldYield?.(subject) !== expected) return false;
          if (!expected) continue;
          running.splice(running.indexOf(subject), 1);
          queue.released?.(subject);
          queue.enqueue(subject);
          queued.push(subject);
          // Kept its rank: it comes out before every waiting task that ranks below it.
          const order = queue.ordered();
          if (order.some((other, index) => index > order.indexOf(subject) && keyOf(other) > keyOf(subject))) return false;
        }
      }
      return true;
    });
  }

  it("yields exactly when an overlapping waiting task ranks strictly above the running task", () => {
    fc.assert(
      yieldsExactly((clock) => buildQueue("priority", { priorities: PRIORITIES, aging_per_second: RATE }, clock)),
      { numRuns: 300, seed: 9_005 },
    );
  });

  /** Planted bug: compares the waiter's effective priority now with the running task's base priority. */
  class BaseOnlyYield extends PriorityQueue<QTask> {
    constructor(
      private readonly clock: ManualClock,
      private readonly keyOf: (task: QTask) => number,
    ) {
      super({ priorities: { byGroup: PRIORITIES, defaultWeight: 1 }, agingPerSecond: RATE }, contextFor(clock));
    }
    override shouldYield(running: QTask): boolean {
      const nowAged = (RATE * this.clock.timeMs) / 1000;
      return this.ordered().some((waiting) => demandsOverlap(waiting.demand, running.demand) && this.keyOf(waiting) + nowAged > (PRIORITIES[running.group] as number));
    }
  }

  /** Planted bug: looks only at the best waiting task, which may need other resources. */
  class BestOnlyYield extends PriorityQueue<QTask> {
    constructor(
      clock: ManualClock,
      private readonly keyOf: (task: QTask) => number,
    ) {
      super({ priorities: { byGroup: PRIORITIES, defaultWeight: 1 }, agingPerSecond: RATE }, contextFor(clock));
    }
    override shouldYield(running: QTask): boolean {
      const best = this.ordered()[0];
      return best !== undefined && demandsOverlap(best.demand, running.demand) && this.keyOf(best) > this.keyOf(running) && super.shouldYield(running);
    }
  }

  it("a queue that ranks the running task by its base priority fails that (planted bug)", () => {
    expect(refuted(fc.check(yieldsExactly((clock, keyOf) => new BaseOnlyYield(clock, keyOf)), { numRuns: 300, seed: 9_006 }))).toBe(true);
  });

  it("a queue that only looks at the best waiting task fails that (planted bug)", () => {
    expect(refuted(fc.check(yieldsExactly((clock, keyOf) => new BestOnlyYield(clock, keyOf)), { numRuns: 300, seed: 9_007 }))).toBe(true);
  });

  it("a yielded task goes back ahead of later arrivals of its priority, behind the task that displaced it", () => {
    const clock = new ManualClock(0);
    const queue = priorityQueue({ high: 3, low: 1 }, 0.1, clock);
    const low = task("low");
    queue.enqueue(low);
    clock.timeMs = 30_000;
    expect(queue.select(() => true)).toBe(low);
    queue.commit(low);
    const laterLow = task("low");
    queue.enqueue(laterLow);
    expect(queue.shouldYield(low)).toBe(false);
    const high = task("high");
    queue.enqueue(high);
    // low's key 1 − 0 = 1; high's key 3 − 0.1 × 30 = 0: low ranks above, so it keeps running.
    expect(queue.shouldYield(low)).toBe(false);
    const earlier = task("high", { demand: BOTH });
    clock.timeMs = 0;
    queue.enqueue(earlier);
    clock.timeMs = 30_000;
    // A high task with key 3 ranks above low: low yields and queues again at its rank.
    expect(queue.shouldYield(low)).toBe(true);
    queue.released(low);
    queue.enqueue(low);
    expect(queue.ordered()).toEqual([earlier, low, high, laterLow]);
    // Asked again for a task that is no longer running: no.
    expect(queue.shouldYield(low)).toBe(false);
  });

  it("two yielded tasks of one rank come back in their first order, whichever queues again first", () => {
    const queue = priorityQueue({ high: 3 }, 0, new ManualClock(0));
    const first = task("low");
    const second = task("low");
    queue.enqueue(first);
    queue.enqueue(second);
    queue.commit(first);
    queue.commit(second);
    const high = task("high");
    queue.enqueue(high);
    expect(queue.shouldYield(first)).toBe(true);
    expect(queue.shouldYield(second)).toBe(true);
    queue.released(first);
    queue.released(second);
    queue.enqueue(first);
    queue.enqueue(second);
    expect(queue.ordered()).toStrictEqual([high, first, second]);
    expect(drain(queue)).toStrictEqual([high, first, second]);
  });

  it("does not yield to an equal rank, to a waiter on other resources, or for a task it never committed", () => {
    const clock = new ManualClock(0);
    const queue = priorityQueue({ high: 3, mid: 2 }, 0, clock);
    const running = task("mid");
    queue.enqueue(running);
    queue.commit(running);
    expect(queue.shouldYield(running)).toBe(false);
    queue.enqueue(task("mid"));
    expect(queue.shouldYield(running)).toBe(false);
    const elsewhere = task("high", { demand: DEMANDS.y });
    queue.enqueue(elsewhere);
    expect(queue.shouldYield(running)).toBe(false);
    expect(queue.shouldYield(task("mid"))).toBe(false);
    queue.remove(elsewhere);
    queue.enqueue(task("high", { demand: BOTH }));
    expect(queue.shouldYield(running)).toBe(true);
  });

  it("a released task is no longer asked about", () => {
    const queue = priorityQueue({ high: 3 }, 0, new ManualClock(0));
    const running = task("mid");
    queue.enqueue(running);
    queue.commit(running);
    queue.released(running);
    queue.released(running);
    queue.released(task("never-seen"));
    queue.enqueue(task("high"));
    expect(queue.shouldYield(running)).toBe(false);
  });

  it("keeps at most 4,096 ranks of yielded tasks that never came back; the oldest is forgotten", () => {
    const clock = new ManualClock(0);
    const queue = priorityQueue({ high: 3 }, 0, clock);
    const blocker = task("high");
    const yielded: QTask[] = [];
    for (let index = 0; index < 4097; index += 1) {
      const running = task("low");
      queue.enqueue(running);
      queue.commit(running);
      yielded.push(running);
    }
    queue.enqueue(blocker);
    for (const running of yielded) expect(queue.shouldYield(running)).toBe(true);
    const newer = task("low");
    queue.enqueue(newer);
    // The oldest rank was dropped: it queues as a new arrival. The second oldest kept its place.
    queue.enqueue(yielded[0] as QTask);
    queue.enqueue(yielded[1] as QTask);
    expect(queue.ordered()).toEqual([blocker, yielded[1], newer, yielded[0]]);
  });
});

describe("priority: edge cases", () => {
  it("breaks ties by insertion order across groups of equal priority and across demands", () => {
    const queue = priorityQueue({ a: 2, b: 2 }, 0.05, new ManualClock(0));
    const tasks = [task("a"), task("b", { demand: DEMANDS.y }), task("b"), task("a", { demand: DEMANDS.y })];
    for (const queued of tasks) queue.enqueue(queued);
    expect(drain(queue)).toEqual(tasks);
  });

  it("accepts zero and negative priorities, below the default of 1", () => {
    const queue = buildQueue("priority", { priorities: { background: -2, idle: 0 }, aging_per_second: 0 });
    const background = task("background");
    const idle = task("idle");
    const other = task("other");
    queue.enqueue(background);
    queue.enqueue(idle);
    queue.enqueue(other);
    expect(drain(queue)).toEqual([other, idle, background]);
  });

  it("takes default_priority for groups not listed", () => {
    const queue = buildQueue("priority", { priorities: { a: 2 }, default_priority: 5, aging_per_second: 0 });
    const listed = task("a");
    const unlisted = task("z");
    queue.enqueue(listed);
    queue.enqueue(unlisted);
    expect(drain(queue)).toEqual([unlisted, listed]);
  });

  it("ages by aging_per_second, 0.05 per second by default", () => {
    const clock = new ManualClock(0);
    const queue = buildQueue("priority", { priorities: { high: 2, low: 1 } }, clock);
    const low = task("low");
    queue.enqueue(low);
    clock.timeMs = 20_000;
    const high = task("high");
    queue.enqueue(high);
    // After 20 s low has made up the gap of 1 exactly: a tie, and it arrived first.
    expect(queue.select(() => true)).toBe(low);
    const queue2 = buildQueue("priority", { priorities: { high: 2, low: 1 } }, clock);
    clock.timeMs = 0;
    const low2 = task("low");
    queue2.enqueue(low2);
    clock.timeMs = 19_999;
    const high2 = task("high");
    queue2.enqueue(high2);
    expect(queue2.select(() => true)).toBe(high2);
  });

  it("a group that emptied, and even one swept among many idle groups, comes back with its priority", () => {
    const queue = priorityQueue({ vip: 9 }, 0, new ManualClock(0));
    const first = task("vip");
    queue.enqueue(first);
    expect(drain(queue)).toEqual([first]);
    for (let index = 0; index < 200; index += 1) {
      const passing = task(`job-${index}`);
      queue.enqueue(passing);
      queue.commit(passing);
    }
    const common = task("job-1");
    const again = task("vip");
    queue.enqueue(common);
    queue.enqueue(again);
    expect(queue.ordered()).toEqual([again, common]);
    expect(drain(queue)).toEqual([again, common]);
  });

  it("sweeps idle groups once more than 64 are idle, never a group with tasks queued", () => {
    const queue = priorityQueue({}, 0, new ManualClock(0));
    const waiting = task("waiting");
    queue.enqueue(waiting);
    // A group with tasks queued is not idle, whether it gains one or loses one.
    for (let round = 0; round < 100; round += 1) {
      const more = task("waiting");
      queue.enqueue(more);
      queue.commit(waiting);
      queue.enqueue(waiting);
      queue.remove(more);
    }
    // One group going idle and active again, over and over, is one idle group, not many.
    for (let round = 0; round < 100; round += 1) {
      const again = task("cycling");
      queue.enqueue(again);
      queue.commit(again);
      expect(queue.groupsTracked).toBe(2);
    }
    for (let index = 1; index <= 63; index += 1) {
      const passing = task(`job-${index}`);
      queue.enqueue(passing);
      queue.commit(passing);
    }
    expect(queue.groupsTracked).toBe(65);
    const last = task("job-64");
    queue.enqueue(last);
    queue.remove(last);
    expect(queue.groupsTracked).toBe(1);
    expect(queue.ordered()).toStrictEqual([waiting]);
  });

  it("removes a task from the middle of its group, and refuses what is not queued", () => {
    const queue = priorityQueue({}, 0, new ManualClock(0));
    const tasks = [task("a"), task("a"), task("a"), task("a")];
    for (const queued of tasks) queue.enqueue(queued);
    expect(queue.remove(tasks[2] as QTask)).toBe(true);
    expect(queue.remove(tasks[2] as QTask)).toBe(false);
    expect(queue.commit(tasks[2] as QTask)).toBe(false);
    expect(queue.remove(task("unknown"))).toBe(false);
    expect(queue.commit(task("unknown"))).toBe(false);
    expect(queue.size).toBe(3);
    // A task committed out of turn (a stale selection) still comes out.
    expect(queue.commit(tasks[1] as QTask)).toBe(true);
    expect(drain(queue)).toEqual([tasks[0], tasks[3]]);
  });

  it("a group whose head cannot run does not hold up a lower one that can", () => {
    const queue = priorityQueue({ a: 3, b: 1 }, 0, new ManualClock(0));
    const blocked = task("a", { demand: DEMANDS.y });
    const runnable = task("b");
    queue.enqueue(blocked);
    queue.enqueue(runnable);
    expect(queue.select((candidate) => candidate.demand === DEMANDS.x)).toBe(runnable);
    expect(queue.select((candidate) => candidate.demand === DEMANDS.y)).toBe(blocked);
    expect(queue.select(() => false)).toBeUndefined();
  });

  it("is registered as priority, with a summary and equal fairness weights", () => {
    const definition = queueKind("priority") as QueueKind;
    expect(definition.summary).toMatch(/aging/);
    expect(definition.needsCapacity).toBe(false);
  });

  it("rejects bad options, naming them", () => {
    expect(() => buildQueue("priority", { aging_per_second: -1 })).toThrow(/aging_per_second/);
    expect(() => buildQueue("priority", { priorities: { a: "high" } })).toThrow(/priorities/);
    expect(() => buildQueue("priority", { priorities: { "": 1 } })).toThrow(/priorities/);
    expect(() => buildQueue("priority", { default_priority: Number.NaN })).toThrow(/default_priority/);
    expect(() => buildQueue("priority", { aging: 1 })).toThrow(/aging/);
  });
});
