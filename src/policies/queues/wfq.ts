// Weighted fair queueing by virtual finish time: each group carries the virtual time up to which it has been
// served; the eligible group with the earliest finish time goes next (ties to the group active longest), and
// serving a task of cost c moves it on by c / weight. The queue's virtual time V is the start time of the
// last task served, and a group that becomes active starts no earlier than V, so idle time is not banked.
// On commit: start = max(V, finish_g); V = start; finish_g = start + cost / weight.

import { z } from "zod";
import type { Queueable } from "../ready-queue.ts";
import { HeapOrderedQueue, QueueGroup } from "./grouped-queue.ts";
import { type GroupWeights, type QueueContext, weightOf } from "./queue-context.ts";
import { byGroupValue, defineQueueKind } from "./queue-kind.ts";

export interface WfqOptions {
  readonly weights: GroupWeights;
  /** `tasks`: every task costs 1. `tokens`: a task costs the tokens it is known to need (input + max output). */
  readonly cost: "tasks" | "tokens";
}

export class WfqGroup<T extends Queueable> extends QueueGroup<T> {
  finish = 0;
}

function finishesFirst<T extends Queueable>(a: WfqGroup<T>, b: WfqGroup<T>): boolean {
  return a.finish < b.finish || (a.finish === b.finish && a.activation < b.activation);
}

export class WfqQueue<T extends Queueable> extends HeapOrderedQueue<T, WfqGroup<T>> {
  private virtualTime = 0;

  constructor(
    private readonly options: WfqOptions,
    context: QueueContext<T>,
  ) {
    super(context, finishesFirst);
  }

  /** The queue's virtual time: the start time of the last task served. */
  get virtualTimeNow(): number {
    return this.virtualTime;
  }

  protected createGroup(name: string): WfqGroup<T> {
    return new WfqGroup<T>(name, weightOf(this.options.weights, name));
  }

  protected activated(group: WfqGroup<T>): void {
    group.finish = Math.max(group.finish, this.virtualTime);
    this.heap.push(group);
  }

  protected served(group: WfqGroup<T>, task: T): void {
    const start = Math.max(this.virtualTime, group.finish);
    this.virtualTime = start;
    const cost = this.options.cost === "tokens" ? this.context.costTokens(task) : 1;
    group.finish = start + cost / group.weight;
    this.heap.update(group);
  }

  /** A group served ahead of V keeps its finish time, so leaving and coming back gains it nothing. */
  protected override canForget(group: WfqGroup<T>): boolean {
    return group.finish <= this.virtualTime;
  }
}

export const wfqKind = defineQueueKind({
  kind: "wfq",
  summary: "weighted fair queueing by virtual finish time; cost per task or per token",
  options: {
    weights: byGroupValue,
    default_weight: z.number().positive().default(1),
    cost: z.enum(["tasks", "tokens"]).default("tasks"),
  },
  create: (options, context) =>
    new WfqQueue({ weights: { byGroup: options.weights, defaultWeight: options.default_weight }, cost: options.cost }, context),
  weights: (options) => ({ byGroup: options.weights, defaultWeight: options.default_weight }),
});
