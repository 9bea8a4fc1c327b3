// Proportional shares of a capacity among the groups that have work: a group's share is capacity × its quota /
// the quotas of every active group (queued or running tasks). A group whose running count has reached its share
// is ineligible while another group waits; with nobody else waiting it may use idle capacity, so the queue never
// leaves capacity idle for a group that is not there. Oldest task first among eligible groups. This is what the
// quota controllers of REFERENCE §2 intend (global, per-mode and per-project caps with proportional fairness)
// without their check-then-act race: the share is checked and the task committed in one synchronous step.

import { z } from "zod";
import { assertionFailed } from "../assert.ts";
import type { Queueable } from "../ready-queue.ts";
import { CapacitySharesQueue, type ShareGroup } from "./capacity-shares.ts";
import { type GroupWeights, type QueueContext, weightOf } from "./queue-context.ts";
import { byGroupValue, defineQueueKind } from "./queue-kind.ts";

export interface ProportionalOptions {
  /**
   * Quota per group value; groups not listed take the default (1 in scenarios: equal shares among the active
   * groups). Only ratios matter. REFERENCE §2's defaults for modes were time 3, issue 2.
   */
  readonly quotas: GroupWeights;
  /** Tasks that may run at once across all groups, the number shares divide. */
  readonly capacity: number;
}

export class ProportionalQueue<T extends Queueable> extends CapacitySharesQueue<T> {
  /** Σ quotas of the active groups: the denominator of every share. */
  private activeQuotas = 0;
  private activeGroups = 0;
  protected readonly forgetsIdleGroups = true;

  constructor(
    private readonly options: ProportionalOptions,
    context: QueueContext<T>,
  ) {
    super(context, options.capacity);
  }

  /**
   * The group's share of the capacity now: capacity × quota / Σ quotas of active groups (counting the group as
   * active). Fractional: the gate refuses once running ≥ share, so a group may end up to one task above it.
   */
  shareOf(group: string): number {
    const found = this.groups.get(group);
    const quota = found?.weight ?? weightOf(this.options.quotas, group);
    const active = this.activeQuotas + (found?.active === true ? 0 : quota);
    return (this.capacity * quota) / active;
  }

  protected weightOf(group: string): number {
    return weightOf(this.options.quotas, group);
  }

  /** Under its share, or nobody else waits (then idle capacity is lent: the queue is work-conserving). */
  protected mayRunAnother(group: ShareGroup<T>): boolean {
    return group.running < (this.capacity * group.weight) / this.activeQuotas || !this.peersWait(group);
  }

  protected override becameActive(group: ShareGroup<T>): void {
    this.activeQuotas += group.weight;
    this.activeGroups += 1;
  }

  protected override becameIdle(group: ShareGroup<T>): void {
    this.activeGroups -= 1;
    // Adding and taking away fractional quotas leaves rounding dust: start again from 0 when nobody is active.
    this.activeQuotas = this.activeGroups === 0 ? 0 : this.activeQuotas - group.weight;
  }
}

export const proportionalKind = defineQueueKind({
  kind: "proportional",
  summary: "each active group's share of a capacity by quota; a group at its share waits while others wait, else uses idle capacity",
  needsCapacity: true,
  options: {
    quotas: byGroupValue,
    /** Quota of groups not listed: 1, so unlisted groups share equally. */
    default_quota: z.number().positive().default(1),
    /** Tasks that may run at once; the policy's global_max_concurrent when not given (the loader refuses neither, at policies[i].queue.capacity). */
    capacity: z.number().int().positive().optional(),
  },
  create: (options, context) =>
    new ProportionalQueue(
      {
        quotas: { byGroup: options.quotas, defaultWeight: options.default_quota },
        capacity: options.capacity ?? context.capacity ?? assertionFailed("proportional needs a capacity (checked when the scenario is loaded)"),
      },
      context,
    ),
  weights: (options) => ({ byGroup: options.quotas, defaultWeight: options.default_quota }),
});
