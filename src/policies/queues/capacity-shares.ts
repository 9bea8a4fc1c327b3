// The part the share-based kinds (proportional, bounded_borrow) have in common: tasks FIFO across groups
// (oldest eligible first, one FIFO per group and demand, in a heap by head arrival), each group's queued and
// running tasks counted, and a gate that makes a group ineligible when it has all the capacity its share
// allows. The subclass says what the share is. The gate is checked and the task committed in one synchronous
// step: no check-then-act window.

import type { Queueable, ReadyQueue } from "../ready-queue.ts";
import { KeyedStreams, StreamOwner } from "./keyed-streams.ts";
import type { QueueContext } from "./queue-context.ts";

/** Idle groups (nothing queued or running) kept before a sweep, for kinds that may forget them. */
const MAX_IDLE_GROUPS = 64;

export class ShareGroup<T = unknown> extends StreamOwner<T> {
  /** Committed tasks not yet released. */
  running = 0;

  constructor(
    name: string,
    /** Quota or weight. */
    readonly weight: number,
  ) {
    super(name);
  }

  get active(): boolean {
    return this.queued + this.running > 0;
  }
}

export abstract class CapacitySharesQueue<T extends Queueable> implements ReadyQueue<T> {
  protected readonly groups = new Map<string, ShareGroup<T>>();
  /** FIFO across groups: every key is equal, so streams are ordered by their heads' arrival. */
  private readonly tasks = new KeyedStreams<T, ShareGroup<T>>((group) => this.mayRunAnother(group));
  private idleGroups = 0;

  constructor(
    protected readonly context: QueueContext<T>,
    /** How many tasks may run at once across all groups. */
    readonly capacity: number,
  ) {}

  get size(): number {
    return this.tasks.size;
  }

  /** Groups the queue holds a record of (active, or idle and not swept yet): for memory checks. */
  get groupsTracked(): number {
    return this.groups.size;
  }

  /** A group's queued and running counts, for reports and tests. */
  countsOf(group: string): { readonly queued: number; readonly running: number } {
    const found = this.groups.get(group);
    return { queued: found?.queued ?? 0, running: found?.running ?? 0 };
  }

  enqueue(task: T): void {
    const group = this.groupFor(task);
    if (!group.active) {
      this.idleGroups -= 1;
      this.becameActive(group);
    }
    this.tasks.enqueue(task, group, 0);
  }

  select(eligible: (task: T) => boolean): T | undefined {
    return this.tasks.select(eligible);
  }

  commit(task: T): boolean {
    const group = this.groups.get(this.context.group(task));
    if (group === undefined || !this.tasks.commit(task, group)) return false;
    group.running += 1;
    return true;
  }

  remove(task: T): boolean {
    const group = this.groups.get(this.context.group(task));
    if (group === undefined || !this.tasks.remove(task, group)) return false;
    if (!group.active) this.leave(group);
    return true;
  }

  ordered(): T[] {
    return this.tasks.ordered(this.groups.values());
  }

  /**
   * A committed task's lease came back. A release the queue cannot match (a group it does not know, or one with
   * nothing running) is ignored rather than letting a count go negative; the scheduler releases exactly once
   * per commit, so that only happens when the queue is used outside that contract.
   */
  released(task: T): void {
    const group = this.groups.get(this.context.group(task));
    if (group === undefined || group.running === 0) return;
    group.running -= 1;
    if (!group.active) this.leave(group);
  }

  /** Whether another group has tasks waiting. */
  protected peersWait(group: ShareGroup<T>): boolean {
    return this.tasks.size - group.queued > 0;
  }

  /** The weight (or quota) of a group value. */
  protected abstract weightOf(group: string): number;
  /** The gate: may the group start one more task now? Pure: select asks it. */
  protected abstract mayRunAnother(group: ShareGroup<T>): boolean;
  /**
   * Whether idle groups' records may be dropped (they are created again, with the same weight, when they
   * return). False for a kind whose shares count every group ever seen.
   */
  protected abstract readonly forgetsIdleGroups: boolean;
  /** A group seen for the first time (or again after it was forgotten). */
  protected created(_group: ShareGroup<T>): void {}
  /** The group went from nothing queued or running to a queued task. */
  protected becameActive(_group: ShareGroup<T>): void {}
  /** The group has nothing queued or running any more. */
  protected becameIdle(_group: ShareGroup<T>): void {}

  private leave(group: ShareGroup<T>): void {
    this.becameIdle(group);
    this.idleGroups += 1;
    if (this.idleGroups <= MAX_IDLE_GROUPS || !this.forgetsIdleGroups) return;
    // Never a group with running tasks: its count must meet their releases.
    for (const [name, candidate] of this.groups) if (!candidate.active) this.groups.delete(name);
    this.idleGroups = 0;
  }

  private groupFor(task: T): ShareGroup<T> {
    const name = this.context.group(task);
    let group = this.groups.get(name);
    if (group === undefined) {
      group = new ShareGroup<T>(name, this.weightOf(name));
      this.groups.set(name, group);
      this.idleGroups += 1;
      this.created(group);
    }
    return group;
  }
}
