// What MLFQ and LAS share (program-levels.ts), checked against a plain model through LAS: after every call of a
// random sequence (enqueues over many demands, selections under every eligibility, commits of selected and of
// other queued tasks, removals, charges, releases, re-queued running tasks, finished jobs, clock ticks), the
// queue's selections, order, levels, yields and counts equal the model's. Many demands and long runs reach the
// sweep of empty lists, the compaction of stale entries and the reuse of pooled records. Planted bugs must fail.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Demand } from "../../../src/policies/lease-ledger.ts";
import { LasQueue } from "../../../src/policies/queues/las.ts";
import { MlfqQueue } from "../../../src/policies/queues/mlfq.ts";
import type { JobRecord, ProgramLevelsQueue } from "../../../src/policies/queues/program-levels.ts";
import { DEMANDS, ManualClock, type QTask, contextFor } from "./harness.ts";
import { MLFQ_DEFAULTS } from "./jobs-driver.ts";
import { refuted } from "./planted.ts";

const THRESHOLDS = [100, 400, 1600];
const JOBS = 5;
const levelOf = (service: number): number => THRESHOLDS.filter((threshold) => service >= threshold).length;

/** Demand `index`: on provider x when even, y when odd; each index its own key (its own per-level list). */
function demandOf(index: number): Demand {
  const base = index % 2 === 0 ? DEMANDS.x : DEMANDS.y;
  return { ...base, key: `${base.key}#${index}` };
}

interface QueuedEntry {
  readonly task: QTask;
  stamp: number;
  guardDueMs: number;
  /** Order of the guard's entries: those due at the same time promote in the order they were guarded. */
  guardOrder: number;
}

interface ModelJob {
  level: number;
  service: number;
  running: number;
  finished: boolean;
}

/** The rules of program-levels.ts for LAS (top level 0), written plainly: lists and scans, no caches. */
class Model {
  /** Queued tasks in the order they were enqueued: a job's tasks move between levels in this order. */
  readonly queued: QueuedEntry[] = [];
  readonly running = new Map<QTask, { count: number; committedLevel: number }>();
  readonly jobs = new Map<number, ModelJob>();
  private nextStamp = 0;
  private nextGuard = 0;

  constructor(
    private readonly clock: ManualClock,
    private readonly starvationMs: number | undefined,
  ) {}

  get guarded(): boolean {
    return this.starvationMs !== undefined;
  }

  enqueue(task: QTask): void {
    this.advance();
    let job = this.jobs.get(task.job);
    if (job === undefined) {
      job = { level: 0, service: 0, running: 0, finished: false };
      this.jobs.set(task.job, job);
    }
    const entry: QueuedEntry = { task, stamp: this.stamp(), guardDueMs: Infinity, guardOrder: 0 };
    this.queued.push(entry);
    if (this.starvationMs !== undefined && job.level !== 0) this.guard(entry, this.clock.now() + this.starvationMs);
  }

  select(eligible: (task: QTask) => boolean): QTask | undefined {
    for (let level = 0; level <= THRESHOLDS.length; level += 1) {
      const candidates = this.queued.filter((entry) => this.jobs.get(entry.task.job)?.level === level && eligible(entry.task));
      if (candidates.length > 0) return candidates.reduce((best, entry) => (entry.stamp < best.stamp ? entry : best)).task;
    }
    return undefined;
  }

  commit(task: QTask): boolean {
    this.advance();
    if (!this.take(task)) return false;
    const job = this.jobs.get(task.job) as ModelJob;
    const running = this.running.get(task) ?? { count: 0, committedLevel: 0 };
    running.count += 1;
    running.committedLevel = job.level;
    this.running.set(task, running);
    job.running += 1;
    return true;
  }

  remove(task: QTask): boolean {
    this.advance();
    if (!this.take(task)) return false;
    this.forgetIfDone(task.job);
    return true;
  }

  charge(task: QTask, tokens: number): void {
    this.advance();
    const job = this.jobs.get(task.job);
    if (job === undefined) return;
    job.service += tokens;
    this.moveJob(task.job, levelOf(job.service));
  }

  released(task: QTask): void {
    this.advance();
    const running = this.running.get(task);
    if (running === undefined) return;
    running.count -= 1;
    if (running.count === 0) this.running.delete(task);
    (this.jobs.get(task.job) as ModelJob).running -= 1;
    this.forgetIfDone(task.job);
  }

  jobFinished(id: number): void {
    this.advance();
    const job = this.jobs.get(id);
    if (job === undefined) return;
    job.finished = true;
    this.forgetIfDone(id);
  }

  shouldYield(task: QTask): boolean {
    const job = this.jobs.get(task.job);
    const running = this.running.get(task);
    if (job === undefined || running === undefined) return false;
    if (job.level > running.committedLevel) return true;
    const slots = [...task.demand.slots];
    return this.queued.some((entry) => (this.jobs.get(entry.task.job) as ModelJob).level < job.level && [...entry.task.demand.slots].some((slot) => slots.includes(slot)));
  }

  ordered(): QTask[] {
    const levelOfEntry = (entry: QueuedEntry): number => (this.jobs.get(entry.task.job) as ModelJob).level;
    return [...this.queued].sort((a, b) => levelOfEntry(a) - levelOfEntry(b) || a.stamp - b.stamp).map((entry) => entry.task);
  }

  get trackedTasks(): number {
    return new Set([...this.queued.map((entry) => entry.task), ...this.running.keys()]).size;
  }

  private stamp(): number {
    this.nextStamp += 1;
    return this.nextStamp;
  }

  private guard(entry: QueuedEntry, dueMs: number): void {
    entry.guardDueMs = dueMs;
    entry.guardOrder = this.nextGuard;
    this.nextGuard += 1;
  }

  private take(task: QTask): boolean {
    const index = this.queued.findIndex((entry) => entry.task === task);
    if (index < 0) return false;
    this.queued.splice(index, 1);
    return true;
  }

  private moveJob(id: number, level: number): void {
    const job = this.jobs.get(id) as ModelJob;
    if (level === job.level) return;
    job.level = level;
    const dueMs = this.starvationMs === undefined || level === 0 ? Infinity : this.clock.now() + this.starvationMs;
    for (const entry of this.queued) {
      if (entry.task.job !== id) continue;
      entry.stamp = this.stamp();
      if (entry.guardDueMs === Infinity && dueMs !== Infinity) this.guard(entry, dueMs);
    }
  }

  private forgetIfDone(id: number): void {
    const job = this.jobs.get(id) as ModelJob;
    if (job.finished && job.running === 0 && !this.queued.some((entry) => entry.task.job === id)) this.jobs.delete(id);
  }

  /** The starvation guard: every queued task due by now, in the order it fell due, moves its job to level 0. */
  private advance(): void {
    const nowMs = this.clock.now();
    for (;;) {
      const due = this.queued.filter((entry) => entry.guardDueMs <= nowMs);
      if (due.length === 0) return;
      const first = due.reduce((best, entry) => (entry.guardDueMs < best.guardDueMs || (entry.guardDueMs === best.guardDueMs && entry.guardOrder < best.guardOrder) ? entry : best));
      first.guardDueMs = Infinity;
      this.moveJob(first.task.job, 0);
    }
  }
}

type Op =
  | { readonly op: "enqueue"; readonly job: number; readonly demand: number }
  | { readonly op: "dispatch"; readonly eligibleX: boolean; readonly eligibleY: boolean }
  | { readonly op: "commit"; readonly pick: number }
  | { readonly op: "remove"; readonly pick: number }
  | { readonly op: "charge"; readonly pick: number; readonly tokens: number }
  | { readonly op: "release"; readonly pick: number }
  | { readonly op: "stray"; readonly pick: number; readonly tokens: number }
  | { readonly op: "requeue"; readonly pick: number }
  | { readonly op: "finishJob"; readonly job: number }
  | { readonly op: "tick"; readonly ms: number };

/** Mostly two demands (long lists, stale entries), sometimes one of a hundred (lists that empty and are swept). */
const demandArbitrary = fc.oneof({ weight: 3, arbitrary: fc.nat(1) }, { weight: 1, arbitrary: fc.nat(99) });
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("enqueue" as const), job: fc.nat(JOBS - 1), demand: demandArbitrary }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("dispatch" as const), eligibleX: fc.boolean(), eligibleY: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("commit" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("remove" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("charge" as const), pick: fc.nat(), tokens: fc.oneof(fc.nat(150), fc.constantFrom(100, 300, 1200)) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("release" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("requeue" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("stray" as const), pick: fc.nat(), tokens: fc.nat(150) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("finishJob" as const), job: fc.nat(JOBS) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("tick" as const), ms: fc.oneof(fc.integer({ min: 1, max: 400 }), fc.constant(500)) }) },
);
const opsArbitrary = fc.array(opArbitrary, { minLength: 1, maxLength: 400, size: "max" });

const ELIGIBILITIES: readonly ((task: QTask) => boolean)[] = [
  () => true,
  (task) => task.demand.slots[0] === DEMANDS.x.slots[0],
  (task) => task.demand.slots[0] === DEMANDS.y.slots[0],
  () => false,
];

/** Plays the ops on the queue and the model; the first difference found, or undefined. */
function firstDifference(make: (clock: ManualClock, starvationMs: number | undefined) => ProgramLevelsQueue<QTask>, starvationMs: number | undefined, ops: readonly Op[]): string | undefined {
  const clock = new ManualClock(0);
  const queue = make(clock, starvationMs);
  const model = new Model(clock, starvationMs);
  const tasks: QTask[] = [];
  const pickQueued = (pick: number): QTask | undefined => model.queued[pick % Math.max(1, model.queued.length)]?.task;
  const pickRunning = (pick: number): QTask | undefined => [...model.running.keys()][pick % Math.max(1, model.running.size)];
  for (const [step, op] of ops.entries()) {
    switch (op.op) {
      case "enqueue": {
        const task: QTask = { id: tasks.length + 1, demand: demandOf(op.demand), group: "g", job: op.job, lane: "batch", cost: 1, input: 1 };
        tasks.push(task);
        queue.enqueue(task);
        model.enqueue(task);
        break;
      }
      case "dispatch": {
        const eligible = (task: QTask): boolean => (task.demand.slots[0] === DEMANDS.x.slots[0] ? op.eligibleX : op.eligibleY);
        const chosen = queue.select(eligible);
        if (chosen !== model.select(eligible)) return `step ${step}: selected ${chosen?.id}, the model ${model.select(eligible)?.id}`;
        if (chosen !== undefined && queue.commit(chosen) !== model.commit(chosen)) return `step ${step}: commit of selected task ${chosen.id} disagreed`;
        break;
      }
      case "commit":
      case "remove": {
        // Any queued task (not the one select returned), or one that is not queued any more.
        const task = pickQueued(op.pick) ?? tasks[op.pick % Math.max(1, tasks.length)];
        if (task === undefined) break;
        const [got, expected] = op.op === "commit" ? [queue.commit(task), model.commit(task)] : [queue.remove(task), model.remove(task)];
        if (got !== expected) return `step ${step}: ${op.op} of task ${task.id} returned ${got}, the model ${expected}`;
        break;
      }
      case "charge": {
        const task = pickRunning(op.pick);
        if (task === undefined) break;
        queue.charge(task, { inputTokens: op.tokens >> 1, outputTokens: op.tokens - (op.tokens >> 1), providerMs: 0 });
        model.charge(task, op.tokens);
        break;
      }
      case "release": {
        const task = pickRunning(op.pick);
        if (task === undefined) break;
        queue.released(task);
        model.released(task);
        break;
      }
      case "stray": {
        // Feedback about any task ever seen, running or not: a release of a task not running is ignored; a
        // charge counts for its job, if the queue still knows the job.
        const task = tasks[op.pick % Math.max(1, tasks.length)];
        if (task === undefined) break;
        queue.released(task);
        model.released(task);
        queue.charge(task, { inputTokens: 0, outputTokens: op.tokens, providerMs: 0 });
        model.charge(task, op.tokens);
        break;
      }
      case "requeue": {
        // A running task queued again before its lease came back (a yield whose release is still on its way).
        const task = pickRunning(op.pick);
        if (task === undefined || model.queued.some((entry) => entry.task === task)) break;
        queue.enqueue(task);
        model.enqueue(task);
        break;
      }
      case "finishJob":
        queue.jobFinished(op.job);
        model.jobFinished(op.job);
        break;
      case "tick":
        clock.timeMs += op.ms;
        break;
    }
    const problem = compare(queue, model, tasks);
    if (problem !== undefined) return `step ${step} (${op.op}): ${problem}`;
  }
  return undefined;
}

function compare(queue: ProgramLevelsQueue<QTask>, model: Model, tasks: readonly QTask[]): string | undefined {
  for (const [index, eligible] of ELIGIBILITIES.entries()) {
    if (queue.select(eligible) !== model.select(eligible)) return `selection ${index}: ${queue.select(eligible)?.id}, the model ${model.select(eligible)?.id}`;
  }
  const ids = (tasks: readonly QTask[]): string => tasks.map((task) => task.id).join(",");
  if (ids(queue.ordered()) !== ids(model.ordered())) return `ordered ${ids(queue.ordered())}, the model ${ids(model.ordered())}`;
  if (queue.size !== model.queued.length) return `size ${queue.size}, the model ${model.queued.length}`;
  if (queue.trackedJobs !== model.jobs.size || queue.trackedTasks !== model.trackedTasks) {
    return `tracked ${queue.trackedJobs} jobs, ${queue.trackedTasks} tasks; the model ${model.jobs.size}, ${model.trackedTasks}`;
  }
  for (let job = 0; job <= JOBS; job += 1) {
    if (queue.levelOfJob(job) !== model.jobs.get(job)?.level) return `job ${job} at level ${queue.levelOfJob(job)}, the model ${model.jobs.get(job)?.level}`;
  }
  // Every task ever seen: one only queued, or gone, is never asked to yield.
  for (const task of tasks) {
    if (queue.shouldYield(task) !== model.shouldYield(task)) return `task ${task.id}: shouldYield ${queue.shouldYield(task)}, the model ${model.shouldYield(task)}`;
  }
  if (!model.guarded && queue.guardEntries !== 0) return `${queue.guardEntries} guard entries without a starvation guard`;
  return undefined;
}

const las = (clock: ManualClock, starvationMs: number | undefined): ProgramLevelsQueue<QTask> => new LasQueue<QTask>({ service: "tokens", thresholds: THRESHOLDS, starvationMs }, contextFor(clock));

/** Planted bug: a job is never moved up (the starvation guard's promotion is lost). */
class NeverPromotedLas extends LasQueue<QTask> {
  protected override moveJob(job: JobRecord<QTask>, level: number): void {
    if (level > job.level) super.moveJob(job, level);
  }
}

/** Planted bug: a running task is never asked to yield. */
class NeverYieldingLas extends LasQueue<QTask> {
  override shouldYield(): boolean {
    return false;
  }
}

describe("program levels (through las) against a plain model", () => {
  it("without a starvation guard: selections, order, levels, yields and counts match the model after every call", () => {
    fc.assert(
      fc.property(opsArbitrary, (ops) => {
        expect(firstDifference(las, undefined, ops)).toBeUndefined();
      }),
      { numRuns: 150, seed: 9_101 },
    );
  });

  it("with a starvation guard of 1 s: the same, promotions included", () => {
    fc.assert(
      fc.property(opsArbitrary, (ops) => {
        expect(firstDifference(las, 1000, ops)).toBeUndefined();
      }),
      { numRuns: 150, seed: 9_102 },
    );
  });

  it("sweeps the empty lists of a level while another list of that level holds a live task", () => {
    // Task 1 (demand 0) stays queued; 100 tasks of demands of their own come and are removed, each emptying its list.
    const ops: Op[] = [{ op: "enqueue", job: 1, demand: 0 }];
    for (let demand = 1; demand <= 100; demand += 1) ops.push({ op: "enqueue", job: 2, demand }, { op: "remove", pick: 1 });
    // Then the same one level down (job 2 charged past the first threshold while a task of it runs).
    ops.push({ op: "enqueue", job: 2, demand: 0 }, { op: "commit", pick: 1 }, { op: "charge", pick: 0, tokens: 100 }, { op: "enqueue", job: 2, demand: 1 });
    for (let demand = 2; demand <= 100; demand += 1) ops.push({ op: "enqueue", job: 2, demand }, { op: "remove", pick: 2 });
    ops.push({ op: "dispatch", eligibleX: true, eligibleY: true }, { op: "dispatch", eligibleX: true, eligibleY: true });
    expect(firstDifference(las, undefined, ops)).toBeUndefined();
    expect(firstDifference(las, 1000, ops)).toBeUndefined();
  });

  it("compacts a list whose stale entries pile up behind its live head, keeping its order", () => {
    // 120 tasks of one demand; the second queued one is removed 100 times, then the jobs move and the rest drain.
    const ops: Op[] = [];
    for (let index = 0; index < 120; index += 1) ops.push({ op: "enqueue", job: index % JOBS, demand: 0 });
    for (let index = 0; index < 100; index += 1) ops.push({ op: "remove", pick: 1 });
    ops.push({ op: "dispatch", eligibleX: true, eligibleY: true }, { op: "charge", pick: 0, tokens: 500 });
    for (let index = 0; index < 20; index += 1) ops.push({ op: "dispatch", eligibleX: true, eligibleY: false }, { op: "release", pick: 0 });
    expect(firstDifference(las, undefined, ops)).toBeUndefined();
  });

  it("fails that on planted bugs: promotions lost, and yields never asked", () => {
    const plantedBugs: ((clock: ManualClock, starvationMs: number | undefined) => ProgramLevelsQueue<QTask>)[] = [
      (clock, starvationMs) => new NeverPromotedLas({ service: "tokens", thresholds: THRESHOLDS, starvationMs }, contextFor(clock)),
      (clock, starvationMs) => new NeverYieldingLas({ service: "tokens", thresholds: THRESHOLDS, starvationMs }, contextFor(clock)),
    ];
    for (const make of plantedBugs) {
      expect(refuted(fc.check(fc.property(opsArbitrary, (ops) => firstDifference(make, 1000, ops) === undefined), { numRuns: 150, seed: 9_103 }))).toBe(true);
    }
  });
});

/** A LAS whose service → level rule is replaced: for the range check of moveJob. */
class FixedLevelLas extends LasQueue<QTask> {
  constructor(
    private readonly level: number,
    clock: ManualClock,
  ) {
    super({ service: "tokens", thresholds: THRESHOLDS, starvationMs: undefined }, contextFor(clock));
  }
  protected override levelAfterService(): number {
    return this.level;
  }
}

describe("program levels: edges", () => {
  it("a single level is allowed; no level, or a fractional number of levels, fails naming the count", () => {
    const single = new LasQueue<QTask>({ service: "tokens", thresholds: [], starvationMs: undefined }, contextFor(new ManualClock()));
    const first: QTask = { id: 1, demand: DEMANDS.x, group: "g", job: 1, lane: "batch", cost: 1, input: 1 };
    single.enqueue(first);
    expect(single.select(() => true)).toBe(first);
    const mlfq = (levelsPerLane: number) => new MlfqQueue<QTask>({ ...MLFQ_DEFAULTS, lanes: ["batch"], levelsPerLane }, contextFor(new ManualClock()));
    expect(() => mlfq(0)).toThrow("a levelled queue needs at least one level, got 0");
    expect(() => mlfq(0.25)).toThrow("a levelled queue needs at least one level, got 0.5");
  });

  it("enqueuing a task that is already queued is a bug, also for the first task ever queued", () => {
    const queue = las(new ManualClock(), undefined);
    const first: QTask = { id: 1, demand: DEMANDS.x, group: "g", job: 1, lane: "batch", cost: 1, input: 1 };
    queue.enqueue(first);
    expect(() => queue.enqueue(first)).toThrow("a task was enqueued twice");
  });

  it("a level rule that leaves the levels is a bug: the last level is the last one allowed", () => {
    const charged = (level: number): void => {
      const queue = new FixedLevelLas(level, new ManualClock());
      const running: QTask = { id: 1, demand: DEMANDS.x, group: "g", job: 1, lane: "batch", cost: 1, input: 1 };
      queue.enqueue(running);
      queue.commit(running);
      queue.charge(running, { inputTokens: 0, outputTokens: 1, providerMs: 0 });
    };
    expect(() => charged(THRESHOLDS.length)).not.toThrow();
    expect(() => charged(THRESHOLDS.length + 1)).toThrow(`level ${THRESHOLDS.length + 1} out of range`);
    expect(() => charged(-1)).toThrow("level -1 out of range");
  });

  it("the starvation guard keeps no entry for tasks at their job's top level, nor after it promoted a job there", () => {
    const clock = new ManualClock(0);
    const queue = las(clock, 1000);
    const tasks = Array.from({ length: 10 }, (_, index): QTask => ({ id: index + 1, demand: DEMANDS.x, group: "g", job: index % 2, lane: "batch", cost: 1, input: 1 }));
    for (const each of tasks) queue.enqueue(each);
    expect(queue.guardEntries).toBe(0);
    const running = tasks[0] as QTask;
    queue.commit(running);
    queue.charge(running, { inputTokens: 0, outputTokens: 100, providerMs: 0 });
    expect([queue.levelOfJob(0), queue.guardEntries]).toEqual([1, 4]);
    clock.timeMs = 1000;
    queue.jobFinished(99);
    expect([queue.levelOfJob(0), queue.guardEntries]).toEqual([0, 0]);
  });
});

/** The private state whose size program-levels.ts promises to bound. */
interface Internals {
  readonly levels: readonly { readonly lists: readonly { readonly records: { readonly size: number }; readonly live: number }[]; readonly listByDemand: Map<string, unknown> }[];
  readonly spareRecords: readonly unknown[];
  readonly spareJobs: readonly unknown[];
}
const internals = (queue: ProgramLevelsQueue<QTask>): Internals => queue as unknown as Internals;

describe("program levels: bounded memory", () => {
  it("keeps at most 64 empty per-demand lists a level (and their map entries), however many demands pass through", () => {
    const queue = las(new ManualClock(), undefined);
    const level = internals(queue).levels[0] as Internals["levels"][number];
    const waiting: QTask = { id: 1, demand: demandOf(0), group: "g", job: 1, lane: "batch", cost: 1, input: 1 };
    queue.enqueue(waiting);
    for (let index = 1; index <= 300; index += 1) {
      const passing: QTask = { id: index + 1, demand: demandOf(index), group: "g", job: 2, lane: "batch", cost: 1, input: 1 };
      queue.enqueue(passing);
      queue.remove(passing);
      expect(level.lists.length).toBeLessThanOrEqual(1 + 64);
      expect(level.listByDemand.size).toBe(level.lists.length);
    }
    expect(queue.select(() => true)).toBe(waiting);
  });

  it("keeps a list's stale entries at most twice its live ones plus 32", () => {
    const queue = las(new ManualClock(), undefined);
    const tasks = Array.from({ length: 300 }, (_, index): QTask => ({ id: index + 1, demand: DEMANDS.x, group: "g", job: index % JOBS, lane: "batch", cost: 1, input: 1 }));
    for (const each of tasks) queue.enqueue(each);
    const list = (internals(queue).levels[0] as Internals["levels"][number]).lists[0] as Internals["levels"][number]["lists"][number];
    // Removing three tasks of every four from behind the head leaves stale entries the head does not sweep away.
    for (const [index, each] of tasks.entries()) {
      if (index % 4 === 0) continue;
      queue.remove(each);
      expect(list.records.size).toBeLessThanOrEqual(2 * list.live + 32);
    }
    expect(queue.ordered()).toEqual(tasks.filter((_, index) => index % 4 === 0));
  });

  it("pools at most 4096 forgotten job and task records, and reuses them", () => {
    const queue = las(new ManualClock(), undefined);
    const tasks = Array.from({ length: 5000 }, (_, index): QTask => ({ id: index + 1, demand: DEMANDS.x, group: "g", job: index, lane: "batch", cost: 1, input: 1 }));
    for (const each of tasks) {
      queue.enqueue(each);
      queue.jobFinished(each.job);
    }
    for (const each of tasks) queue.remove(each);
    expect([internals(queue).spareRecords.length, internals(queue).spareJobs.length]).toEqual([4096, 4096]);
    for (const each of tasks.slice(0, 10)) queue.enqueue(each);
    expect([internals(queue).spareRecords.length, internals(queue).spareJobs.length]).toEqual([4086, 4086]);
  });
});
