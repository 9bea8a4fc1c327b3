// Static priority by group, with aging: a task's effective priority is its group's priority plus
// aging_per_second × its seconds in the queue, so the lowest priority waits a bounded time behind a stream of
// higher ones. FIFO within a priority. Effective priority orders tasks exactly as the fixed key
// priority − rate × enqueuedAt does, so nothing is re-keyed as time passes: one FIFO per (group, demand), a
// heap of those FIFOs by their head's key, O(log streams) per task.

import { z } from "zod";
import type { Queueable, ReadyQueue } from "../ready-queue.ts";
import { demandsOverlap } from "./demand-overlap.ts";
import { KeyedStreams, StreamOwner } from "./keyed-streams.ts";
import { type GroupWeights, type QueueContext, weightOf } from "./queue-context.ts";
import { defineQueueKind } from "./queue-kind.ts";

export interface PriorityOptions {
  /** Priority per group value (higher runs first), with a default for groups not listed. Any finite number. */
  readonly priorities: GroupWeights;
  /**
   * Priority gained per second of waiting; 0 turns aging off (strict priority, which can starve). A task of
   * priority p waits at most (p_max − p) / rate seconds behind an endless stream of higher work (plus the time
   * to get one slot). The kind's default, 0.05 per second, is schedlab's choice (not published): one priority
   * step is made up in 20 s, longer than an interactive burst, far shorter than a batch run.
   */
  readonly agingPerSecond: number;
}

/** Idle groups kept before a sweep: bounds memory when groups come and go (group_by job). */
const MAX_IDLE_GROUPS = 64;
/**
 * Ranks kept for tasks told to yield and not yet queued again. A yield is followed at once by the new enqueue,
 * so only yields cut short by a cancellation linger; far more than can run at once, so no live rank is lost.
 */
const MAX_YIELDING = 4096;

class PriorityGroup<T> extends StreamOwner<T> {
  constructor(
    name: string,
    readonly priority: number,
  ) {
    super(name);
  }
}

/** Where a task stood in the queue: its key and insertion order. */
interface Rank {
  readonly key: number;
  readonly order: number;
}

/**
 * The ranks of committed tasks until they are released, in parallel arrays searched from the newest. A search
 * costs O(tasks running), which the capacity bounds; a Map, set and deleted once per task, measured half the
 * throughput at a million queued tasks (bench/queues.ts conditions), for the sake of yields most runs never ask.
 */
class RunningRanks<T> {
  private readonly tasks: T[] = [];
  private readonly keys: number[] = [];
  private readonly orders: number[] = [];

  add(task: T, key: number, order: number): void {
    this.tasks.push(task);
    this.keys.push(key);
    this.orders.push(order);
  }

  /** The task's rank, removed, or undefined when it is not running. */
  take(task: T): Rank | undefined {
    const index = this.tasks.lastIndexOf(task);
    if (index < 0) return undefined;
    const rank = { key: this.keys[index] as number, order: this.orders[index] as number };
    const last = this.tasks.length - 1;
    this.tasks[index] = this.tasks[last] as T;
    this.keys[index] = this.keys[last] as number;
    this.orders[index] = this.orders[last] as number;
    this.tasks.pop();
    this.keys.pop();
    this.orders.pop();
    return rank;
  }

  /** The running task's key; +∞ for a task not running, which nothing waiting can rank above. */
  keyOf(task: T): number {
    const index = this.tasks.lastIndexOf(task);
    return index < 0 ? Infinity : (this.keys[index] as number);
  }
}

export class PriorityQueue<T extends Queueable> implements ReadyQueue<T> {
  private readonly groups = new Map<string, PriorityGroup<T>>();
  private readonly streams = new KeyedStreams<T, PriorityGroup<T>>();
  /** Rank of each committed task until it is released: what `shouldYield` compares waiting tasks with. */
  private readonly running = new RunningRanks<T>();
  /** Tasks told to yield, until they are queued again: they go back to the rank they had. */
  private readonly yielding = new Map<T, Rank>();
  private idleGroups = 0;
  private runningTask: T | undefined;
  private readonly overlapsRunning = (waiting: T): boolean => demandsOverlap(waiting.demand, (this.runningTask as T).demand);

  constructor(
    private readonly options: PriorityOptions,
    private readonly context: QueueContext<T>,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  enqueue(task: T): void {
    const group = this.groupFor(task);
    const rank = this.yielding.get(task);
    if (rank !== undefined) {
      this.yielding.delete(task);
      this.streams.reinsert(task, group, rank.key, rank.order);
      return;
    }
    // priority − rate × enqueuedAt: at any one time, key order is effective-priority order.
    this.streams.enqueue(task, group, group.priority - (this.options.agingPerSecond * this.context.clock.now()) / 1000);
  }

  select(eligible: (task: T) => boolean): T | undefined {
    return this.streams.select(eligible);
  }

  commit(task: T): boolean {
    const group = this.groups.get(this.context.group(task));
    if (group === undefined || !this.streams.commit(task, group)) return false;
    this.running.add(task, this.streams.lastCommittedKey, this.streams.lastCommittedOrder);
    this.noteIfIdle(group);
    return true;
  }

  remove(task: T): boolean {
    const group = this.groups.get(this.context.group(task));
    if (group === undefined || !this.streams.remove(task, group)) return false;
    this.noteIfIdle(group);
    return true;
  }

  ordered(): T[] {
    return this.streams.ordered(this.groups.values());
  }

  /** Groups the queue holds a record of (with tasks queued, or idle and not swept yet): for memory checks. */
  get groupsTracked(): number {
    return this.groups.size;
  }

  /** A release the queue did not see committed is ignored. */
  released(task: T): void {
    this.running.take(task);
  }

  /**
   * True when a waiting task with a strictly higher effective priority needs a resource the running task holds.
   * The running task is ranked as if it were still waiting, aging from its own enqueue time: that is its key,
   * the queue's own order, so a task never yields to one the queue would have served after it, and two tasks
   * cannot take turns displacing each other as time passes. On a yield the task keeps its rank when it is
   * queued again, so it loses none of the aging it earned. O(k log k) for k streams ranked above it.
   */
  shouldYield(task: T): boolean {
    this.runningTask = task;
    const displacing = this.streams.firstAhead(this.running.keyOf(task), this.overlapsRunning);
    this.runningTask = undefined;
    if (displacing === undefined) return false;
    this.yielding.set(task, this.running.take(task) as Rank);
    // A task told to yield and then cancelled is never queued again; past the bound, the oldest such rank goes.
    if (this.yielding.size > MAX_YIELDING) this.yielding.delete(this.yielding.keys().next().value as T);
    return true;
  }

  private groupFor(task: T): PriorityGroup<T> {
    const name = this.context.group(task);
    let group = this.groups.get(name);
    if (group === undefined) {
      group = new PriorityGroup<T>(name, weightOf(this.options.priorities, name));
      this.groups.set(name, group);
    } else if (group.queued === 0) {
      this.idleGroups -= 1;
    }
    return group;
  }

  private noteIfIdle(group: PriorityGroup<T>): void {
    if (group.queued > 0) return;
    this.idleGroups += 1;
    if (this.idleGroups <= MAX_IDLE_GROUPS) return;
    for (const [name, candidate] of this.groups) if (candidate.queued === 0) this.groups.delete(name);
    this.idleGroups = 0;
  }
}

/** Priorities may be any finite number (0 or below for background work); higher runs first. */
const priorityByGroup = z.record(z.string().min(1), z.number().finite()).default({});

export const priorityKind = defineQueueKind({
  kind: "priority",
  summary: "static priority by group, aging with queue wait so the lowest priority still runs; FIFO within a priority",
  options: {
    priorities: priorityByGroup,
    /** For groups not in `priorities`: 1. */
    default_priority: z.number().finite().default(1),
    /** Priority gained per second of queue wait: 0.05 (one step per 20 s, schedlab's choice); 0 turns aging off. */
    aging_per_second: z.number().finite().nonnegative().default(0.05),
  },
  create: (options, context) =>
    new PriorityQueue({ priorities: { byGroup: options.priorities, defaultWeight: options.default_priority }, agingPerSecond: options.aging_per_second }, context),
});
