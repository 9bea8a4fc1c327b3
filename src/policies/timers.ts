// Deferred work for policies (retry backoff, task timeouts, zombie reaping), behind an interface so that the
// simulator can run it on virtual time and production on real timers (src/runtime).

export interface TimerHandle {
  readonly id: number;
}

export interface Timers {
  /** Calls `callback` once, `delayMs` from now on the same clock. */
  schedule(delayMs: number, callback: () => void): TimerHandle;
  /** Cancels a timer that has not fired; a no-op otherwise. */
  cancel(handle: TimerHandle): void;
}
