// The lease-before-spawn admission loop: ready queue → select(eligible) → atomic tryAcquire → commit →
// hand the task and its lease to the caller, who may then spawn a worker that never waits for scheduler
// capacity again.

import { assertionFailed } from "./assert.ts";
import type { Lease, LeaseLedger } from "./lease-ledger.ts";
import type { Queueable, ReadyQueue } from "./ready-queue.ts";

export interface Admitted<T> {
  (task: T, lease: Lease): void;
}

export class LeaseAdmission<T extends Queueable> {
  private readonly eligible: (task: T) => boolean;

  constructor(
    readonly ledger: LeaseLedger,
    readonly queue: ReadyQueue<T>,
  ) {
    this.eligible = (task: T) => this.ledger.canAcquire(task.demand);
  }

  submit(task: T): void {
    this.queue.enqueue(task);
  }

  /** Admits queued tasks in queue order while capacity allows. Returns how many were admitted. */
  dispatch(onAdmitted: Admitted<T>): number {
    let admitted = 0;
    // Each pass removes one task or stops, so the queue's size bounds the loop.
    for (let pass = this.queue.size; pass > 0; pass -= 1) {
      const candidate = this.queue.select(this.eligible);
      if (candidate === undefined) break;
      const lease = this.ledger.tryAcquire(candidate.demand, candidate.id);
      if (lease === undefined) assertionFailed(`task ${candidate.id} was selected as eligible but its acquire was refused`);
      if (!this.queue.commit(candidate)) {
        this.ledger.release(lease, "stale");
        continue;
      }
      admitted += 1;
      onAdmitted(candidate, lease);
    }
    return admitted;
  }
}
