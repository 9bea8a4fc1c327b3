// Drives a share-based queue (proportional, bounded_borrow) as the scheduler would, with a global cap enforced
// the way the ledger does (a task is eligible only while fewer than `capacity` run), and records what every
// commit saw and what every dispatch left behind, for the properties of proportional.test.ts and
// bounded-borrow.test.ts.

import fc from "fast-check";
import type { ReadyQueue } from "../../../src/policies/ready-queue.ts";
import { createQueue, queueKind } from "../../../src/policies/queues/registry.ts";
import { ManualClock, type QTask, contextFor, task } from "./harness.ts";

export const SHARE_GROUPS = ["a", "b", "c"] as const;

export type ShareStep = { readonly arrive: number; readonly group: number } | { readonly finish: number };

export const shareSteps: fc.Arbitrary<ShareStep[]> = fc.array(
  fc.oneof(fc.record({ arrive: fc.integer({ min: 1, max: 4 }), group: fc.nat(SHARE_GROUPS.length - 1) }), fc.record({ finish: fc.nat() })),
  { minLength: 5, maxLength: 80, size: "max" },
);

/** Per group: tasks queued and running at one moment. */
export type Counts = Readonly<Record<string, { readonly queued: number; readonly running: number }>>;

export interface Commit {
  readonly group: string;
  /** The group's running tasks just before the commit. */
  readonly runningBefore: number;
  /** Whether another group had a task queued at that moment. */
  readonly peersWaited: boolean;
  /** Every group's counts just before the commit. */
  readonly before: Counts;
}

export interface Played {
  readonly commits: Commit[];
  /** The counts after each dispatch ran until the queue selected nothing. */
  readonly settled: Counts[];
}

/** Replays the tasks a script describes and what the queue and the cap made of them. */
export class ShareDriver {
  readonly queued: QTask[] = [];
  readonly running: QTask[] = [];
  readonly commits: Commit[] = [];
  readonly settled: Counts[] = [];

  constructor(
    readonly queue: ReadyQueue<QTask>,
    readonly capacity: number,
  ) {}

  counts(): Counts {
    const counts: Record<string, { queued: number; running: number }> = {};
    for (const group of SHARE_GROUPS) counts[group] = { queued: 0, running: 0 };
    for (const queued of this.queued) (counts[queued.group] as { queued: number }).queued += 1;
    for (const running of this.running) (counts[running.group] as { running: number }).running += 1;
    return counts;
  }

  arrive(group: string, count: number): void {
    for (let index = 0; index < count; index += 1) {
      const arriving = task(group);
      this.queue.enqueue(arriving);
      this.queued.push(arriving);
    }
  }

  finish(done: QTask): void {
    this.running.splice(this.running.indexOf(done), 1);
    this.queue.released?.(done);
  }

  /** Selects and commits until the queue (or the cap) lets nothing more start. */
  dispatch(): void {
    for (;;) {
      const next = this.queue.select(() => this.running.length < this.capacity);
      if (next === undefined) break;
      const before = this.counts();
      this.commits.push({
        group: next.group,
        runningBefore: (before[next.group] as { running: number }).running,
        peersWaited: this.queued.some((other) => other.group !== next.group),
        before,
      });
      if (!this.queue.commit(next)) throw new Error(`commit of selected task ${next.id} refused`);
      this.queued.splice(this.queued.indexOf(next), 1);
      this.running.push(next);
    }
    this.settled.push(this.counts());
  }
}

/** Plays random arrivals and completions, dispatching after each step. */
export function playShares(queue: ReadyQueue<QTask>, capacity: number, script: readonly ShareStep[]): Played {
  const driver = new ShareDriver(queue, capacity);
  for (const step of script) {
    if ("arrive" in step) {
      driver.arrive(SHARE_GROUPS[step.group] as string, step.arrive);
    } else {
      const done = driver.running[step.finish % Math.max(1, driver.running.length)];
      if (done !== undefined) driver.finish(done);
    }
    driver.dispatch();
  }
  return { commits: driver.commits, settled: driver.settled };
}

/** Weights (or quotas) for a, b, c and a capacity. */
export interface ShareCase {
  readonly weights: Readonly<Record<string, number>>;
  readonly capacity: number;
  readonly script: ShareStep[];
}

export const shareCase: fc.Arbitrary<ShareCase> = fc.record({
  weights: fc.record({ a: fc.integer({ min: 1, max: 20 }), b: fc.integer({ min: 1, max: 6 }), c: fc.integer({ min: 1, max: 3 }) }),
  capacity: fc.integer({ min: 1, max: 16 }),
  script: shareSteps,
});

/** Builds a kind the way a policy without a global cap would, with no capacity option: share kinds must refuse. */
export function withoutGlobalCap(kind: string): ReadyQueue<QTask> {
  const definition = queueKind(kind);
  if (definition === undefined) throw new Error(`no queue kind ${kind}`);
  const options = definition.schema.parse({ kind });
  return createQueue({ kind, groupBy: "tenant", options }, { ...contextFor(new ManualClock()), capacity: undefined });
}
