// Recomputes the breakdown figures from the event log with naive code: job outcomes per tenant, lane and
// tenant × lane, latency per tenant × lane, and throughput and utilization over the arrival window. Planted bugs
// in the breakdown's parts must each make the comparison fail.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { LoggedEvent } from "../../src/eventlog/events.ts";
import { ArrivalWindow, type HeldIntegral, type JobCounts, OutcomeCounts, tenantLaneKey } from "../../src/metrics/breakdown.ts";
import { MetricsCollector, type RunSummary } from "../../src/metrics/collector.ts";
import type { Scenario } from "../../src/scenario/types.ts";
import { eventsOfType, runLogged, scenarioFrom } from "../helpers.ts";

function naivePercentile(values: number[], percent: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.find((candidate) => sorted.filter((value) => value <= candidate).length >= (percent / 100) * sorted.length) ?? Number.NaN;
}

interface NaiveBreakdown {
  readonly byTenant: Map<string, JobCounts>;
  readonly byLane: Map<string, JobCounts>;
  readonly byPair: Map<string, JobCounts>;
  readonly pairLatencies: Map<string, number[]>;
  readonly windowMs: number;
  readonly windowCompleted: number;
  readonly windowUtilization: Map<string, number>;
}

function bump(map: Map<string, JobCounts>, key: string, field: keyof JobCounts): void {
  const counts = map.get(key) ?? { arrived: 0, completed: 0, failed: 0, canceled: 0 };
  map.set(key, { ...counts, [field]: counts[field] + 1 });
}

function naive(events: readonly LoggedEvent[]): NaiveBreakdown {
  const arrivals = new Map(eventsOfType(events, "job_arrived").map((event) => [event.job, event]));
  const byTenant = new Map<string, JobCounts>();
  const byLane = new Map<string, JobCounts>();
  const byPair = new Map<string, JobCounts>();
  const pairLatencies = new Map<string, number[]>();
  for (const arrived of arrivals.values()) {
    bump(byTenant, arrived.tenant, "arrived");
    bump(byLane, arrived.lane, "arrived");
    bump(byPair, tenantLaneKey(arrived.tenant, arrived.lane), "arrived");
  }
  for (const finished of eventsOfType(events, "job_finished")) {
    const arrived = arrivals.get(finished.job);
    if (arrived === undefined) throw new Error(`job ${finished.job} finished without arriving`);
    const pair = tenantLaneKey(arrived.tenant, arrived.lane);
    bump(byTenant, arrived.tenant, finished.status);
    bump(byLane, arrived.lane, finished.status);
    bump(byPair, pair, finished.status);
    if (finished.status === "completed") pairLatencies.set(pair, [...(pairLatencies.get(pair) ?? []), finished.t - arrived.t]);
  }
  const lastArrival = events.reduce((last, event, index) => (event.type === "job_arrived" ? index : last), -1);
  const windowMs = events[lastArrival]?.t ?? 0;
  const windowCompleted = events.slice(0, lastArrival).filter((event) => event.type === "job_finished" && event.status === "completed").length;
  const capacities = eventsOfType(events, "run_started")[0]?.capacities ?? {};
  const acquired = new Map(eventsOfType(events, "lease_acquired").map((event) => [event.lease, event]));
  const windowUtilization = new Map<string, number>();
  for (const [resource, limit] of Object.entries(capacities)) {
    let integral = 0;
    for (const released of eventsOfType(events, "lease_released")) {
      const lease = acquired.get(released.lease);
      if (lease === undefined || released.result !== "released") continue;
      const overlap = Math.max(0, Math.min(released.t, windowMs) - lease.t);
      integral += (lease.resources[resource] ?? 0) * overlap;
    }
    windowUtilization.set(resource, integral / (limit * windowMs));
  }
  return { byTenant, byLane, byPair, pairLatencies, windowMs, windowCompleted, windowUtilization };
}

/** Every way the summary disagrees with the naive figures, as readable lines (empty when they agree). */
function disagreements(summary: RunSummary, events: readonly LoggedEvent[]): string[] {
  const expected = naive(events);
  const found: string[] = [];
  const same = (what: string, actual: unknown, wanted: unknown): void => {
    if (JSON.stringify(actual) !== JSON.stringify(wanted)) found.push(`${what}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(wanted)}`);
  };
  same("by tenant", summary.jobs_by_group.by_tenant, Object.fromEntries([...expected.byTenant].sort()));
  same("by lane", summary.jobs_by_group.by_lane, Object.fromEntries([...expected.byLane].sort()));
  same("by tenant × lane", summary.jobs_by_group.by_tenant_lane, Object.fromEntries([...expected.byPair].sort()));
  same("latency pairs", Object.keys(summary.latency_ms.by_tenant_lane), [...expected.pairLatencies.keys()].sort());
  for (const [pair, values] of expected.pairLatencies) {
    const reported = summary.latency_ms.by_tenant_lane[pair];
    same(`${pair} count`, reported?.count, values.length);
    for (const percent of [50, 95, 99] as const) same(`${pair} P${percent}`, reported?.[`p${percent}`], naivePercentile(values, percent));
  }
  same("window", summary.arrival_window.duration_ms, expected.windowMs);
  same("window completed", summary.arrival_window.jobs_completed, expected.windowCompleted);
  same("window throughput", summary.arrival_window.throughput_jobs_per_s, (expected.windowCompleted * 1000) / expected.windowMs);
  for (const [resource, utilization] of expected.windowUtilization) {
    const reported = summary.arrival_window.utilization[resource] ?? Number.NaN;
    if (!(Math.abs(reported - utilization) <= 1e-9)) found.push(`window utilization ${resource}: ${reported} ≠ ${utilization}`);
  }
  return found;
}

/** The default scenario, shorter, with job cancellations, and errors frequent enough to fail some jobs. */
function cancelingScenario(): Scenario {
  const file = JSON.parse(readFileSync(new URL("../../scenarios/default.json", import.meta.url), "utf8")) as Record<string, unknown>;
  const providers = (file.providers as Record<string, unknown>[]).map((provider) => ({ ...provider, error_rate: 0.3 }));
  return scenarioFrom({
    ...file,
    providers,
    stop: { jobs: 600 },
    faults: { job_cancel_rate: 0.05, cancel_after_ms: { kind: "uniform", min: 0, max: 20_000 } },
  });
}

const scenario = cancelingScenario();
const runs = scenario.policies.slice(0, 2).map((policy) => runLogged(scenario, 4, policy));

/**
 * Planted bugs: a canceled job counted as failed, a window that never moves past the first arrival, and a window
 * that forgets the capacity held by leases still open at the arrival.
 */
class CanceledAsFailed extends OutcomeCounts {
  override finished(tenant: number, lane: number, status: "completed" | "failed" | "canceled"): void {
    super.finished(tenant, lane, status === "canceled" ? "failed" : status);
  }
}
class WindowStuckAtFirstArrival extends ArrivalWindow {
  private moved = false;
  override arrival(timeMs: number, completedSoFar: number, resources: ReadonlyMap<string, HeldIntegral>): void {
    if (this.moved) return;
    this.moved = true;
    super.arrival(timeMs, completedSoFar, resources);
  }
}
class WindowForgetsOpenLeases extends ArrivalWindow {
  override arrival(timeMs: number, completedSoFar: number, resources: ReadonlyMap<string, HeldIntegral>): void {
    const closedOnly = new Map([...resources].map(([key, use]) => [key, { ...use, held: 0 }]));
    super.arrival(timeMs, completedSoFar, closedOnly);
  }
}
const MUTANTS = {
  CanceledAsFailed: () => new MetricsCollector(undefined, { outcomes: new CanceledAsFailed() }),
  WindowStuckAtFirstArrival: () => new MetricsCollector(undefined, { arrivalWindow: new WindowStuckAtFirstArrival() }),
  WindowForgetsOpenLeases: () => new MetricsCollector(undefined, { arrivalWindow: new WindowForgetsOpenLeases() }),
};

describe("breakdown figures recomputed from the event log", () => {
  it("the runs exercise what is checked: several tenants and lanes, failures, cancellations, arrivals that stop", () => {
    const all = runs.flatMap((run) => run.events);
    const statuses = new Set(eventsOfType(all, "job_finished").map((event) => event.status));
    expect([...statuses].sort()).toEqual(["canceled", "completed", "failed"]);
    for (const { summary } of runs) {
      expect(Object.keys(summary.jobs_by_group.by_tenant).length).toBeGreaterThan(1);
      expect(summary.arrival_window.duration_ms).toBeLessThan(summary.makespan_ms);
    }
  });

  it.each(runs.map((run, index) => [index, run] as const))("run %i: outcomes, tenant × lane latency and the arrival window agree", (_, run) => {
    expect(disagreements(run.summary, run.events)).toEqual([]);
  });

  it("steady-state utilization is not the whole-run one: the drain after the last arrival lowers the latter", () => {
    for (const { summary } of runs) {
      const provider = "provider:smart";
      expect(summary.arrival_window.utilization[provider]).toBeGreaterThan(summary.utilization[provider] as number);
    }
  });

  it.each(Object.keys(MUTANTS) as (keyof typeof MUTANTS)[])("catches the planted bug %s", (mutant) => {
    const found = runs.flatMap(({ events }) => disagreements(MUTANTS[mutant]().replay(events).summary(), events));
    expect(found.length).toBeGreaterThan(0);
  });
});
