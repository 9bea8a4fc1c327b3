// One run of one policy on one seed: simulate, derive the summary from the events, optionally keep the log.

import type { EventSink } from "../eventlog/events.ts";
import { LatencyDistributionSink } from "../metrics/latency-distribution.ts";
import { TimelineSink } from "../metrics/timeline.ts";
import type { RunCharts } from "./charts.ts";
import { JsonlWriter } from "../eventlog/jsonl.ts";
import { MetricsCollector, type RunSummary } from "../metrics/collector.ts";
import { TraceFileWriter } from "../report/trace.ts";
import type { PolicySpec, Scenario } from "../scenario/types.ts";
import { simulate } from "../sim/simulation.ts";

export interface RunRequest {
  readonly scenario: Scenario;
  readonly policy: PolicySpec;
  readonly seed: number;
  /** Write the JSONL event log here (atomically: nothing is left behind if the run fails). */
  readonly eventsFile?: string | undefined;
  /** Write a Chrome trace-event file (Perfetto) here, atomically too. */
  readonly traceFile?: string | undefined;
  /** More sinks to feed, e.g. an in-memory log in tests. */
  readonly sinks?: readonly EventSink[];
}

export function runOnce(request: RunRequest): RunSummary {
  const collector = new MetricsCollector();
  const writer = request.eventsFile === undefined ? undefined : new JsonlWriter(request.eventsFile);
  const trace = request.traceFile === undefined ? undefined : new TraceFileWriter(request.traceFile);
  const sinks: EventSink[] = [collector, ...(request.sinks ?? [])];
  if (writer !== undefined) sinks.push(writer);
  if (trace !== undefined) sinks.push(trace);
  try {
    simulate({ scenario: request.scenario, policy: request.policy, seed: request.seed, sinks });
  } catch (error) {
    writer?.abandon();
    trace?.abandon();
    throw error;
  }
  writer?.close();
  trace?.close();
  return collector.summary();
}

/** A run that also keeps what the report's charts draw: latency distributions, and the time series if asked. */
export function runCharted(request: RunRequest & { readonly timeline: boolean }): { summary: RunSummary; charts: RunCharts } {
  const distributions = new LatencyDistributionSink();
  const timeline = request.timeline ? new TimelineSink() : undefined;
  const sinks = [...(request.sinks ?? []), distributions, ...(timeline === undefined ? [] : [timeline])];
  const summary = runOnce({ ...request, sinks });
  return { summary, charts: { seed: request.seed, latency: distributions.data(), timeline: timeline?.data() } };
}
