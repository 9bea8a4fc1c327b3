// Progress of one long simulation (schedlab run) on a terminal: jobs finished out of the scenario's stop.jobs,
// or simulated time out of stop.duration_ms. The bar appears only once the run has taken a second, so short
// runs print nothing extra; like every bar it is off when stderr is not a terminal or CI=true.

import type { EventSink, LogEvent } from "../eventlog/events.ts";
import type { Scenario } from "../scenario/types.ts";
import { type Progress, progressWanted, startProgress } from "./progress.ts";

/** Wall time before the bar shows. */
const QUIET_MS = 1000;
/** Events between looks at the clock and the bar: cheap next to the simulation of that many events. */
const EVENTS_PER_LOOK = 4096;

export class RunProgressSink implements EventSink {
  private readonly startedMs = Date.now();
  private readonly label: string;
  private readonly byJobs: boolean;
  private readonly total: number;
  private finished = 0;
  private events = 0;
  private bar: Progress | undefined;

  private constructor(label: string, scenario: Scenario) {
    this.label = label;
    this.byJobs = scenario.stop.jobs !== undefined;
    this.total = scenario.stop.jobs ?? Math.ceil((scenario.stop.durationMs ?? 0) / 1000);
  }

  /** A sink to add to the run's sinks, or none when no bar may be drawn. */
  static forRun(label: string, scenario: Scenario): RunProgressSink | undefined {
    return progressWanted() ? new RunProgressSink(label, scenario) : undefined;
  }

  record(_seq: number, timeMs: number, event: LogEvent): void {
    if (event.type === "job_finished") this.finished += 1;
    this.events += 1;
    if (this.events % EVENTS_PER_LOOK !== 0) return;
    if (this.bar === undefined) {
      if (Date.now() - this.startedMs < QUIET_MS) return;
      this.bar = startProgress(this.label, this.total, this.byJobs ? "jobs" : "simulated s");
    }
    this.bar.update(Math.min(this.total, this.byJobs ? this.finished : Math.floor(timeMs / 1000)));
  }

  stop(): void {
    this.bar?.stop();
  }
}
