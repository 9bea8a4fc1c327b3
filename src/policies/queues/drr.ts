// Deficit round robin (Shreedhar & Varghese 1995, REFERENCE §7): groups take turns; a turn adds the group's
// quantum to its deficit and it is served while its deficit is positive, each task costing 1 or its tokens.
// The cost is charged when the task is served and the deficit may go below zero; a group in debt is passed
// over, a quantum at a time, until it is out of debt. So a group's long-run share follows its quantum even
// when tasks cost more than one quantum. A group with nothing eligible is passed over without a turn: it
// banks nothing while blocked. An emptied group leaves the round with its deficit reset. O(1) per task when the
// quantum covers a task's cost.

import { z } from "zod";
import type { Queueable } from "../ready-queue.ts";
import { GroupedQueue, QueueGroup } from "./grouped-queue.ts";
import { type GroupWeights, type QueueContext, weightOf } from "./queue-context.ts";
import { byGroupValue, defineQueueKind } from "./queue-kind.ts";
import { Ring, type RingMember } from "./ring.ts";

export interface DrrOptions {
  /** Quantum per group value, in the unit below; its ratio between groups is their share. */
  readonly quanta: GroupWeights;
  /** `tasks`: every task costs 1. `tokens`: a task costs the tokens it is known to need (input + max output). */
  readonly unit: "tasks" | "tokens";
}

class DrrGroup<T extends Queueable> extends QueueGroup<T> implements RingMember<DrrGroup<T>> {
  next: DrrGroup<T> | undefined = undefined;
  previous: DrrGroup<T> | undefined = undefined;
  deficit = 0;
}

export class DrrQueue<T extends Queueable> extends GroupedQueue<T, DrrGroup<T>> {
  private readonly ring = new Ring<DrrGroup<T>>();
  /** The group whose turn it is, and whether it has had its quantum for this turn. */
  private turn: DrrGroup<T> | undefined;
  private turnStarted = false;

  constructor(
    private readonly options: DrrOptions,
    context: QueueContext<T>,
  ) {
    super(context);
  }

  select(eligible: (task: T) => boolean): T | undefined {
    const turn = this.turn;
    if (turn === undefined) return undefined;
    if (this.turnStarted && turn.deficit > 0) {
      const candidate = turn.tasks.select(eligible);
      if (candidate !== undefined) return candidate;
    }
    // The next turns in order: the first eligible group out of debt once its quantum is added goes next.
    let fewestTurns = Infinity;
    let chosen: T | undefined;
    for (const group of this.ring.from(this.turnStarted ? (turn.next as DrrGroup<T>) : turn)) {
      const candidate = group.tasks.select(eligible);
      if (candidate === undefined) continue;
      const turns = this.turnsUntilServed(group);
      if (turns === 1) return candidate;
      if (turns < fewestTurns) {
        fewestTurns = turns;
        chosen = candidate;
      }
    }
    // Every eligible group is in debt: the one that gets out of it in the fewest rounds goes next.
    return chosen;
  }

  protected createGroup(name: string): DrrGroup<T> {
    return new DrrGroup<T>(name, weightOf(this.options.quanta, name));
  }

  protected activated(group: DrrGroup<T>): void {
    this.ring.insertBefore(group, this.turn);
    if (this.turn === undefined) {
      this.turn = group;
      this.turnStarted = false;
    }
  }

  /** Replays the turns `select` walked through to reach `group`, then charges the task's cost. */
  protected served(group: DrrGroup<T>, task: T): void {
    if (!(this.turn === group && this.turnStarted && group.deficit > 0)) {
      let visiting = this.turnStarted ? ((this.turn as DrrGroup<T>).next as DrrGroup<T>) : (this.turn as DrrGroup<T>);
      // Groups in debt that are passed get their quantum (that was their turn); groups passed for having nothing
      // eligible get nothing. Bounded: every full round brings every group in debt one quantum closer.
      for (;;) {
        const outOfDebt = visiting.deficit + visiting.weight > 0;
        if (visiting === group && outOfDebt) break;
        if (!outOfDebt) visiting.deficit += visiting.weight;
        visiting = visiting.next as DrrGroup<T>;
      }
      group.deficit += group.weight;
      this.turn = group;
      this.turnStarted = true;
    }
    group.deficit -= this.costOf(task);
  }

  protected emptied(group: DrrGroup<T>): void {
    group.deficit = 0;
    if (this.turn === group) {
      this.turn = group.next === group ? undefined : group.next;
      this.turnStarted = false;
    }
    this.ring.delete(group);
  }

  protected activeGroupsInOrder(): readonly DrrGroup<T>[] {
    return this.turn === undefined ? [] : [...this.ring.from(this.turn)];
  }

  private turnsUntilServed(group: DrrGroup<T>): number {
    return group.deficit + group.weight > 0 ? 1 : Math.floor(-group.deficit / group.weight) + 1;
  }

  private costOf(task: T): number {
    return this.options.unit === "tokens" ? this.context.costTokens(task) : 1;
  }
}

export const drrKind = defineQueueKind({
  kind: "drr",
  summary: "deficit round robin: turns with a quantum per group, in tasks or tokens",
  options: {
    quanta: byGroupValue,
    /** One task, or 4,000 tokens: about one typical request (input plus maximum output). */
    default_quantum: z.number().positive().optional(),
    unit: z.enum(["tasks", "tokens"]).default("tasks"),
  },
  create: (options, context) =>
    new DrrQueue({ quanta: { byGroup: options.quanta, defaultWeight: defaultQuantum(options) }, unit: options.unit }, context),
  weights: (options) => ({ byGroup: options.quanta, defaultWeight: defaultQuantum(options) }),
});

function defaultQuantum(options: { readonly unit: "tasks" | "tokens"; readonly default_quantum?: number | undefined }): number {
  return options.default_quantum ?? (options.unit === "tokens" ? 4000 : 1);
}
