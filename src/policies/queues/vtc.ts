// Virtual token counter (Sheng et al., "Fairness in Serving LLMs", OSDI 2024; REFERENCE §7): one counter per
// group of the service it has received, input tokens × w_in charged when a task is admitted and output tokens
// × w_out as requests report them, each divided by the group's weight. The eligible group with the smallest
// counter goes next. A group that becomes active is lifted to the smallest counter among active groups (or, with
// none active, to the counter of the group that left last), so time spent idle is not banked as credit: without
// the lift, a returning group would monopolise.

import { z } from "zod";
import type { Queueable, ServiceUsage } from "../ready-queue.ts";
import { HeapOrderedQueue, QueueGroup } from "./grouped-queue.ts";
import { type GroupWeights, type QueueContext, weightOf } from "./queue-context.ts";
import { byGroupValue, defineQueueKind } from "./queue-kind.ts";

export interface VtcOptions {
  readonly weights: GroupWeights;
  /** Service per input token (w_in); the paper's default is 1. */
  readonly inputWeight: number;
  /** Service per output token (w_out); the paper's default is 2, the price ratio of output to input. */
  readonly outputWeight: number;
}

export class VtcGroup<T extends Queueable> extends QueueGroup<T> {
  counter = 0;
}

function leastServed<T extends Queueable>(a: VtcGroup<T>, b: VtcGroup<T>): boolean {
  return a.counter < b.counter || (a.counter === b.counter && a.activation < b.activation);
}

export class VtcQueue<T extends Queueable> extends HeapOrderedQueue<T, VtcGroup<T>> {
  /** The group that most recently stopped being active: sets the lift while no group is active. */
  private lastLeft: VtcGroup<T> | undefined;

  constructor(
    private readonly options: VtcOptions,
    context: QueueContext<T>,
  ) {
    super(context, leastServed);
  }

  /** A group's counter (0 for a group never seen): for reports and tests. */
  counterOf(group: string): number {
    return this.groupNamed(group)?.counter ?? 0;
  }

  /** Output tokens as they are produced. A group forgotten since (idle, swept) is not charged. */
  charge(task: T, usage: ServiceUsage): void {
    const group = this.groupNamed(this.context.group(task));
    if (group === undefined) return;
    group.counter += (usage.outputTokens * this.options.outputWeight) / group.weight;
    this.heap.update(group);
  }

  protected createGroup(name: string): VtcGroup<T> {
    return new VtcGroup<T>(name, weightOf(this.options.weights, name));
  }

  protected activated(group: VtcGroup<T>): void {
    group.counter = Math.max(group.counter, this.floor());
    this.heap.push(group);
  }

  protected served(group: VtcGroup<T>, task: T): void {
    group.counter += (this.context.inputTokens(task) * this.options.inputWeight) / group.weight;
    this.heap.update(group);
  }

  protected override emptied(group: VtcGroup<T>): void {
    super.emptied(group);
    this.lastLeft = group;
  }

  /** Forgetting a group that is ahead would let it come back at the lift level, below what it received. */
  protected override canForget(group: VtcGroup<T>): boolean {
    return group.counter <= this.floor();
  }

  /**
   * The counter a group becoming active is lifted to: the smallest among active groups or, when none is active,
   * the counter of the group that left last (Algorithm 2 of the paper, as we read it; its artifact code has no
   * such case), so a group arriving while all
   * are idle cannot build a lead over groups that come back later. It never decreases.
   */
  private floor(): number {
    return this.heap.peek()?.counter ?? this.lastLeft?.counter ?? 0;
  }
}

export const vtcKind = defineQueueKind({
  kind: "vtc",
  summary: "virtual token counter: the group that has received the least weighted token service goes next",
  options: {
    weights: byGroupValue,
    default_weight: z.number().positive().default(1),
    input_weight: z.number().nonnegative().default(1),
    output_weight: z.number().nonnegative().default(2),
  },
  create: (options, context) =>
    new VtcQueue(
      { weights: { byGroup: options.weights, defaultWeight: options.default_weight }, inputWeight: options.input_weight, outputWeight: options.output_weight },
      context,
    ),
  weights: (options) => ({ byGroup: options.weights, defaultWeight: options.default_weight }),
});
