// Static priority by group, with aging: a task's effective priority is its group's priority plus
// aging_per_second × its seconds in the queue, so the lowest priority waits a bounded time behind a stream of
// higher ones. FIFO within a priority. Effective priority orders tasks exactly as the fixed key
// priority − rate × enqueuedAt does, so nothing is re-keyed as time passes: one FIFO per (group, demand), a
// heap of those FIFOs by their head's key, O(log streams) per task.

import { z } from "zod";
import { Deque } from "../deque.ts";
import type { Queueable, ReadyQueue } from "../ready-queue.ts";
import { demandsOverlap } from "./demand-overlap.ts";
import { GroupHeap } from "./group-heap.ts";
import { type GroupWeights, type QueueContext, weightOf } from "./queue-context.ts";
import { byGroupValue, defineQueueKind } from "./queue-kind.ts";

export interface PriorityOptions {
  /** Priority per group value (higher runs first), with a default for groups not listed. */
  readonly priorities: GroupWeights;
  /** Priority gained per second of waiting; 0 turns aging off (strict priority, which can starve). */
  readonly agingPerSecond: number;
}

/** One group's tasks that need the same resources, oldest first. */
class Stream<T> {
  heapIndex = -1;
  readonly tasks = new Deque<T>();
  /** In step with `tasks`: each task's fixed key (priority − rate × enqueuedAt) and insertion order. */
  readonly keys = new Deque<number>();
  readonly orders = new Deque<number>();
  constructor(readonly priority: number) {}
  get headKey(): number {
    return this.keys.peek() as number;
  }
  get headOrder(): number {
    return this.orders.peek() as number;
  }
}

function headFirst<T>(a: Stream<T>, b: Stream<T>): boolean {
  return a.headKey > b.headKey || (a.headKey === b.headKey && a.headOrder < b.headOrder);
}

/** Empty streams kept before a sweep (group_by job makes many). */
const MAX_IDLE_STREAMS = 64;

export class PriorityQueue<T extends Queueable> implements ReadyQueue<T> {
  private readonly streams = new Map<string, Map<string, Stream<T>>>();
  private readonly heap = new GroupHeap<Stream<T>>(headFirst);
  private count = 0;
  private nextOrder = 0;
  private idleStreams = 0;
  private eligible: (task: T) => boolean = () => false;
  private readonly head = (stream: Stream<T>): T | undefined => {
    const task = stream.tasks.peek() as T;
    return this.eligible(task) ? task : undefined;
  };

  constructor(
    private readonly options: PriorityOptions,
    private readonly context: QueueContext<T>,
  ) {}

  get size(): number {
    return this.count;
  }

  enqueue(task: T): void {
    const stream = this.streamOf(task, true) as Stream<T>;
    if (stream.tasks.size === 0) this.idleStreams -= 1;
    stream.tasks.push(task);
    stream.keys.push(stream.priority - (this.options.agingPerSecond * this.context.clock.now()) / 1000);
    stream.orders.push(this.nextOrder);
    this.nextOrder += 1;
    this.count += 1;
    if (stream.tasks.size === 1) this.heap.push(stream);
  }

  select(eligible: (task: T) => boolean): T | undefined {
    this.eligible = eligible;
    return this.heap.firstMatching(this.head);
  }

  commit(task: T): boolean {
    const stream = this.streamOf(task, false);
    if (stream === undefined || stream.tasks.peek() !== task) return this.remove(task);
    stream.tasks.shift();
    stream.keys.shift();
    stream.orders.shift();
    this.afterRemoval(stream);
    return true;
  }

  remove(task: T): boolean {
    const stream = this.streamOf(task, false);
    const position = stream === undefined ? -1 : stream.tasks.indexOf(task);
    if (stream === undefined || position < 0) return false;
    stream.tasks.removeAt(position);
    stream.keys.removeAt(position);
    stream.orders.removeAt(position);
    this.afterRemoval(stream);
    return true;
  }

  ordered(): T[] {
    const entries: [number, number, T][] = [];
    for (const byDemand of this.streams.values()) {
      for (const stream of byDemand.values()) {
        const keys = [...stream.keys];
        const orders = [...stream.orders];
        let index = 0;
        for (const task of stream.tasks) {
          entries.push([keys[index] as number, orders[index] as number, task]);
          index += 1;
        }
      }
    }
    return entries.sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, , task]) => task);
  }

  /**
   * A running task gives way when the best waiting task has a strictly higher effective priority than the
   * running task's group priority (a running task no longer ages) and needs a resource the running task holds.
   * Only the best waiting stream is looked at: O(1).
   */
  shouldYield(task: T): boolean {
    const best = this.heap.peek();
    if (best === undefined) return false;
    const waiting = best.tasks.peek() as T;
    const effective = best.headKey + (this.options.agingPerSecond * this.context.clock.now()) / 1000;
    return effective > weightOf(this.options.priorities, this.context.group(task)) && demandsOverlap(waiting.demand, task.demand);
  }

  private streamOf(task: T, create: boolean): Stream<T> | undefined {
    const group = this.context.group(task);
    let byDemand = this.streams.get(group);
    if (byDemand === undefined) {
      if (!create) return undefined;
      byDemand = new Map();
      this.streams.set(group, byDemand);
    }
    let stream = byDemand.get(task.demand.key);
    if (stream === undefined && create) {
      stream = new Stream<T>(weightOf(this.options.priorities, group));
      byDemand.set(task.demand.key, stream);
      this.idleStreams += 1;
    }
    return stream;
  }

  private afterRemoval(stream: Stream<T>): void {
    this.count -= 1;
    if (stream.tasks.size > 0) {
      this.heap.update(stream);
      return;
    }
    this.heap.delete(stream);
    this.idleStreams += 1;
    if (this.idleStreams > MAX_IDLE_STREAMS) this.sweep();
  }

  private sweep(): void {
    for (const [group, byDemand] of this.streams) {
      for (const [key, stream] of byDemand) if (stream.tasks.size === 0) byDemand.delete(key);
      if (byDemand.size === 0) this.streams.delete(group);
    }
    this.idleStreams = 0;
  }
}

export const priorityKind = defineQueueKind({
  kind: "priority",
  summary: "static priority by group, aging with queue wait so the lowest priority still runs; FIFO within a priority",
  options: {
    priorities: byGroupValue,
    default_priority: z.number().positive().default(1),
    aging_per_second: z.number().nonnegative().default(0.05),
  },
  create: (options, context) =>
    new PriorityQueue({ priorities: { byGroup: options.priorities, defaultWeight: options.default_priority }, agingPerSecond: options.aging_per_second }, context),
});
