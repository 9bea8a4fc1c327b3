// What MLFQ and least-attained-service share: they rank whole programs (jobs), not tasks. Each job sits at one
// level; a level keeps one FIFO per demand of the tasks that reached it, and each job an index of its queued
// tasks, so select costs O(levels × demands), enqueue, commit and remove O(1) amortised, and moving a job between
// levels (demotion, boost, starvation promotion) O(its queued tasks). Service is charged per job as requests
// finish; a job's state is dropped once it has finished and has nothing queued or running.

import { assert } from "../assert.ts";
import { Deque } from "../deque.ts";
import type { Demand } from "../lease-ledger.ts";
import type { Queueable, ReadyQueue, ServiceUsage } from "../ready-queue.ts";
import { JobTable } from "./job-table.ts";
import type { QueueContext } from "./queue-context.ts";

/** Empty per-demand lists a level keeps for reuse before it sweeps them: bounds memory and the cost of select. */
const MAX_EMPTY_LISTS = 64;
/** A list is rebuilt when it holds more than twice its live entries plus this: stale entries stay bounded. */
const STALE_ENTRIES_SLACK = 32;
/**
 * Job and task records kept for reuse once forgotten. Each task otherwise allocates two records that live as long
 * as it waits; at a million queued tasks they all survive into the old generation, and the collector's work, not
 * the queue's, set the cost per task (bench/queues.ts). A stale reference to a reused record stays harmless: level
 * lists and the starvation guard check the record's stamp and guard number, the select cache checks the task.
 */
const MAX_POOLED_RECORDS = 4096;

/** One queued (or running) task. Its entry in a level list is live while the entry's stamp equals `stamp`. */
class TaskRecord<T> {
  /** When the task reached its current level (a global counter: FIFO within a level); −1 when not queued. */
  stamp = -1;
  /** Commits not yet released (one, unless the task was queued again before its lease came back). */
  running = 0;
  /** The job's level when the task was last committed: a yield is due once the job sits lower. */
  committedLevel = 0;
  /** Neighbours among the job's queued tasks (an intrusive list: no allocation per task). */
  previousInJob: TaskRecord<T> | undefined = undefined;
  nextInJob: TaskRecord<T> | undefined = undefined;
  list: LevelList<T> | undefined = undefined;
  /** When the starvation guard next looks at the task; Infinity when it is not guarded. */
  guardDueMs = Infinity;
  /**
   * The number of its live entry in the guard's queue. A number, not the due time: a stale entry of this record
   * (or of the task it held before it was reused) may carry the same due time, and must not fire in its place.
   */
  guardNumber = -1;
  constructor(
    public task: T,
    public job: JobRecord<T>,
  ) {}
}

/** A level's FIFO for one demand: records with the stamp they were placed with (stale ones are skipped lazily). */
class LevelList<T> {
  records = new Deque<TaskRecord<T>>();
  stamps = new Deque<number>();
  live = 0;
  constructor(
    readonly level: Level<T>,
    readonly demand: Demand,
  ) {}
}

class Level<T> {
  /** Live queued tasks at this level. */
  count = 0;
  /** An array as well as a map: select walks it without allocating an iterator. */
  readonly lists: LevelList<T>[] = [];
  readonly listByDemand = new Map<string, LevelList<T>>();
  emptyLists = 0;
  /** Per resource slot, how many non-empty lists at this level need it: whether a waiter here could use a yielded lease. */
  readonly waitingListsBySlot: number[] = [];
}

export class JobRecord<T> {
  level: number;
  /** Attained service: since the job entered its level (MLFQ) or in total (LAS). */
  service = 0;
  /** Commits of its tasks not yet released. */
  running = 0;
  /** The scheduler said every task finished: the record goes once nothing of it is queued or running. */
  finished = false;
  /** The MLFQ boost that last reset the job's service. */
  boostEpoch = 0;
  /** Its queued tasks, oldest first. */
  firstQueued: TaskRecord<T> | undefined = undefined;
  lastQueued: TaskRecord<T> | undefined = undefined;
  queuedCount = 0;
  /**
   * Its queued or running tasks' records: most jobs have one at a time, kept in `onlyRecord`; a map is made only
   * for a job with several, so the common case touches one large map (the jobs) per call, not two.
   */
  onlyRecord: TaskRecord<T> | undefined = undefined;
  recordByTask: Map<T, TaskRecord<T>> | undefined = undefined;
  constructor(
    public id: number,
    /** Where the boost and the starvation guard put the job back: its lane's first level (MLFQ) or 0 (LAS). */
    public topLevel: number,
    level: number,
  ) {
    this.level = level;
  }

  /** Makes a forgotten record a new job's (see MAX_POOLED_RECORDS). Nothing of it is queued or running. */
  reuse(id: number, topLevel: number, level: number): void {
    this.id = id;
    this.topLevel = topLevel;
    this.level = level;
    this.service = 0;
    this.finished = false;
    this.boostEpoch = 0;
  }
}

export interface ProgramLevelsOptions {
  /** Attained service in tokens (input + output) or in provider milliseconds. */
  readonly service: "tokens" | "provider_ms";
  /**
   * A task that has waited this long below its job's top level (since it was enqueued or its job last went down)
   * moves its job to the top level; undefined: never.
   */
  readonly starvationMs: number | undefined;
}

export abstract class ProgramLevelsQueue<T extends Queueable> implements ReadyQueue<T> {
  private readonly jobs = new JobTable<JobRecord<T>>();
  /** Lookup cache, invisible from outside: the record select last returned (commit follows select). Checked before use. */
  private lastSelected: TaskRecord<T> | undefined = undefined;
  private trackedRecords = 0;
  private readonly spareJobs: JobRecord<T>[] = [];
  private readonly spareRecords: TaskRecord<T>[] = [];
  private readonly levels: Level<T>[];
  /** Jobs below their top level: the only ones a boost has to move. */
  private readonly displaced = new Set<JobRecord<T>>();
  /** Starvation guard: queued tasks in the order they fall due, with their entries' numbers (stale ones skipped lazily). */
  private readonly guardRecords = new Deque<TaskRecord<T>>();
  private readonly guardNumbers = new Deque<number>();
  private nextGuardNumber = 0;
  private count = 0;
  private nextStamp = 0;

  constructor(
    protected readonly context: QueueContext<T>,
    private readonly programOptions: ProgramLevelsOptions,
    levelCount: number,
  ) {
    assert(Number.isInteger(levelCount) && levelCount >= 1, `a levelled queue needs at least one level, got ${levelCount}`);
    this.levels = Array.from({ length: levelCount }, () => new Level<T>());
  }

  get size(): number {
    return this.count;
  }

  /** Jobs the queue keeps state for (something queued or running, or not yet reported finished). */
  get trackedJobs(): number {
    return this.jobs.size;
  }

  /** Queued and running tasks the queue keeps a record of: equal to `size` plus the running tasks. */
  get trackedTasks(): number {
    return this.trackedRecords;
  }

  /** Entries of the starvation guard, live or stale: bounded by the tasks enqueued within one starvation period. */
  get guardEntries(): number {
    return this.guardRecords.size;
  }

  /** The level of a job, or undefined when the queue keeps nothing for it. */
  levelOfJob(job: number): number | undefined {
    return this.jobs.get(job)?.level;
  }

  enqueue(task: T): void {
    this.advance();
    const id = this.context.job(task);
    let job = this.jobs.get(id);
    if (job === undefined) {
      const topLevel = this.topLevelOf(task);
      const level = this.initialLevel(task, topLevel);
      job = this.spareJobs.pop();
      if (job === undefined) job = new JobRecord<T>(id, topLevel, level);
      else job.reuse(id, topLevel, level);
      this.jobs.add(job);
      if (job.level !== topLevel) this.displaced.add(job);
    }
    let record = this.recordIn(job, task);
    if (record === undefined) {
      record = this.spareRecords.pop();
      if (record === undefined) record = new TaskRecord<T>(task, job);
      else {
        record.task = task;
        record.job = job;
      }
      this.track(job, record);
    }
    assert(record.stamp < 0, "a task was enqueued twice");
    record.previousInJob = job.lastQueued;
    record.nextInJob = undefined;
    if (job.lastQueued === undefined) job.firstQueued = record;
    else job.lastQueued.nextInJob = record;
    job.lastQueued = record;
    job.queuedCount += 1;
    this.place(record, job.level);
    this.count += 1;
    record.guardDueMs = Infinity;
    record.guardNumber = -1;
    const starvationMs = this.programOptions.starvationMs;
    if (starvationMs !== undefined && job.level !== job.topLevel) this.guard(record, this.context.clock.now() + starvationMs);
  }

  select(eligible: (task: T) => boolean): T | undefined {
    const levels = this.levels;
    for (let levelIndex = 0; levelIndex < levels.length; levelIndex += 1) {
      const level = levels[levelIndex] as Level<T>;
      if (level.count === 0) continue;
      let chosen: LevelList<T> | undefined;
      let chosenStamp = Infinity;
      const lists = level.lists;
      for (let listIndex = 0; listIndex < lists.length; listIndex += 1) {
        const list = lists[listIndex] as LevelList<T>;
        if (list.live === 0) continue;
        // Every mutation leaves each list's head live, so the head is the list's oldest queued task.
        const stamp = list.stamps.peek() as number;
        if (stamp < chosenStamp && eligible((list.records.peek() as TaskRecord<T>).task)) {
          chosen = list;
          chosenStamp = stamp;
        }
      }
      if (chosen !== undefined) {
        const record = chosen.records.peek() as TaskRecord<T>;
        this.lastSelected = record;
        return record.task;
      }
    }
    return undefined;
  }

  commit(task: T): boolean {
    this.advance();
    const selected = this.lastSelected;
    const record = selected !== undefined && selected.task === task && selected.stamp >= 0 ? selected : this.queuedRecordOf(task);
    if (record === undefined) return false;
    this.take(record);
    record.running += 1;
    record.job.running += 1;
    record.committedLevel = record.job.level;
    return true;
  }

  remove(task: T): boolean {
    this.advance();
    const record = this.queuedRecordOf(task);
    if (record === undefined) return false;
    this.take(record);
    if (record.running === 0) this.untrack(record);
    this.forgetIfDone(record.job);
    return true;
  }

  ordered(): T[] {
    const tasks: T[] = [];
    for (const level of this.levels) {
      const entries: TaskRecord<T>[] = [];
      for (const list of level.lists) {
        const stamps = [...list.stamps];
        let index = 0;
        for (const record of list.records) {
          if (record.stamp === stamps[index]) entries.push(record);
          index += 1;
        }
      }
      entries.sort((a, b) => a.stamp - b.stamp);
      for (const record of entries) tasks.push(record.task);
    }
    return tasks;
  }

  /** Adds the service to the task's job and moves the job if that changes its level. A job the queue does not know is ignored. */
  charge(task: T, usage: ServiceUsage): void {
    this.advance();
    const job = this.jobs.get(this.context.job(task));
    if (job === undefined) return;
    this.beforeCharge(job);
    job.service += this.programOptions.service === "tokens" ? usage.inputTokens + usage.outputTokens : usage.providerMs;
    this.moveJob(job, this.levelAfterService(job));
  }

  /** Ends one commit of the task; a task the queue did not commit is ignored. */
  released(task: T): void {
    this.advance();
    const job = this.jobs.get(this.context.job(task));
    const record = job === undefined ? undefined : this.recordIn(job, task);
    if (record === undefined || record.running === 0) return;
    record.running -= 1;
    record.job.running -= 1;
    if (record.running === 0 && record.stamp < 0) this.untrack(record);
    this.forgetIfDone(record.job);
  }

  jobFinished(job: number): void {
    this.advance();
    const record = this.jobs.get(job);
    if (record === undefined) return;
    record.finished = true;
    this.forgetIfDone(record);
  }

  /**
   * Yield when the task's job has been demoted since the task was committed, or when a task at a strictly better
   * level waits for a resource the task holds. O(levels × resources of the task's demand).
   */
  shouldYield(task: T): boolean {
    const job = this.jobs.get(this.context.job(task));
    const record = job === undefined ? undefined : this.recordIn(job, task);
    if (record === undefined || record.running === 0) return false;
    const jobLevel = record.job.level;
    if (jobLevel > record.committedLevel) return true;
    const slots = task.demand.slots;
    for (let levelIndex = 0; levelIndex < jobLevel; levelIndex += 1) {
      const level = this.levels[levelIndex] as Level<T>;
      if (level.count === 0) continue;
      for (let index = 0; index < slots.length; index += 1) if ((level.waitingListsBySlot[slots[index] as number] ?? 0) > 0) return true;
    }
    return false;
  }

  /** The level a job's boost or starvation promotion returns it to. */
  protected abstract topLevelOf(task: T): number;
  /** The level a new job starts at. */
  protected abstract initialLevel(task: T, topLevel: number): number;
  /** The job's level once its attained service changed; may reduce `job.service` (a demotion starts a new quantum). */
  protected abstract levelAfterService(job: JobRecord<T>): number;
  /** Called before a charge is added: MLFQ resets the service of a job a boost has passed over. */
  protected beforeCharge(_job: JobRecord<T>): void {}
  /** Called first in every mutating call with the current time (select never mutates): MLFQ's periodic boost. */
  protected onTime(_nowMs: number): void {}

  /** Moves every job below its top level back to it. O(those jobs and their queued tasks). */
  protected liftDisplacedJobs(): void {
    for (const job of this.displaced) this.moveJob(job, job.topLevel);
  }

  protected moveJob(job: JobRecord<T>, level: number): void {
    if (level === job.level) return;
    assert(level >= 0 && level < this.levels.length, `level ${level} out of range`);
    job.level = level;
    const starvationMs = this.programOptions.starvationMs;
    const guardDueMs = starvationMs === undefined || level === job.topLevel ? Infinity : this.context.clock.now() + starvationMs;
    for (let record = job.firstQueued; record !== undefined; record = record.nextInJob) {
      this.unplace(record);
      this.place(record, level);
      if (record.guardDueMs === Infinity && guardDueMs !== Infinity) this.guard(record, guardDueMs);
    }
    if (level === job.topLevel) this.displaced.delete(job);
    else this.displaced.add(job);
  }

  private recordIn(job: JobRecord<T>, task: T): TaskRecord<T> | undefined {
    if (job.recordByTask !== undefined) return job.recordByTask.get(task);
    return job.onlyRecord !== undefined && job.onlyRecord.task === task ? job.onlyRecord : undefined;
  }

  private queuedRecordOf(task: T): TaskRecord<T> | undefined {
    const job = this.jobs.get(this.context.job(task));
    const record = job === undefined ? undefined : this.recordIn(job, task);
    return record !== undefined && record.stamp >= 0 ? record : undefined;
  }

  private track(job: JobRecord<T>, record: TaskRecord<T>): void {
    this.trackedRecords += 1;
    if (job.recordByTask !== undefined) job.recordByTask.set(record.task, record);
    else if (job.onlyRecord === undefined) job.onlyRecord = record;
    else {
      job.recordByTask = new Map<T, TaskRecord<T>>([
        [job.onlyRecord.task, job.onlyRecord],
        [record.task, record],
      ]);
      job.onlyRecord = undefined;
    }
  }

  private untrack(record: TaskRecord<T>): void {
    this.trackedRecords -= 1;
    const job = record.job;
    if (job.recordByTask !== undefined) job.recordByTask.delete(record.task);
    else job.onlyRecord = undefined;
    // Nothing to reset: stamp is −1 and running 0 here, enqueue sets guardDueMs and commit sets committedLevel.
    if (this.spareRecords.length < MAX_POOLED_RECORDS) this.spareRecords.push(record);
  }

  private forgetIfDone(job: JobRecord<T>): void {
    if (!job.finished || job.queuedCount > 0 || job.running > 0) return;
    // Only a job with nothing queued or running can be forgotten, and nothing else refers to it: it is the map's.
    // Its records are gone too (each is untracked with its last commit or removal), so it may be reused.
    this.jobs.delete(job.id);
    this.displaced.delete(job);
    job.recordByTask = undefined;
    if (this.spareJobs.length < MAX_POOLED_RECORDS) this.spareJobs.push(job);
  }

  /** Takes a queued record out of its level and its job's list of queued tasks. */
  private take(record: TaskRecord<T>): void {
    this.unplace(record);
    const job = record.job;
    if (record.previousInJob === undefined) job.firstQueued = record.nextInJob;
    else record.previousInJob.nextInJob = record.nextInJob;
    if (record.nextInJob === undefined) job.lastQueued = record.previousInJob;
    else record.nextInJob.previousInJob = record.previousInJob;
    record.previousInJob = undefined;
    record.nextInJob = undefined;
    job.queuedCount -= 1;
    this.count -= 1;
  }

  private place(record: TaskRecord<T>, levelIndex: number): void {
    const level = this.levels[levelIndex] as Level<T>;
    const demand = record.task.demand;
    let list = level.listByDemand.get(demand.key);
    if (list === undefined) {
      list = new LevelList<T>(level, demand);
      level.lists.push(list);
      level.listByDemand.set(demand.key, list);
      level.emptyLists += 1;
    }
    if (list.live === 0) {
      level.emptyLists -= 1;
      for (const slot of demand.slots) level.waitingListsBySlot[slot] = (level.waitingListsBySlot[slot] ?? 0) + 1;
    }
    record.stamp = this.nextStamp;
    this.nextStamp += 1;
    record.list = list;
    list.records.push(record);
    list.stamps.push(record.stamp);
    list.live += 1;
    level.count += 1;
  }

  /** Makes the record's entry stale, and keeps its list's head live. */
  private unplace(record: TaskRecord<T>): void {
    const list = record.list as LevelList<T>;
    const level = list.level;
    record.stamp = -1;
    record.list = undefined;
    list.live -= 1;
    level.count -= 1;
    while (list.records.size > 0 && (list.records.peek() as TaskRecord<T>).stamp !== list.stamps.peek()) {
      list.records.shift();
      list.stamps.shift();
    }
    if (list.records.size > 2 * list.live + STALE_ENTRIES_SLACK) this.compact(list);
    if (list.live > 0) return;
    level.emptyLists += 1;
    for (const slot of list.demand.slots) level.waitingListsBySlot[slot] = (level.waitingListsBySlot[slot] as number) - 1;
    if (level.emptyLists > MAX_EMPTY_LISTS) this.sweep(level);
  }

  private compact(list: LevelList<T>): void {
    const records = new Deque<TaskRecord<T>>();
    const stamps = new Deque<number>();
    while (list.records.size > 0) {
      const record = list.records.shift() as TaskRecord<T>;
      const stamp = list.stamps.shift() as number;
      if (record.stamp !== stamp) continue;
      records.push(record);
      stamps.push(stamp);
    }
    list.records = records;
    list.stamps = stamps;
  }

  private sweep(level: Level<T>): void {
    let kept = 0;
    for (const list of level.lists) {
      if (list.live === 0) {
        level.listByDemand.delete(list.demand.key);
        continue;
      }
      level.lists[kept] = list;
      kept += 1;
    }
    level.lists.length = kept;
    level.emptyLists = 0;
  }

  private guard(record: TaskRecord<T>, dueMs: number): void {
    record.guardDueMs = dueMs;
    record.guardNumber = this.nextGuardNumber;
    this.nextGuardNumber += 1;
    this.guardRecords.push(record);
    this.guardNumbers.push(record.guardNumber);
  }

  /** Periodic work, then the starvation guard: amortised O(1), each guard entry is looked at once when stale or due. */
  private advance(): void {
    const nowMs = this.context.clock.now();
    this.onTime(nowMs);
    const starvationMs = this.programOptions.starvationMs;
    if (starvationMs === undefined) return;
    while (this.guardRecords.size > 0) {
      const record = this.guardRecords.peek() as TaskRecord<T>;
      const live = record.stamp >= 0 && record.guardNumber === this.guardNumbers.peek();
      if (live && record.guardDueMs > nowMs) return;
      this.guardRecords.shift();
      this.guardNumbers.shift();
      if (!live) continue;
      record.guardDueMs = Infinity;
      // A task waiting at its job's top level is not starved by the levels: moveJob guards it again if its job goes down.
      this.moveJob(record.job, record.job.topLevel);
    }
  }
}
