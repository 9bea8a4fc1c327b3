// Simulated time. Only the engine moves it, and only forwards.

import { assertionFailed } from "../policies/assert.ts";
import type { Clock } from "../policies/clock.ts";

export class VirtualClock implements Clock {
  private currentMs = 0;

  now(): number {
    return this.currentMs;
  }

  advanceTo(timeMs: number): void {
    if (!(timeMs >= this.currentMs)) assertionFailed(`virtual time cannot go back from ${this.currentMs} to ${timeMs}`);
    this.currentMs = timeMs;
  }
}
