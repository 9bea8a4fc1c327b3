// Recomputes the summary's figures from the event log with independent, deliberately naive code, and
// checks they agree with what schedlab reports.

import { describe, expect, it } from "vitest";
import type { LoggedEvent } from "../../src/eventlog/events.ts";
import { MetricsCollector } from "../../src/metrics/collector.ts";
import { eventsOfType, repositoryScenario, runLogged } from "../helpers.ts";

/** Nearest rank, written from the definition: the smallest value with at least p% of the sample at or below. */
function naivePercentile(values: number[], percent: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  for (const candidate of sorted) {
    const atOrBelow = sorted.filter((value) => value <= candidate).length;
    if (atOrBelow >= (percent / 100) * sorted.length) return candidate;
  }
  return Number.NaN;
}

function latenciesByLane(events: readonly LoggedEvent[]): Map<string, number[]> {
  const arrivals = new Map(eventsOfType(events, "job_arrived").map((event) => [event.job, event]));
  const byLane = new Map<string, number[]>();
  for (const finished of eventsOfType(events, "job_finished")) {
    if (finished.status !== "completed") continue;
    const arrived = arrivals.get(finished.job);
    if (arrived === undefined) throw new Error(`job ${finished.job} finished without arriving`);
    const lane = byLane.get(arrived.lane) ?? [];
    lane.push(finished.t - arrived.t);
    byLane.set(arrived.lane, lane);
  }
  return byLane;
}

describe("summary figures recomputed from the event log", () => {
  const scenario = repositoryScenario("default");
  const policy = scenario.policies[1] ?? scenario.policies[0];
  if (policy === undefined) throw new Error("default scenario has no policy");
  const { summary, events } = runLogged(scenario, 3, policy);

  it("latency percentiles per lane and overall match a naive nearest-rank", () => {
    const byLane = latenciesByLane(events);
    expect([...byLane.keys()].sort()).toEqual(Object.keys(summary.latency_ms.by_lane));
    for (const [lane, values] of byLane) {
      const reported = summary.latency_ms.by_lane[lane];
      expect(reported?.count).toBe(values.length);
      for (const percent of [50, 95, 99] as const) {
        expect(reported?.[`p${percent}`]).toBe(naivePercentile(values, percent));
      }
      expect(reported?.max).toBe(Math.max(...values));
    }
    const all = [...byLane.values()].flat();
    expect(summary.latency_ms.overall.p95).toBe(naivePercentile(all, 95));
  });

  it("queue wait P95 is lease_acquired.t − task_ready.t", () => {
    const ready = new Map(eventsOfType(events, "task_ready").map((event) => [event.task, event.t]));
    const waits = eventsOfType(events, "lease_acquired").map((event) => event.t - (ready.get(event.task) as number));
    expect(summary.queue_wait_ms.p95).toBe(naivePercentile(waits, 95));
  });

  it("counts of 429s, retries, jobs and leases match the log", () => {
    const finished = eventsOfType(events, "request_finished");
    expect(summary.requests.rate_limited).toBe(finished.filter((event) => event.status === "rate_limited").length);
    expect(summary.requests.retries).toBe(eventsOfType(events, "request_started").filter((event) => event.attempt > 1).length);
    expect(summary.jobs.failed).toBe(eventsOfType(events, "job_finished").filter((event) => event.status === "failed").length);
    expect(summary.leases.acquired).toBe(eventsOfType(events, "lease_acquired").length);
    expect(summary.requests.rate_limited).toBeGreaterThan(0);
  });

  it("utilization is the time integral of held capacity over limit × makespan", () => {
    const capacities = eventsOfType(events, "run_started")[0]?.capacities ?? {};
    const makespan = eventsOfType(events, "run_finished")[0]?.makespan_ms ?? 0;
    const acquiredAt = new Map(eventsOfType(events, "lease_acquired").map((event) => [event.lease, event]));
    for (const [resource, limit] of Object.entries(capacities)) {
      let integral = 0;
      for (const released of eventsOfType(events, "lease_released")) {
        const acquired = acquiredAt.get(released.lease);
        if (acquired === undefined || released.result !== "released") continue;
        integral += (acquired.resources[resource] ?? 0) * (released.t - acquired.t);
      }
      expect(summary.utilization[resource]).toBeCloseTo(integral / (limit * makespan), 9);
    }
  });

  it("replaying the parsed JSONL through the collector reproduces the whole summary", () => {
    expect(new MetricsCollector().replay(events).summary()).toEqual(summary);
  });
});
