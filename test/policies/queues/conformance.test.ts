// One suite for every registered queue kind: random sequences of enqueues, selections under random
// eligibility, commits, removals, service charges, releases, yields and clock ticks, checked against a model.
// Each enqueued task is selected exactly once (or removed); select never mutates; a selection is always an
// eligible queued task; a work-conserving kind selects something whenever something eligible waits; FIFO
// within a group and demand where the kind promises it; the queue drains completely at the end.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QUEUE_KINDS } from "../../../src/policies/queues/registry.ts";
import type { ReadyQueue } from "../../../src/policies/ready-queue.ts";
import { DEMANDS, ManualClock, type QTask, buildQueue } from "./harness.ts";

interface Profile {
  /** Options as a scenario would write them; defaults for the rest. */
  readonly options: Record<string, unknown>;
  /** Selects something whenever an eligible task waits. Share-based kinds hold capacity back for waiting peers. */
  readonly workConserving: boolean;
  /** Tasks of one group with one demand leave in the order they came. */
  readonly fifoWithinGroup: boolean;
  /** A yielded task queues again at the place its first arrival gave it, not behind later arrivals. */
  readonly yieldKeepsPlace?: boolean;
}

/** Every registered kind must have a line here: a kind the suite does not run is a kind nobody checked. */
export const PROFILES: Readonly<Record<string, Profile>> = {
  fifo: { options: {}, workConserving: true, fifoWithinGroup: true },
  round_robin: { options: {}, workConserving: true, fifoWithinGroup: true },
  drr: { options: { quanta: { a: 300, b: 100 }, default_quantum: 150, unit: "tokens" }, workConserving: true, fifoWithinGroup: true },
  vtc: { options: { weights: { a: 2 } }, workConserving: true, fifoWithinGroup: true },
  wfq: { options: { weights: { a: 3, b: 1 }, cost: "tokens" }, workConserving: true, fifoWithinGroup: true },
  proportional: { options: { quotas: { a: 3 }, capacity: 4 }, workConserving: false, fifoWithinGroup: true },
  bounded_borrow: { options: { weights: { a: 2, b: 1 }, capacity: 4 }, workConserving: false, fifoWithinGroup: true },
  mlfq: { options: { quantum_base: 300, boost_period_ms: 20_000, demote_above_per_second: 1, rate_window_ms: 5000 }, workConserving: true, fifoWithinGroup: false },
  las: { options: { thresholds: [200, 800, 3000], starvation_ms: 15_000 }, workConserving: true, fifoWithinGroup: false },
  priority: { options: { priorities: { a: 3, b: 2 }, aging_per_second: 0.01 }, workConserving: true, fifoWithinGroup: true, yieldKeepsPlace: true },
};

const GROUPS = ["a", "b", "c", "d"] as const;
const LANES = ["interactive", "batch", "background"] as const;

type Op =
  | { readonly op: "enqueue"; readonly group: number; readonly demand: "x" | "y"; readonly job: number; readonly cost: number }
  | { readonly op: "dispatch"; readonly eligibleX: boolean; readonly eligibleY: boolean; readonly probes: number }
  | { readonly op: "remove"; readonly pick: number }
  | { readonly op: "finish"; readonly pick: number; readonly output: number }
  | { readonly op: "charge"; readonly pick: number; readonly output: number }
  | { readonly op: "yield"; readonly pick: number }
  | { readonly op: "tick"; readonly ms: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant("enqueue" as const), group: fc.nat(3), demand: fc.constantFrom("x" as const, "y" as const), job: fc.nat(5), cost: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("dispatch" as const), eligibleX: fc.boolean(), eligibleY: fc.boolean(), probes: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("remove" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("finish" as const), pick: fc.nat(), output: fc.nat(500) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("charge" as const), pick: fc.nat(), output: fc.nat(500) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("yield" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("tick" as const), ms: fc.integer({ min: 1, max: 5000 }) }) },
);

/** Long enough to fill queues, empty them and fill them again (fast-check's default size keeps arrays short). */
const opsArbitrary = fc.array(opArbitrary, { maxLength: 150, size: "max" });

interface Outcome {
  /** Ids in commit order, with yields and drains. */
  readonly committed: number[];
  readonly problems: string[];
}

/** Runs the ops against a fresh queue and a model; `probe` adds extra selections that must change nothing. */
function play(make: (clock: ManualClock) => ReadyQueue<QTask>, profile: Profile, ops: readonly Op[], probe: boolean): Outcome {
  const clock = new ManualClock(0);
  const queue = make(clock);
  const queued: QTask[] = [];
  const running: QTask[] = [];
  const committed: number[] = [];
  const problems: string[] = [];
  const timesCommitted = new Map<number, number>();
  const enqueuedOrder = new Map<string, number[]>();
  let nextId = 1;
  const streamOf = (task: QTask): string => `${task.group}/${task.demand.key}`;
  const enqueue = (task: QTask): void => {
    queue.enqueue(task);
    queued.push(task);
    const stream = enqueuedOrder.get(streamOf(task)) ?? [];
    stream.push(task.id);
    enqueuedOrder.set(streamOf(task), stream);
  };
  const commit = (task: QTask): void => {
    if (!queue.commit(task)) problems.push(`commit of selected task ${task.id} refused`);
    queued.splice(queued.indexOf(task), 1);
    running.push(task);
    committed.push(task.id);
    timesCommitted.set(task.id, (timesCommitted.get(task.id) ?? 0) + 1);
    const stream = enqueuedOrder.get(streamOf(task)) ?? [];
    if (profile.fifoWithinGroup && stream[0] !== task.id) problems.push(`task ${task.id} overtook task ${stream[0]} of its group and demand`);
    stream.splice(stream.indexOf(task.id), 1);
  };
  const release = (task: QTask): void => {
    running.splice(running.indexOf(task), 1);
    queue.released?.(task);
    if (!queued.some((other) => other.job === task.job) && !running.some((other) => other.job === task.job)) queue.jobFinished?.(task.job);
  };
  const check = (): void => {
    if (queue.size !== queued.length) problems.push(`size ${queue.size}, but ${queued.length} tasks are queued`);
  };

  for (const op of ops) {
    switch (op.op) {
      case "enqueue": {
        const group = GROUPS[op.group] as string;
        enqueue({ id: nextId, demand: DEMANDS[op.demand], group, job: op.job, lane: LANES[op.job % 3] as string, cost: op.cost, input: op.cost >> 1 });
        nextId += 1;
        break;
      }
      case "dispatch": {
        const eligible = (task: QTask): boolean => (task.demand === DEMANDS.x ? op.eligibleX : op.eligibleY);
        if (probe) for (let index = 0; index < op.probes; index += 1) queue.select((task) => task.id % (index + 2) === 0 && eligible(task));
        const chosen = queue.select(eligible);
        if (probe && queue.select(eligible) !== chosen) problems.push("two selections in a row disagreed");
        if (chosen === undefined) {
          if (profile.workConserving && queued.some(eligible)) problems.push("nothing selected while an eligible task waited");
          break;
        }
        if (!queued.includes(chosen)) problems.push(`selected task ${chosen.id} is not queued`);
        else if (!eligible(chosen)) problems.push(`selected task ${chosen.id} is not eligible`);
        else commit(chosen);
        break;
      }
      case "remove": {
        const task = queued[op.pick % Math.max(1, queued.length)];
        if (task === undefined) {
          break;
        }
        if (!queue.remove(task)) problems.push(`remove of queued task ${task.id} refused`);
        queued.splice(queued.indexOf(task), 1);
        const stream = enqueuedOrder.get(streamOf(task)) ?? [];
        stream.splice(stream.indexOf(task.id), 1);
        if (queue.remove(task)) problems.push(`second remove of task ${task.id} accepted`);
        if (queue.commit(task)) problems.push(`commit of removed task ${task.id} accepted`);
        break;
      }
      case "finish":
      case "charge": {
        const task = running[op.pick % Math.max(1, running.length)];
        if (task === undefined) break;
        queue.charge?.(task, { inputTokens: task.input, outputTokens: op.output, providerMs: op.output * 10 });
        if (op.op === "finish") release(task);
        break;
      }
      case "yield": {
        const task = running[op.pick % Math.max(1, running.length)];
        if (task === undefined || queue.shouldYield?.(task) !== true) break;
        release(task);
        enqueue(task);
        // Ids follow first arrival, so sorting puts the yielded task back at its place in the model's FIFO.
        if (profile.yieldKeepsPlace === true) enqueuedOrder.get(streamOf(task))?.sort((x, y) => x - y);
        break;
      }
      case "tick":
        clock.timeMs += op.ms;
        break;
    }
    check();
  }
  // Drain: everything eligible, every task released as soon as it is committed.
  for (let guard = queued.length; guard >= 0 && queued.length > 0; guard -= 1) {
    for (const task of [...running]) release(task);
    const chosen = queue.select(() => true);
    if (chosen === undefined) break;
    commit(chosen);
    release(chosen);
  }
  for (const task of [...running]) release(task);
  if (queued.length > 0 || queue.size > 0) problems.push(`${queued.length} tasks never came out (size ${queue.size})`);
  if (queue.select(() => true) !== undefined) problems.push("an empty queue selected a task");
  for (const [id, times] of timesCommitted) if (times < 1) problems.push(`task ${id} committed ${times} times`);
  return { committed, problems };
}

describe.each(QUEUE_KINDS.map((definition) => definition.kind))("queue kind %s: conformance", (kind) => {
  const profile = PROFILES[kind];
  const make = (clock: ManualClock): ReadyQueue<QTask> => buildQueue(kind, profile?.options ?? {}, clock, 4);

  it("has a conformance profile", () => {
    expect(profile, `add ${kind} to PROFILES in conformance.test.ts`).toBeDefined();
  });
  if (profile === undefined) return;

  it("selects each task exactly once, only eligible queued ones, FIFO where promised, and drains", () => {
    fc.assert(
      fc.property(opsArbitrary, (ops) => {
        expect(play(make, profile, ops, false).problems).toEqual([]);
      }),
      { numRuns: 150, seed: 8_001 },
    );
  });

  it("select never mutates: extra selections change no commit", () => {
    fc.assert(
      fc.property(opsArbitrary, (ops) => {
        const plain = play(make, profile, ops, false);
        const probed = play(make, profile, ops, true);
        expect(probed.problems).toEqual([]);
        expect(probed.committed).toEqual(plain.committed);
      }),
      { numRuns: 100, seed: 8_002 },
    );
  });

  it("remove works anywhere in the queue", () => {
    const queue = buildQueue(kind, profile.options);
    const tasks: QTask[] = [];
    for (let index = 0; index < 12; index += 1) {
      const task: QTask = { id: 1000 + index, demand: index % 2 === 0 ? DEMANDS.x : DEMANDS.y, group: GROUPS[index % 3] as string, job: index, lane: "batch", cost: 1, input: 1 };
      tasks.push(task);
      queue.enqueue(task);
    }
    for (const index of [0, 11, 5, 6]) expect(queue.remove(tasks[index] as QTask)).toBe(true);
    expect(queue.size).toBe(8);
    const out: number[] = [];
    for (let next = queue.select(() => true); next !== undefined; next = queue.select(() => true)) {
      queue.commit(next);
      queue.released?.(next);
      out.push(next.id);
    }
    expect(out.sort()).toEqual([1001, 1002, 1003, 1004, 1007, 1008, 1009, 1010]);
    expect(queue.ordered()).toEqual([]);
  });

  it("ordered() lists every queued task once, without removing any", () => {
    const queue = buildQueue(kind, profile.options);
    for (let index = 0; index < 9; index += 1) {
      queue.enqueue({ id: 2000 + index, demand: DEMANDS.x, group: GROUPS[index % 3] as string, job: index, lane: "batch", cost: 1, input: 1 });
    }
    expect(queue.ordered().map((task) => task.id).sort()).toEqual([2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008]);
    expect(queue.size).toBe(9);
  });
});

/** Planted bugs: a real FIFO queue with one thing broken. The suite must reject each. */
class Broken implements ReadyQueue<QTask> {
  private readonly inner = buildQueue("fifo");
  private selections = 0;
  private enqueued = 0;
  constructor(private readonly bug: "select_mutates" | "ignores_eligibility" | "drops_task" | "lifo") {}
  get size(): number {
    return this.inner.size;
  }
  enqueue(task: QTask): void {
    this.enqueued += 1;
    if (this.bug === "drops_task" && this.enqueued % 9 === 0) return;
    this.inner.enqueue(task);
  }
  select(eligible: (task: QTask) => boolean): QTask | undefined {
    this.selections += 1;
    const candidates = this.inner.ordered().filter(this.bug === "ignores_eligibility" ? () => true : eligible);
    if (this.bug === "lifo") return candidates[candidates.length - 1];
    if (this.bug === "select_mutates") return candidates[this.selections % Math.max(1, candidates.length)];
    return candidates[0];
  }
  commit(task: QTask): boolean {
    return this.inner.commit(task);
  }
  remove(task: QTask): boolean {
    return this.inner.remove(task);
  }
  ordered(): QTask[] {
    return this.inner.ordered();
  }
}

describe("the conformance suite catches planted bugs", () => {
  it.each(["select_mutates", "ignores_eligibility", "drops_task", "lifo"] as const)("%s", (bug) => {
    const profile: Profile = { options: {}, workConserving: true, fifoWithinGroup: true };
    const caught = fc.check(
      fc.property(opsArbitrary, (ops) => {
        const plain = play(() => new Broken(bug), profile, ops, false);
        const probed = play(() => new Broken(bug), profile, ops, true);
        return plain.problems.length === 0 && probed.problems.length === 0 && probed.committed.join() === plain.committed.join();
      }),
      { numRuns: 200, seed: 8_003 },
    );
    expect(caught.failed).toBe(true);
  });
});
