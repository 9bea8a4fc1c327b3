// The report's time series, recomputed from the event log with naive code: capacity held and queue depth as time
// averages per bucket, 429s and completions as rates; and the bound on memory: never more than TIMELINE_BUCKETS
// buckets, however long the run.

import { describe, expect, it } from "vitest";
import type { LoggedEvent } from "../../src/eventlog/events.ts";
import { TIMELINE_BUCKETS, type TimelineData, TimelineSink } from "../../src/metrics/timeline.ts";
import { eventsOfType, repositoryScenario, runLogged } from "../helpers.ts";

function timelineOf(events: readonly LoggedEvent[]): TimelineData {
  const sink = new TimelineSink();
  for (const event of events) sink.record(event.seq, event.t, event);
  return sink.data();
}

function seriesValues(data: TimelineData, kind: string, key: string): readonly number[] {
  const found = data.series.find((series) => series.kind === kind && series.key === key);
  if (found === undefined) throw new Error(`no series ${kind} ${key}`);
  return found.values;
}

/** ∫ over [start, end] of a step function given as (time, value) changes, value 0 before the first. */
function integral(steps: readonly (readonly [number, number])[], startMs: number, endMs: number): number {
  let total = 0;
  steps.forEach(([timeMs, value], index) => {
    const nextMs = steps[index + 1]?.[0] ?? Number.POSITIVE_INFINITY;
    total += value * Math.max(0, Math.min(endMs, nextMs) - Math.max(startMs, timeMs));
  });
  return total;
}

/** Held amount of a resource after each lease event, from acquisitions and `released` releases. */
function heldSteps(events: readonly LoggedEvent[], resource: string): [number, number][] {
  const leases = new Map(eventsOfType(events, "lease_acquired").map((event) => [event.lease, event.resources[resource] ?? 0]));
  let held = 0;
  const steps: [number, number][] = [];
  for (const event of events) {
    if (event.type === "lease_acquired") held += event.resources[resource] ?? 0;
    else if (event.type === "lease_released" && event.result === "released") held -= leases.get(event.lease) ?? 0;
    else continue;
    steps.push([event.t, held]);
  }
  return steps;
}

/** Tasks between their first task_ready and their lease or finish. */
function queuedSteps(events: readonly LoggedEvent[]): [number, number][] {
  const waiting = new Set<number>();
  const steps: [number, number][] = [];
  for (const event of events) {
    if (event.type === "task_ready") waiting.add(event.task);
    else if (event.type === "lease_acquired" || event.type === "task_finished") waiting.delete(event.task);
    else continue;
    steps.push([event.t, waiting.size]);
  }
  return steps;
}

function expectClose(actual: readonly number[], expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((value, index) => {
    const wanted = expected[index] as number;
    expect(Math.abs(value - wanted), `bucket ${index}: ${value} vs ${wanted}`).toBeLessThanOrEqual(Math.abs(wanted) * 1e-3 + 1e-9);
  });
}

describe("the run's time series", () => {
  const scenario = repositoryScenario("default");
  const { events } = runLogged(scenario, 2, scenario.policies[1]);
  const data = timelineOf(events);
  const buckets = Math.ceil(data.end_ms / data.bucket_ms);
  const bucketRange = (bucket: number): [number, number] => [bucket * data.bucket_ms, Math.min(data.end_ms, (bucket + 1) * data.bucket_ms)];

  it("covers the run in at most TIMELINE_BUCKETS buckets", () => {
    expect(data.end_ms).toBe(eventsOfType(events, "run_finished")[0]?.makespan_ms);
    expect(buckets).toBeLessThanOrEqual(TIMELINE_BUCKETS);
    expect(buckets).toBeGreaterThan(TIMELINE_BUCKETS / 2);
  });

  it("capacity held per resource is the time average of the held amount over each bucket", () => {
    for (const resource of Object.keys(data.capacities)) {
      const steps = heldSteps(events, resource);
      const expected = Array.from({ length: buckets }, (_, bucket) => {
        const [start, end] = bucketRange(bucket);
        return integral(steps, start, end) / (end - start);
      });
      expectClose(seriesValues(data, "held", resource), expected);
    }
  });

  it("queue depth is the time average of tasks ready and not yet leased", () => {
    const steps = queuedSteps(events);
    const expected = Array.from({ length: buckets }, (_, bucket) => {
      const [start, end] = bucketRange(bucket);
      return integral(steps, start, end) / (end - start);
    });
    expectClose(seriesValues(data, "queued", "all"), expected);
  });

  it("429s and completed jobs are counts per bucket, per second", () => {
    for (const provider of ["fast", "smart"]) {
      const limited = eventsOfType(events, "request_finished").filter((event) => event.provider === provider && event.status === "rate_limited");
      const expected = Array.from({ length: buckets }, (_, bucket) => {
        const [start, end] = bucketRange(bucket);
        return (limited.filter((event) => Math.floor(event.t / data.bucket_ms) === bucket).length * 1000) / (end - start);
      });
      expectClose(seriesValues(data, "rate_limited", provider), expected);
    }
    const completed = eventsOfType(events, "job_finished").filter((event) => event.status === "completed").length;
    const rates = seriesValues(data, "completed", "all");
    const total = rates.reduce((sum, rate, bucket) => sum + (rate * (bucketRange(bucket)[1] - bucketRange(bucket)[0])) / 1000, 0);
    // Rates are rounded to four significant digits.
    expect(Math.abs(total - completed)).toBeLessThanOrEqual(completed * 1e-3);
  });

  it("draws a limit series only for resources whose limit changed", () => {
    expect(data.series.some((series) => series.kind === "limit")).toBe(false);
    const sink = new TimelineSink();
    sink.record(0, 0, { type: "run_started", scenario: "s", policy: "p", seed: 1, capacities: { "provider:fast": 12 }, admission: "lease", prices: {} });
    sink.record(1, 1000, { type: "limit_changed", resource: "provider:fast", limit: 6, reason: "aimd_decrease" });
    sink.record(2, 2000, { type: "run_finished", makespan_ms: 2000, events: 3 });
    const limited = sink.data();
    const values = seriesValues(limited, "limit", "provider:fast");
    expect(values.slice(0, 4)).toEqual([12, 12, 12, 12]);
    expect(values.slice(4, 8)).toEqual([6, 6, 6, 6]);
  });

  it("keeps the same number of buckets for a run 100 times as long: their width doubles instead", () => {
    const sink = new TimelineSink();
    sink.record(0, 0, { type: "run_started", scenario: "s", policy: "p", seed: 1, capacities: { "provider:p": 1 }, admission: "lease", prices: {} });
    const endMs = 100 * data.end_ms;
    for (let seq = 1, timeMs = 0; timeMs < endMs; seq += 2, timeMs += 1000) {
      sink.record(seq, timeMs, { type: "lease_acquired", lease: seq, task: seq, resources: { "provider:p": 1 } });
      sink.record(seq + 1, timeMs + 500, { type: "lease_released", lease: seq, task: seq, reason: "success", result: "released" });
    }
    sink.record(0, endMs, { type: "run_finished", makespan_ms: endMs, events: 0 });
    const long = sink.data();
    expect(Math.ceil(long.end_ms / long.bucket_ms)).toBeLessThanOrEqual(TIMELINE_BUCKETS);
    const held = seriesValues(long, "held", "provider:p");
    for (const value of held.slice(0, -1)) expect(value).toBeCloseTo(0.5, 2);
  });
});
