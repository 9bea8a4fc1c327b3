// Real timers for the policies' deferred work (backoff, timeouts, reaping) in production, and the environment
// that a production orchestrator hands to the scheduler: the twin of the simulator's Engine and seeded streams.

import { assertionFailed } from "../policies/assert.ts";
import type { SchedulerEnvironment } from "../policies/dag-scheduler.ts";
import type { TimerHandle, Timers } from "../policies/timers.ts";
import { SystemClock } from "./system-clock.ts";

/** setTimeout fires at once (with a warning) for delays above 2^31 − 1 ms, so those are refused. */
const DELAY_MS_MAX = 2 ** 31 - 1;

class SystemTimer implements TimerHandle {
  constructor(
    readonly id: number,
    readonly timeout: ReturnType<typeof setTimeout>,
  ) {}
}

export class SystemTimers implements Timers {
  private nextTimerId = 1;

  schedule(delayMs: number, callback: () => void): TimerHandle {
    if (!(delayMs >= 0 && delayMs <= DELAY_MS_MAX)) assertionFailed(`a timer cannot be scheduled ${delayMs} ms from now`);
    const timer = new SystemTimer(this.nextTimerId, setTimeout(callback, delayMs));
    this.nextTimerId += 1;
    return timer;
  }

  cancel(handle: TimerHandle): void {
    if (handle instanceof SystemTimer) clearTimeout(handle.timeout);
  }
}

/** Real time, real timers and Math.random (backoff jitter needs no seed in production). */
export function systemEnvironment(): SchedulerEnvironment {
  return { clock: new SystemClock(), timers: new SystemTimers(), random: Math.random };
}
