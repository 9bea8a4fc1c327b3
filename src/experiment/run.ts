// One run of one policy on one seed: simulate, derive the summary from the events, optionally keep the log.

import type { EventSink } from "../eventlog/events.ts";
import { JsonlWriter } from "../eventlog/jsonl.ts";
import { MetricsCollector, type RunSummary } from "../metrics/collector.ts";
import type { PolicySpec, Scenario } from "../scenario/types.ts";
import { simulate } from "../sim/simulation.ts";

export interface RunRequest {
  readonly scenario: Scenario;
  readonly policy: PolicySpec;
  readonly seed: number;
  /** Write the JSONL event log here (atomically: nothing is left behind if the run fails). */
  readonly eventsFile?: string | undefined;
  /** More sinks to feed, e.g. an in-memory log in tests. */
  readonly sinks?: readonly EventSink[];
}

export function runOnce(request: RunRequest): RunSummary {
  const collector = new MetricsCollector();
  const writer = request.eventsFile === undefined ? undefined : new JsonlWriter(request.eventsFile);
  const sinks: EventSink[] = [collector, ...(request.sinks ?? [])];
  if (writer !== undefined) sinks.push(writer);
  try {
    simulate({ scenario: request.scenario, policy: request.policy, seed: request.seed, sinks });
  } catch (error) {
    writer?.abandon();
    throw error;
  }
  writer?.close();
  return collector.summary();
}
