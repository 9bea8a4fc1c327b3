// Round robin over groups: one task from each group that has something it can run, in turn. A group with
// nothing eligible is passed over without losing its place in the round.

import type { Queueable } from "../ready-queue.ts";
import { GroupedQueue, QueueGroup } from "./grouped-queue.ts";
import type { QueueContext } from "./queue-context.ts";
import { defineQueueKind } from "./queue-kind.ts";
import { Ring, type RingMember } from "./ring.ts";

class RoundRobinGroup<T extends Queueable> extends QueueGroup<T> implements RingMember<RoundRobinGroup<T>> {
  next: RoundRobinGroup<T> | undefined = undefined;
  previous: RoundRobinGroup<T> | undefined = undefined;
}

export class RoundRobinQueue<T extends Queueable> extends GroupedQueue<T, RoundRobinGroup<T>> {
  private readonly ring = new Ring<RoundRobinGroup<T>>();
  /** The group whose turn it is (protected for the planted bugs of the tests). */
  protected turn: RoundRobinGroup<T> | undefined;

  constructor(context: QueueContext<T>) {
    super(context);
  }

  /** O(groups passed over): each group with nothing eligible costs one check. */
  select(eligible: (task: T) => boolean): T | undefined {
    let group = this.turn;
    for (let step = 0; step < this.ring.size; step += 1) {
      const candidate = (group as RoundRobinGroup<T>).tasks.select(eligible);
      if (candidate !== undefined) return candidate;
      group = (group as RoundRobinGroup<T>).next;
    }
    return undefined;
  }

  protected createGroup(name: string): RoundRobinGroup<T> {
    return new RoundRobinGroup<T>(name, 1);
  }

  /** A group joins at the end of the current round. */
  protected activated(group: RoundRobinGroup<T>): void {
    this.ring.insertBefore(group, this.turn);
    this.turn ??= group;
  }

  /** The turn moves past the served group; a group passed over for having nothing eligible keeps its place. */
  protected served(group: RoundRobinGroup<T>): void {
    this.turn = group.next;
  }

  protected emptied(group: RoundRobinGroup<T>): void {
    if (this.turn === group) this.turn = group.next === group ? undefined : group.next;
    this.ring.delete(group);
  }

  protected activeGroupsInOrder(): readonly RoundRobinGroup<T>[] {
    return this.turn === undefined ? [] : [...this.ring.from(this.turn)];
  }
}

export const roundRobinKind = defineQueueKind({
  kind: "round_robin",
  summary: "one task per group with something eligible, in turn",
  options: {},
  create: (_options, context) => new RoundRobinQueue(context),
});
