// Strict weighted shares of a capacity with bounded borrowing (REFERENCE §3): a group's strict share is
// ceil(capacity × weight / Σ weights of every group known, configured or seen). A group may run beyond it
// (borrow) only while no other group waits, and never beyond capacity − reserved, so a peer that arrives finds
// a slot at once instead of waiting for a long borrowed task to end. A borrower in debt (running more than its
// share) is refused while peers wait. Unlike `proportional`, which lends everything idle, it keeps a reserve.

import { z } from "zod";
import { assertionFailed } from "../assert.ts";
import type { Queueable } from "../ready-queue.ts";
import { CapacitySharesQueue, type ShareGroup } from "./capacity-shares.ts";
import { type GroupWeights, type QueueContext, weightOf } from "./queue-context.ts";
import { byGroupValue, defineQueueKind } from "./queue-kind.ts";

export interface BoundedBorrowOptions {
  readonly weights: GroupWeights;
  readonly capacity: number;
  /** Capacity a group alone may not borrow; min(8, max(1, ceil(capacity / 8))) when not given (REFERENCE §3). */
  readonly reserved: number | undefined;
}

export function defaultReserve(capacity: number): number {
  return Math.min(8, Math.max(1, Math.ceil(0.125 * capacity)));
}

export class BoundedBorrowQueue<T extends Queueable> extends CapacitySharesQueue<T> {
  /** Σ weights of the groups configured or seen: strict shares do not grow when a group goes idle. */
  private knownWeights = 0;
  readonly reserved: number;

  constructor(
    private readonly options: BoundedBorrowOptions,
    context: QueueContext<T>,
  ) {
    super(context, options.capacity);
    this.reserved = Math.min(options.reserved ?? defaultReserve(options.capacity), options.capacity - 1);
    for (const weight of Object.values(options.weights.byGroup)) this.knownWeights += weight;
  }

  /** ceil(capacity × weight / Σ known weights). */
  strictShareOf(group: string): number {
    const weight = this.groups.get(group)?.weight ?? this.weightOf(group);
    const known = this.isKnown(group) ? this.knownWeights : this.knownWeights + weight;
    return Math.ceil((this.capacity * weight) / known);
  }

  protected weightOf(group: string): number {
    return weightOf(this.options.weights, group);
  }

  protected mayRunAnother(group: ShareGroup): boolean {
    if (group.running < this.strictShareOf(group.name)) return true;
    return !this.peersWait(group) && group.running < this.capacity - this.reserved;
  }

  protected override created(group: ShareGroup): void {
    if (!(group.name in this.options.weights.byGroup)) this.knownWeights += group.weight;
  }

  private isKnown(group: string): boolean {
    return this.groups.has(group) || group in this.options.weights.byGroup;
  }
}

export const boundedBorrowKind = defineQueueKind({
  kind: "bounded_borrow",
  summary: "strict weighted shares; a group alone borrows up to capacity − reserve; a borrower in debt waits while peers wait",
  needsCapacity: true,
  options: {
    weights: byGroupValue,
    default_weight: z.number().positive().default(1),
    /** Tasks that may run at once; the policy's global_max_concurrent when not given. */
    capacity: z.number().int().positive().optional(),
    /** Held back from a group borrowing alone; min(8, max(1, ceil(capacity / 8))) by default. */
    reserved: z.number().int().nonnegative().optional(),
  },
  create: (options, context) =>
    new BoundedBorrowQueue(
      {
        weights: { byGroup: options.weights, defaultWeight: options.default_weight },
        capacity: options.capacity ?? context.capacity ?? assertionFailed("bounded_borrow needs a capacity (checked when the scenario is loaded)"),
        reserved: options.reserved,
      },
      context,
    ),
  weights: (options) => ({ byGroup: options.weights, defaultWeight: options.default_weight }),
});
