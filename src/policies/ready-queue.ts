// Ordering, kept apart from accounting: a ready queue decides which waiting task goes next, the lease
// ledger decides whether capacity allows it. `select` never mutates, `commit` is the only removal.

import type { Demand } from "./lease-ledger.ts";

/** What a queue needs of a task. Tasks with the same `demand.key` form one group. */
export interface Queueable {
  readonly id: number;
  readonly demand: Demand;
}

export interface ReadyQueue<T extends Queueable> {
  readonly size: number;
  enqueue(task: T): void;
  /**
   * The task that should go next among those whose group passes `eligible`, without removing it.
   * `eligible` is asked once per group (about the group's first task), so it must depend only on the
   * task's demand, as a capacity check does.
   */
  select(eligible: (task: T) => boolean): T | undefined;
  /** Removes a task returned by `select`. False when it is no longer queued (the selection went stale). */
  commit(task: T): boolean;
  /** Takes a queued task out without running it (cancellation). False when it was not queued. */
  remove(task: T): boolean;
  /** Every queued task in the queue's order, without removing any: for designs that try them all. O(n log n). */
  ordered(): T[];
}
