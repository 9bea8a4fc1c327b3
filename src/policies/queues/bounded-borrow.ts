// Strict weighted shares of a capacity with bounded borrowing (REFERENCE §3): a group's strict share is
// ceil(capacity × weight / Σ weights of every group known, configured or seen). A group may run beyond it
// (borrow) only while no other group waits, and no group ever runs more than capacity − reserved, so a peer that
// arrives finds a slot at once instead of waiting for a long borrowed task to end. A borrower in debt (at or
// past its share) is refused while peers wait. Unlike `proportional`, which is fully work-conserving across the
// active groups (it lends every idle slot), this keeps a reserve back for peers that have not arrived yet.

import { z } from "zod";
import { assertionFailed } from "../assert.ts";
import type { Queueable } from "../ready-queue.ts";
import { CapacitySharesQueue, type ShareGroup } from "./capacity-shares.ts";
import { type GroupWeights, type QueueContext, weightOf } from "./queue-context.ts";
import { byGroupValue, defineQueueKind } from "./queue-kind.ts";

export interface BoundedBorrowOptions {
  /** Weight per group value; groups not listed take the default (1 in scenarios: equal shares). */
  readonly weights: GroupWeights;
  /** Tasks that may run at once across all groups. */
  readonly capacity: number;
  /**
   * Slots no single group may take, so a peer that arrives finds one at once; when not given,
   * min(8, max(1, ceil(capacity / 8))), the published default (REFERENCE §3). At most capacity − 1, so a group
   * can always run one task.
   */
  readonly reserved: number | undefined;
}

export function defaultReserve(capacity: number): number {
  return Math.min(8, Math.max(1, Math.ceil(0.125 * capacity)));
}

export class BoundedBorrowQueue<T extends Queueable> extends CapacitySharesQueue<T> {
  /**
   * Σ weights of the groups configured or seen: strict shares do not grow when a group goes idle. Groups are
   * never forgotten, so with many short-lived groups (group_by job) every share shrinks towards 1.
   */
  private knownWeights = 0;
  readonly reserved: number;
  /** capacity − reserved: no group runs more than this, within its share or borrowing. */
  readonly groupLimit: number;
  /** Every group seen counts in Σ weights, so none is forgotten. */
  protected readonly forgetsIdleGroups = false;

  constructor(
    private readonly options: BoundedBorrowOptions,
    context: QueueContext<T>,
  ) {
    super(context, options.capacity);
    this.reserved = Math.min(options.reserved ?? defaultReserve(options.capacity), options.capacity - 1);
    this.groupLimit = options.capacity - this.reserved;
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

  /** Never past capacity − reserved; within the strict share always; beyond it (borrowing) only while no peer waits. */
  protected mayRunAnother(group: ShareGroup<T>): boolean {
    if (group.running >= this.groupLimit) return false;
    // The group is known by now, so Σ known weights already counts it.
    return group.running < Math.ceil((this.capacity * group.weight) / this.knownWeights) || !this.peersWait(group);
  }

  protected override created(group: ShareGroup<T>): void {
    if (!Object.hasOwn(this.options.weights.byGroup, group.name)) this.knownWeights += group.weight;
  }

  private isKnown(group: string): boolean {
    return this.groups.has(group) || Object.hasOwn(this.options.weights.byGroup, group);
  }
}

export const boundedBorrowKind = defineQueueKind({
  kind: "bounded_borrow",
  summary: "strict weighted shares; a group alone borrows up to capacity − reserve; a borrower in debt waits while peers wait",
  needsCapacity: true,
  options: {
    weights: byGroupValue,
    /** Weight of groups not listed: 1, so unlisted groups get equal strict shares. */
    default_weight: z.number().positive().default(1),
    /** Tasks that may run at once; the policy's global_max_concurrent when not given (the loader refuses neither, at policies[i].queue.capacity). */
    capacity: z.number().int().positive().optional(),
    /** Slots no single group may take; min(8, max(1, ceil(capacity / 8))) by default (REFERENCE §3), at most capacity − 1. */
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
