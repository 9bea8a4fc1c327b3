// Static priority by group, with aging: a task's effective priority is its group's priority plus
// aging_per_second × its seconds in the queue, so the lowest priority waits a bounded time behind a stream of
// higher ones. FIFO within a priority. Effective priority orders tasks exactly as the fixed key
// priority − rate × enqueuedAt does, so nothing is re-keyed as time passes: one FIFO per (group, demand), a
// heap of those FIFOs by their head's key, O(log streams) per task.

import { z } from "zod";
import type { Queueable, ReadyQueue } from "../ready-queue.ts";
import { demandsOverlap } from "./demand-overlap.ts";
import { KeyedStreams } from "./keyed-streams.ts";
import { type GroupWeights, type QueueContext, weightOf } from "./queue-context.ts";
import { byGroupValue, defineQueueKind } from "./queue-kind.ts";

export interface PriorityOptions {
  /** Priority per group value (higher runs first), with a default for groups not listed. */
  readonly priorities: GroupWeights;
  /** Priority gained per second of waiting; 0 turns aging off (strict priority, which can starve). */
  readonly agingPerSecond: number;
}

export class PriorityQueue<T extends Queueable> implements ReadyQueue<T> {
  private readonly streams = new KeyedStreams<T>();

  constructor(
    private readonly options: PriorityOptions,
    private readonly context: QueueContext<T>,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  enqueue(task: T): void {
    const group = this.context.group(task);
    const agedSince = (this.options.agingPerSecond * this.context.clock.now()) / 1000;
    this.streams.enqueue(task, group, weightOf(this.options.priorities, group) - agedSince);
  }

  select(eligible: (task: T) => boolean): T | undefined {
    return this.streams.select(eligible);
  }

  commit(task: T): boolean {
    return this.streams.commit(task, this.context.group(task));
  }

  remove(task: T): boolean {
    return this.streams.remove(task, this.context.group(task));
  }

  ordered(): T[] {
    return this.streams.ordered();
  }

  /**
   * A running task gives way when the best waiting task has a strictly higher effective priority than the
   * running task's group priority (a running task no longer ages) and needs a resource the running task holds.
   * Only the best waiting stream is looked at: O(1).
   */
  shouldYield(task: T): boolean {
    const best = this.streams.best();
    if (best === undefined) return false;
    const effective = best.key + (this.options.agingPerSecond * this.context.clock.now()) / 1000;
    return effective > weightOf(this.options.priorities, this.context.group(task)) && demandsOverlap(best.task.demand, task.demand);
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
