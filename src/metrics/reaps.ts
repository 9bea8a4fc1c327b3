// Reaped workers, and how many of them had not stalled: a false reap stopped a worker that was working,
// because reap_after_ms was shorter than its silence between two progress reports. Derived from the log:
// a `worker_stop_requested` with reason `reaped` is false unless the task's current worker logged
// `worker_stalled`. A task has one worker at a time, and a worker's `worker_stopped` ends it before the task
// can get another, so "the current worker stalled" holds from `worker_stalled` to `worker_stopped`.
// Memory: one entry per task whose current worker stalled.

export class ReapCounter {
  reaped = 0;
  falseReaps = 0;
  /** Tasks whose current worker has stalled. */
  private readonly stalledTasks = new Set<number>();

  workerStalled(task: number): void {
    this.stalledTasks.add(task);
  }

  stopRequested(task: number, reason: string): void {
    if (reason === "reaped") {
      this.reaped += 1;
      if (!this.stalledTasks.has(task)) this.falseReaps += 1;
    }
  }

  /** The task's worker has stopped: its next worker starts with a clean record. */
  forget(task: number): void {
    this.stalledTasks.delete(task);
  }

  counts(): { readonly reaped: number; readonly false_reaps: number } {
    return { reaped: this.reaped, false_reaps: this.falseReaps };
  }
}
