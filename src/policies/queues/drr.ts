// Deficit round robin (Shreedhar & Varghese 1995, REFERENCE §7): groups take turns; a turn adds the group's
// quantum to its deficit and it is served while its deficit is positive, each task costing 1 or its tokens.
// The cost is charged when the task is served and the deficit may go below zero (the variant REFERENCE §7 gives
// for costs charged after the fact): a group in debt sits out its turns, each paying a quantum off, until it is
// out of debt. So the long-run share follows the quantum even when a task costs several quanta, and a dear task
// goes on its group's turn instead of waiting for credit. A group with nothing eligible is passed over: its debt
// is still paid off, but it gains no credit, and a turn cut short by blocked work forfeits what is left, so no
// group banks quanta while blocked. O(1) per task when the quantum covers a task's cost.

import { z } from "zod";
import type { Queueable } from "../ready-queue.ts";
import { GroupedQueue, QueueGroup } from "./grouped-queue.ts";
import { type GroupWeights, type QueueContext, weightOf } from "./queue-context.ts";
import { byGroupValue, defineQueueKind } from "./queue-kind.ts";
import { Ring, type RingMember } from "./ring.ts";

export interface DrrOptions {
  /**
   * Quantum per group value, in the unit below; its ratio between groups is their share. Default (schedlab's
   * choice; the paper leaves it to the operator): 1 task, or 4,000 tokens, about one typical request (input plus
   * maximum output), so a turn usually serves one task and DRR stays O(1) per task.
   */
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
  // Stryker disable next-line BooleanLiteral: never read before the first activation sets it (select and served need a turn).
  private turnStarted = false;

  constructor(
    private readonly options: DrrOptions,
    context: QueueContext<T>,
  ) {
    super(context);
  }

  /** A group's deficit (0 for a group never seen or forgotten): for reports and tests. */
  deficitOf(group: string): number {
    return this.groupNamed(group)?.deficit ?? 0;
  }

  /**
   * The current turn's group while it has credit and something eligible; otherwise the group the next turns reach
   * first: the fewest turns until out of debt, then turn order. O(groups passed over).
   */
  select(eligible: (task: T) => boolean): T | undefined {
    const turn = this.turn;
    if (turn === undefined) return undefined;
    if (this.turnStarted && turn.deficit > 0) {
      const candidate = turn.tasks.select(eligible);
      if (candidate !== undefined) return candidate;
    }
    let fewestTurns = Infinity;
    let chosen: T | undefined;
    let group = this.firstToVisit(turn);
    for (let step = 0; step < this.ring.size; step += 1) {
      const candidate = group.tasks.select(eligible);
      if (candidate !== undefined) {
        const turns = turnsUntilServed(group);
        if (turns === 1) return candidate;
        if (turns < fewestTurns) {
          fewestTurns = turns;
          chosen = candidate;
        }
      }
      group = group.next as DrrGroup<T>;
    }
    return chosen;
  }

  protected createGroup(name: string): DrrGroup<T> {
    return new DrrGroup<T>(name, weightOf(this.options.quanta, name));
  }

  /** A group joins at the end of the current round. */
  protected activated(group: DrrGroup<T>): void {
    this.ring.insertBefore(group, this.turn);
    if (this.turn === undefined) {
      this.turn = group;
      this.turnStarted = false;
    }
  }

  /**
   * Applies the turns `select` looked ahead through, in one pass rather than round by round: the served group
   * needed `turns` turns; each group passed in debt got a quantum per turn it was passed (`turns` if it comes
   * before the served group in turn order, one fewer after it), until out of debt. A group with credit that was
   * passed had nothing eligible: it gets nothing, so it banks nothing while blocked.
   */
  protected served(group: DrrGroup<T>, task: T): void {
    const turn = this.turn as DrrGroup<T>;
    if (!(turn === group && this.turnStarted && group.deficit > 0)) {
      if (this.turnStarted) this.endTurn(turn);
      const turns = turnsUntilServed(group);
      let visiting = this.firstToVisit(turn);
      let passes = turns;
      for (let step = 0; step < this.ring.size && (turns > 1 || visiting !== group); step += 1) {
        if (visiting === group) passes = turns - 1;
        else visiting.deficit += Math.min(passes, turnsUntilServed(visiting) - 1) * visiting.weight;
        visiting = visiting.next as DrrGroup<T>;
      }
      group.deficit += turns * group.weight;
      this.turn = group;
      this.turnStarted = true;
    }
    group.deficit -= this.costOf(task);
  }

  /**
   * A turn that ends with credit left ended because the group had nothing more it could run: the credit goes, as
   * an emptied group's does. Kept, a group blocked now and then would bank most of a quantum per turn and burst.
   */
  protected endTurn(group: DrrGroup<T>): void {
    group.deficit = Math.min(group.deficit, 0);
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

  /** The turn after the current one: the next group once the current turn has started, else the current one. */
  private firstToVisit(turn: DrrGroup<T>): DrrGroup<T> {
    return this.turnStarted ? (turn.next as DrrGroup<T>) : turn;
  }

  private costOf(task: T): number {
    return this.options.unit === "tokens" ? this.context.costTokens(task) : 1;
  }
}

/** Turns until the group is served: 1 when a quantum takes it out of debt, else one more per quantum it owes. */
function turnsUntilServed<T extends Queueable>(group: DrrGroup<T>): number {
  return group.deficit + group.weight > 0 ? 1 : Math.floor(-group.deficit / group.weight) + 1;
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
