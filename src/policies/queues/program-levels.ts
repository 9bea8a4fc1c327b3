// What MLFQ and least-attained-service have in common: they rank whole programs (jobs), not tasks. Each job
// sits at one level; a level keeps, per demand, its jobs in the order they reached the level, and each job
// keeps its own queued tasks per demand. So moving a job between levels (demotion, boost, starvation
// promotion) costs O(its demands), select costs O(levels × demands) and enqueue and commit O(1), at any
// backlog. Service is charged per job as requests finish; per-job state is dropped when the job finishes.

import { Deque } from "../deque.ts";
import type { Queueable, ReadyQueue, ServiceUsage } from "../ready-queue.ts";
import { demandsOverlap } from "./demand-overlap.ts";
import type { QueueContext } from "./queue-context.ts";

/** A job's queued tasks that need one demand, linked into its level's list for that demand. */
class Entry<T> {
  /** Usually one task (a job rarely queues several tasks with one demand): start small. */
  readonly tasks = new Deque<T>(2);
  next: Entry<T> | undefined = undefined;
  previous: Entry<T> | undefined = undefined;
  /** When the job reached its level: FIFO within a level. */
  order = 0;
  listed = false;
  constructor(
    readonly job: JobState<T>,
    readonly demandKey: string,
  ) {}
}

/** One demand's entries at one level, oldest first. */
class EntryList<T> {
  head: Entry<T> | undefined = undefined;
  tail: Entry<T> | undefined = undefined;

  append(entry: Entry<T>): void {
    entry.previous = this.tail;
    entry.next = undefined;
    if (this.tail === undefined) this.head = entry;
    else this.tail.next = entry;
    this.tail = entry;
    entry.listed = true;
  }

  unlink(entry: Entry<T>): void {
    if (entry.previous === undefined) this.head = entry.next;
    else entry.previous.next = entry.next;
    if (entry.next === undefined) this.tail = entry.previous;
    else entry.next.previous = entry.previous;
    entry.next = undefined;
    entry.previous = undefined;
    entry.listed = false;
  }
}

export class JobState<T> {
  level: number;
  /** Attained service: since entering the level (MLFQ) or in total (LAS). */
  service = 0;
  running = 0;
  queued = 0;
  readonly entries = new Map<string, Entry<T>>();
  constructor(
    readonly id: number,
    /** The first task seen: the job's lane and group. */
    readonly sample: T,
    level: number,
  ) {
    this.level = level;
  }
}

export interface ProgramLevelsOptions {
  /** Attained service in tokens (input + output) or in provider milliseconds. */
  readonly service: "tokens" | "provider_ms";
  /** A task queued this long moves its job to the top level; undefined: never. */
  readonly starvationMs: number | undefined;
}

export abstract class ProgramLevelsQueue<T extends Queueable> implements ReadyQueue<T> {
  protected readonly jobs = new Map<number, JobState<T>>();
  private readonly levels: Map<string, EntryList<T>>[];
  /** The level each running task was committed at: a yield is due when its job has been demoted since. */
  private readonly committedAt = new Map<T, number>();
  /** Queued tasks in arrival order with their enqueue times, for the starvation guard (stale records skipped). */
  private readonly arrivals = new Deque<T>();
  private readonly arrivalTimes = new Deque<number>();
  private readonly queuedSince = new Map<T, number>();
  private count = 0;
  private nextOrder = 0;

  constructor(
    protected readonly context: QueueContext<T>,
    protected readonly programOptions: ProgramLevelsOptions,
    levelCount: number,
  ) {
    this.levels = Array.from({ length: levelCount }, () => new Map<string, EntryList<T>>());
  }

  get size(): number {
    return this.count;
  }

  /** Jobs the queue keeps state for (queued, running, or not yet reported finished): bounded by live jobs. */
  get trackedJobs(): number {
    return this.jobs.size;
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
      job = new JobState<T>(id, task, this.initialLevel(task));
      this.jobs.set(id, job);
    }
    let entry = job.entries.get(task.demand.key);
    if (entry === undefined) {
      entry = new Entry<T>(job, task.demand.key);
      job.entries.set(task.demand.key, entry);
    }
    entry.tasks.push(task);
    if (!entry.listed) this.list(entry, job.level);
    job.queued += 1;
    this.count += 1;
    if (this.programOptions.starvationMs === undefined) return;
    const now = this.context.clock.now();
    this.queuedSince.set(task, now);
    this.arrivals.push(task);
    this.arrivalTimes.push(now);
  }

  select(eligible: (task: T) => boolean): T | undefined {
    for (const byDemand of this.levels) {
      let chosen: Entry<T> | undefined;
      for (const list of byDemand.values()) {
        const head = list.head;
        if (head === undefined || (chosen !== undefined && head.order > chosen.order)) continue;
        if (eligible(head.tasks.peek() as T)) chosen = head;
      }
      if (chosen !== undefined) return chosen.tasks.peek();
    }
    return undefined;
  }

  commit(task: T): boolean {
    if (!this.take(task)) return false;
    const job = this.jobs.get(this.context.job(task)) as JobState<T>;
    job.running += 1;
    this.committedAt.set(task, job.level);
    this.advance();
    return true;
  }

  remove(task: T): boolean {
    if (!this.take(task)) return false;
    this.advance();
    return true;
  }

  ordered(): T[] {
    const tasks: T[] = [];
    for (const byDemand of this.levels) {
      const entries: Entry<T>[] = [];
      for (const list of byDemand.values()) for (let entry = list.head; entry !== undefined; entry = entry.next) entries.push(entry);
      entries.sort((a, b) => a.order - b.order);
      for (const entry of entries) tasks.push(...entry.tasks);
    }
    return tasks;
  }

  charge(task: T, usage: ServiceUsage): void {
    const job = this.jobs.get(this.context.job(task));
    if (job !== undefined) {
      job.service += this.programOptions.service === "tokens" ? usage.inputTokens + usage.outputTokens : usage.providerMs;
      const level = this.levelAfterService(job);
      if (level !== job.level) this.moveJob(job, level);
    }
    this.advance();
  }

  released(task: T): void {
    if (this.committedAt.delete(task)) {
      const job = this.jobs.get(this.context.job(task));
      if (job !== undefined) job.running -= 1;
    }
    this.advance();
  }

  jobFinished(job: number): void {
    const state = this.jobs.get(job);
    if (state !== undefined && state.queued === 0) this.jobs.delete(job);
    this.advance();
  }

  /**
   * Yield when the task's job has been demoted since the task was committed, or when a job at a strictly better
   * level waits for a resource the task holds. O(levels above × demands).
   */
  shouldYield(task: T): boolean {
    const committed = this.committedAt.get(task);
    const job = this.jobs.get(this.context.job(task));
    if (committed === undefined || job === undefined) return false;
    if (job.level > committed) return true;
    for (let level = 0; level < job.level; level += 1) {
      for (const list of (this.levels[level] as Map<string, EntryList<T>>).values()) {
        const head = list.head;
        if (head !== undefined && demandsOverlap((head.tasks.peek() as T).demand, task.demand)) return true;
      }
    }
    return false;
  }

  /** The level a job starts at. */
  protected abstract initialLevel(task: T): number;
  /** The job's level once its attained service changed; may reset `job.service` (a demotion starts a new quantum). */
  protected abstract levelAfterService(job: JobState<T>): number;
  /** The level a starving job is promoted to. */
  protected abstract topLevelFor(job: JobState<T>): number;
  /** Called at every mutating call with the current time, before anything else: periodic work (MLFQ's boost). */
  protected onTime(_nowMs: number): void {}

  protected moveJob(job: JobState<T>, level: number): void {
    if (level === job.level) return;
    for (const entry of job.entries.values()) {
      if (!entry.listed) continue;
      this.listOf(entry.demandKey, job.level).unlink(entry);
      this.list(entry, level);
    }
    job.level = level;
  }

  private list(entry: Entry<T>, level: number): void {
    entry.order = this.nextOrder;
    this.nextOrder += 1;
    this.listOf(entry.demandKey, level).append(entry);
  }

  private listOf(demandKey: string, level: number): EntryList<T> {
    const byDemand = this.levels[level] as Map<string, EntryList<T>>;
    let list = byDemand.get(demandKey);
    if (list === undefined) {
      list = new EntryList<T>();
      byDemand.set(demandKey, list);
    }
    return list;
  }

  /** Takes a queued task out of its job's entry (and the entry out of its level when it empties). */
  private take(task: T): boolean {
    const job = this.jobs.get(this.context.job(task));
    const entry = job?.entries.get(task.demand.key);
    if (job === undefined || entry === undefined) return false;
    if (entry.tasks.peek() === task) entry.tasks.shift();
    else if (!entry.tasks.remove(task)) return false;
    if (entry.tasks.size === 0) {
      if (entry.listed) this.listOf(entry.demandKey, job.level).unlink(entry);
      job.entries.delete(entry.demandKey);
    }
    job.queued -= 1;
    this.count -= 1;
    this.queuedSince.delete(task);
    return true;
  }

  private advance(): void {
    const now = this.context.clock.now();
    this.onTime(now);
    const starvationMs = this.programOptions.starvationMs;
    if (starvationMs === undefined) return;
    // Amortised O(1): each arrival record is looked at once after it is stale or due.
    while (this.arrivals.size > 0) {
      const task = this.arrivals.peek() as T;
      const since = this.arrivalTimes.peek() as number;
      if (this.queuedSince.get(task) !== since) {
        this.arrivals.shift();
        this.arrivalTimes.shift();
        continue;
      }
      if (now - since < starvationMs) return;
      this.arrivals.shift();
      this.arrivalTimes.shift();
      const job = this.jobs.get(this.context.job(task)) as JobState<T>;
      this.moveJob(job, this.topLevelFor(job));
    }
  }
}
