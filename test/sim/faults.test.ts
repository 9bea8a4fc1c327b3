// Whole runs with faults switched on: every terminal path of a task is taken somewhere, and every log keeps
// the lease contract. Each release reason is asserted to occur, so a path that is never exercised fails here.

import { describe, expect, it } from "vitest";
import { RELEASE_REASONS } from "../../src/policies/lease-ledger.ts";
import { leaseViolations } from "../lease-checker.ts";
import { eventsOfType, minimalScenarioFile, runLogged, scenarioFrom } from "../helpers.ts";

function faultyFile(policy: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const file = minimalScenarioFile();
  file.stop = { jobs: 300 };
  file.arrivals = { process: "poisson", rate_per_second: 4 };
  file.providers = [
    {
      name: "p",
      max_concurrent: 4,
      latency: { time_to_first_token_ms: { kind: "exponential", mean: 400 }, decode_tokens_per_second: 100 },
      error_rate: 0.15,
      timeout_rate: 0.02,
      timeout_ms: 5000,
    },
  ];
  file.templates = [{ name: "t", provider: "p", shape: { kind: "fanout", width: 3 }, input_tokens: 100, output_tokens: 50, max_output_tokens: 100 }];
  file.workers = { spawn_ms: 20, stop_ms: { kind: "uniform", min: 10, max: 200 }, spawn_failure_rate: 0.05, stall_rate: 0.03 };
  file.faults = { job_cancel_rate: 0.1, cancel_after_ms: { kind: "uniform", min: 0, max: 3000 }, stale_selection_rate: 0.05 };
  file.policies = [{ name: "policy", global_max_concurrent: 6, reap_after_ms: 4000, task_timeout_ms: 20_000, retry: { max_attempts: 2 }, ...policy }];
  return { ...file, ...extra };
}

const CASES: readonly [string, Record<string, unknown>, Record<string, unknown>][] = [
  ["abort", { task_failure: { strategy: "abort" } }, {}],
  ["retry", { task_failure: { strategy: "retry", max_retries: 2, backoff_base_ms: 200 } }, {}],
  ["skip", { task_failure: { strategy: "skip" } }, {}],
  ["ask, resumed", { task_failure: { strategy: "ask" }, ask: { answer: "resume", after_ms: 1000 } }, {}],
  ["ask, canceled", { task_failure: { strategy: "ask" }, ask: { answer: "cancel", after_ms: 1000 } }, {}],
  ["salvage", { salvage_transient: true }, {}],
  ["spawn_then_wait", { admission: "spawn_then_wait" }, {}],
  ["reject_backoff", { admission: "reject_backoff" }, {}],
  ["shutdown cancel", {}, { shutdown: { at_ms: 40_000, mode: "cancel" } }],
  ["shutdown drain", {}, { shutdown: { at_ms: 40_000, mode: "drain" } }],
  ["short timeout", { task_timeout_ms: 900, reap_after_ms: undefined }, {}],
];

describe("runs under faults keep the lease contract", () => {
  const reasonsSeen = new Set<string>();

  it.each(CASES)("%s: every lease released exactly once, nothing held or lost at the end", (_name, policy, extra) => {
    const { events, summary } = runLogged(scenarioFrom(faultyFile(policy, extra)), 3);
    expect(leaseViolations(events)).toEqual([]);
    expect(summary.leases.unreleased).toBe(0);
    expect(Object.keys(summary.leases.results)).toEqual(["released"]);
    expect(summary.jobs.completed + summary.jobs.failed + summary.jobs.canceled).toBe(summary.jobs.arrived);
    for (const released of eventsOfType(events, "lease_released")) reasonsSeen.add(released.reason);
  });

  it("every release reason occurred in the runs above", () => {
    expect([...reasonsSeen].sort()).toEqual([...RELEASE_REASONS].sort());
  });

  it("a stop releases capacity when the worker has stopped, not when the stop was requested", () => {
    const { events } = runLogged(scenarioFrom(faultyFile({})), 3);
    const requested = eventsOfType(events, "worker_stop_requested");
    expect(requested.length).toBeGreaterThan(0);
    for (const request of requested) {
      const release = eventsOfType(events, "lease_released").find((event) => event.task === request.task && event.seq > request.seq);
      const stopped = events.find((event) => event.type === "worker_stopped" && event.task === request.task && event.seq > request.seq);
      if (release === undefined) throw new Error(`task ${request.task} was never released after its stop request`);
      if (stopped !== undefined) expect(release.seq).toBeGreaterThan(stopped.seq);
    }
  });

  it("a shutdown that cancels refuses later arrivals and cancels what is left", () => {
    const { events, summary } = runLogged(scenarioFrom(faultyFile({}, { shutdown: { at_ms: 20_000, mode: "cancel" } })), 3);
    expect(Math.max(...eventsOfType(events, "job_arrived").map((event) => event.t))).toBeLessThan(20_000);
    expect(summary.jobs.canceled).toBeGreaterThan(0);
    expect(summary.leases.reasons.shutdown).toBeGreaterThan(0);
  });
});
