// The production twin of the simulator's VirtualClock: the same policy objects, driven by real time.

import type { Clock } from "../policies/clock.ts";

export class SystemClock implements Clock {
  /** Monotonic milliseconds (performance.now), unaffected by wall-clock adjustments. */
  now(): number {
    return performance.now();
  }
}
