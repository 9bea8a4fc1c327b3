// Ordering, kept apart from accounting: a ready queue decides which waiting task goes next, the lease
// ledger decides whether capacity allows it. `select` never mutates, `commit` is the only removal.

import type { Demand } from "./lease-ledger.ts";

/** What a queue needs of a task. Tasks with the same `demand.key` form one group. */
export interface Queueable {
  readonly id: number;
  readonly demand: Demand;
}

/** Service one finished request gave a task: what queues that order by attained service are charged. */
export interface ServiceUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Time the provider spent on the request, in ms. */
  readonly providerMs: number;
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
  /**
   * Every queued task, without removing any: for designs that try them all. Queues that interleave groups
   * list them group by group in their current order; the order is a snapshot, not a forecast. O(n log n).
   */
  ordered(): T[];

  // Feedback from the scheduler, for queues that need it. A queue without the method ignores the news.

  /** A request of a committed task finished: the service it received (virtual token counter, MLFQ, LAS). */
  charge?(task: T, usage: ServiceUsage): void;
  /** A committed task gave its lease back, for whatever reason: queues that count running tasks per group. */
  released?(task: T): void;
  /** Every task of the job has finished: per-job state (attained service, level) can be dropped. */
  jobFinished?(job: number): void;
  /**
   * Asked between two requests of a running multi-call task when the policy allows preemption at safe
   * points: true when it should give its lease back and queue again (its job was demoted, or a task the
   * queue ranks higher waits for a resource it holds).
   */
  shouldYield?(task: T): boolean;
}
