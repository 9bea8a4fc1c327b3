// The discrete-event loop: pop the earliest event, move the virtual clock to it, hand it to the world.
// A bound on the number of events turns a runaway scenario into a clear error instead of a hang.

import { assertionFailed } from "../policies/assert.ts";
import type { TimerHandle, Timers } from "../policies/timers.ts";
import { EventHeap, type ScheduledEvent } from "./event-heap.ts";
import { PLANTED_WORK_PER_EVENT, doPlantedWork } from "./planted-slowdown.ts";
import { VirtualClock } from "./virtual-clock.ts";

export class EventLimitError extends Error {
  override name = "EventLimitError";
  constructor(
    readonly maxEvents: number,
    readonly atMs: number,
  ) {
    super(
      `the run processed its limit of ${maxEvents} events at t=${Math.round(atMs)} ms without finishing; ` +
        "raise limits.max_events in the scenario or make the workload smaller",
    );
  }
}

/** More events than this at one instant is a loop that schedules itself with no delay, not a workload. */
export const MAX_EVENTS_PER_INSTANT = 1_000_000;

/** A bug, not a scenario problem: something keeps rescheduling itself without letting time pass. */
export class StalledClockError extends Error {
  override name = "StalledClockError";
  constructor(readonly atMs: number) {
    super(`${MAX_EVENTS_PER_INSTANT} events at t=${atMs} ms without virtual time advancing: a zero-delay event loop`);
  }
}

export interface EventHandler {
  handle(event: ScheduledEvent): void;
}

/** Event kind reserved for timers; handlers never see it. */
const TIMER_KIND = -1;

class Timer implements TimerHandle {
  canceled = false;
  constructor(
    readonly id: number,
    readonly callback: () => void,
  ) {}
}

export class Engine implements Timers {
  readonly clock = new VirtualClock();
  private readonly heap = new EventHeap();
  private processed = 0;
  private eventsThisInstant = 0;
  private readonly current: ScheduledEvent = { timeMs: 0, sequence: 0, kind: 0, subject: undefined };
  private nextTimerId = 1;

  constructor(private readonly maxEvents: number) {}

  get eventsProcessed(): number {
    return this.processed;
  }

  get pending(): number {
    return this.heap.size;
  }

  /** Schedules an event `delayMs` from now (0 runs it after everything already due now). */
  after(delayMs: number, kind: number, subject: unknown): void {
    if (!(delayMs >= 0 && delayMs < Infinity)) assertionFailed(`an event cannot be scheduled ${delayMs} ms from now`);
    this.heap.push(this.clock.now() + delayMs, kind, subject);
  }

  /** Timers for policies, on virtual time. */
  schedule(delayMs: number, callback: () => void): TimerHandle {
    const timer = new Timer(this.nextTimerId, callback);
    this.nextTimerId += 1;
    this.after(delayMs, TIMER_KIND, timer);
    return timer;
  }

  cancel(handle: TimerHandle): void {
    if (handle instanceof Timer) handle.canceled = true;
  }

  /** Runs until no event is left. */
  run(handler: EventHandler): void {
    while (this.step(handler)) {
      // Each step handles one event.
    }
  }

  /**
   * Handles the next event and returns true, or returns false when none is left. Lets a caller interleave
   * other work between events, e.g. promise callbacks of async code on virtual time. The event handed to
   * `handler` is reused: read it, do not keep it. A canceled timer is dropped without moving the clock, so it
   * cannot stretch the run.
   */
  step(handler: EventHandler): boolean {
    const event = this.current;
    for (;;) {
      if (!this.heap.popInto(event)) return false;
      const timer = event.kind === TIMER_KIND ? (event.subject as Timer) : undefined;
      if (timer?.canceled === true) continue;
      if (this.processed >= this.maxEvents) throw new EventLimitError(this.maxEvents, event.timeMs);
      this.processed += 1;
      if (PLANTED_WORK_PER_EVENT > 0) doPlantedWork();
      if (event.timeMs === this.clock.now()) {
        this.eventsThisInstant += 1;
        if (this.eventsThisInstant > MAX_EVENTS_PER_INSTANT) throw new StalledClockError(event.timeMs);
      } else {
        this.eventsThisInstant = 0;
      }
      this.clock.advanceTo(event.timeMs);
      if (timer !== undefined) timer.callback();
      else handler.handle(event);
      return true;
    }
  }

}
