// The part the share-based kinds (proportional, bounded_borrow) have in common: tasks FIFO across groups
// (oldest eligible first, one FIFO per group and demand, in a heap by head arrival), each group's queued and running tasks counted, and a
// gate that makes a group ineligible when it has all the capacity its share allows. The subclass says what the
// share is. The gate is checked and the task committed in one synchronous step: no check-then-act window.

import type { Queueable, ReadyQueue } from "../ready-queue.ts";
import { KeyedStreams } from "./keyed-streams.ts";
import type { QueueContext } from "./queue-context.ts";

export class ShareGroup {
  queued = 0;
  running = 0;
  constructor(
    readonly name: string,
    /** Quota or weight. */
    readonly weight: number,
  ) {}
  get active(): boolean {
    return this.queued + this.running > 0;
  }
}

export abstract class CapacitySharesQueue<T extends Queueable> implements ReadyQueue<T> {
  protected readonly groups = new Map<string, ShareGroup>();
  protected queuedTotal = 0;
  /** FIFO across groups: every key is equal, so streams are ordered by their heads' arrival. */
  private readonly tasks = new KeyedStreams<T>();
  private eligible: (task: T) => boolean = () => false;
  private readonly gated = (task: T): boolean => this.eligible(task) && this.mayRunAnother(this.groupOf(task));

  constructor(
    protected readonly context: QueueContext<T>,
    /** How many tasks may run at once across all groups. */
    readonly capacity: number,
  ) {}

  get size(): number {
    return this.tasks.size;
  }

  /** A group's queued and running counts, for reports and tests. */
  countsOf(group: string): { readonly queued: number; readonly running: number } {
    const found = this.groups.get(group);
    return { queued: found?.queued ?? 0, running: found?.running ?? 0 };
  }

  enqueue(task: T): void {
    const group = this.groupOf(task);
    if (!group.active) this.becameActive(group);
    group.queued += 1;
    this.queuedTotal += 1;
    this.tasks.enqueue(task, group.name, 0);
  }

  select(eligible: (task: T) => boolean): T | undefined {
    this.eligible = eligible;
    return this.tasks.select(this.gated);
  }

  commit(task: T): boolean {
    const group = this.groupOf(task);
    if (!this.tasks.commit(task, group.name)) return false;
    group.queued -= 1;
    group.running += 1;
    this.queuedTotal -= 1;
    return true;
  }

  remove(task: T): boolean {
    const group = this.groupOf(task);
    if (!this.tasks.remove(task, group.name)) return false;
    group.queued -= 1;
    this.queuedTotal -= 1;
    if (!group.active) this.becameIdle(group);
    return true;
  }

  ordered(): T[] {
    return this.tasks.ordered();
  }

  /** A committed task's lease came back. A release the queue did not see committed is ignored. */
  released(task: T): void {
    const group = this.groups.get(this.context.group(task));
    if (group === undefined || group.running === 0) return;
    group.running -= 1;
    if (!group.active) this.becameIdle(group);
  }

  /** Whether another group has tasks waiting. */
  protected peersWait(group: ShareGroup): boolean {
    return this.queuedTotal - group.queued > 0;
  }

  protected abstract weightOf(group: string): number;
  /** The gate: may the group start one more task now? */
  protected abstract mayRunAnother(group: ShareGroup): boolean;
  protected becameActive(_group: ShareGroup): void {}
  protected becameIdle(_group: ShareGroup): void {}

  private groupOf(task: T): ShareGroup {
    const name = this.context.group(task);
    let group = this.groups.get(name);
    if (group === undefined) {
      group = new ShareGroup(name, this.weightOf(name));
      this.groups.set(name, group);
      this.created(group);
    }
    return group;
  }

  /** A group seen for the first time. */
  protected created(_group: ShareGroup): void {}
}
