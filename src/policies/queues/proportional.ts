// Proportional shares of a capacity among the groups that have work: a group's share is capacity × its quota /
// the quotas of every active group (queued or running tasks). A group at its share is ineligible while another
// group waits; with nobody else waiting it may use idle capacity, so the queue never leaves capacity idle for
// a group that is not there. This is what the quota controllers of REFERENCE §2 intend (global, per-mode and
// per-project caps with proportional fairness) without their check-then-act race.

import { z } from "zod";
import { assertionFailed } from "../assert.ts";
import type { Queueable } from "../ready-queue.ts";
import { CapacitySharesQueue, type ShareGroup } from "./capacity-shares.ts";
import { type GroupWeights, type QueueContext, weightOf } from "./queue-context.ts";
import { byGroupValue, defineQueueKind } from "./queue-kind.ts";

export interface ProportionalOptions {
  readonly quotas: GroupWeights;
  readonly capacity: number;
}

export class ProportionalQueue<T extends Queueable> extends CapacitySharesQueue<T> {
  private activeQuotas = 0;

  constructor(
    private readonly options: ProportionalOptions,
    context: QueueContext<T>,
  ) {
    super(context, options.capacity);
  }

  /** The group's share of the capacity now: capacity × quota / Σ quotas of active groups. */
  shareOf(group: string): number {
    const found = this.groups.get(group);
    const quota = found?.weight ?? weightOf(this.options.quotas, group);
    const active = this.activeQuotas + (found?.active === true ? 0 : quota);
    return (this.capacity * quota) / active;
  }

  protected weightOf(group: string): number {
    return weightOf(this.options.quotas, group);
  }

  protected mayRunAnother(group: ShareGroup): boolean {
    return group.running < (this.capacity * group.weight) / this.activeQuotas || !this.peersWait(group);
  }

  protected override becameActive(group: ShareGroup): void {
    this.activeQuotas += group.weight;
  }

  protected override becameIdle(group: ShareGroup): void {
    this.activeQuotas -= group.weight;
  }
}

export const proportionalKind = defineQueueKind({
  kind: "proportional",
  summary: "each active group's share of a capacity by quota; a group at its share waits while others wait, else uses idle capacity",
  needsCapacity: true,
  options: {
    quotas: byGroupValue,
    default_quota: z.number().positive().default(1),
    /** Tasks that may run at once; the policy's global_max_concurrent when not given. */
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
