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
  [
    "mlfq, yield between calls",
    { queue: { kind: "mlfq", quantum_base: 300 }, yield_between_calls: true },
    {
      templates: [
        { name: "t", provider: "p", shape: { kind: "fanout", width: 3 }, calls_per_task: 3, input_tokens: 100, output_tokens: 50, max_output_tokens: 100 },
      ],
    },
  ],
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

  it("a worker crash aborts its request, fails the task, and releases its lease once", () => {
    const file = faultyFile({ task_failure: { strategy: "retry", max_retries: 1 } });
    (file.workers as Record<string, unknown>).crash_rate = 0.2;
    const { events, summary } = runLogged(scenarioFrom(file), 3);
    const crashes = eventsOfType(events, "worker_crashed");
    expect(crashes.length).toBeGreaterThan(10);
    expect(summary.scheduler.worker_crashes).toBe(crashes.length);
    expect(leaseViolations(events)).toEqual([]);
    for (const crash of crashes) {
      const next = events.filter((event) => event.seq > crash.seq && "task" in event && event.task === crash.task);
      const release = next.find((event) => event.type === "lease_released");
      if (release?.type !== "lease_released") throw new Error(`crashed task ${crash.task} was never released`);
      expect(["retry", "failure"]).toContain(release.reason);
      expect(next.some((event) => event.type === "request_finished" && event.seq < release.seq)).toBe(false);
    }
  });

  it("a latency spike slows the requests started in its window, and only those", () => {
    const spiked = (spikes: unknown[]): Record<string, unknown> => {
      // No reaper or timeout: they would stop the slowest requests, the ones the spike makes.
      const file = faultyFile({ reap_after_ms: undefined, task_timeout_ms: undefined });
      file.providers = [{ ...(file.providers as Record<string, unknown>[])[0], error_rate: 0, timeout_rate: 0, timeout_ms: 600_000, latency_spikes: spikes }];
      file.workers = {};
      file.faults = {};
      return file;
    };
    const run = (file: Record<string, unknown>) => {
      const { events } = runLogged(scenarioFrom(file), 5);
      const started = eventsOfType(events, "request_started");
      const startedAt = new Map(started.map((event) => [event.request, event.t]));
      const durations = new Map(eventsOfType(events, "request_finished").map((event) => [event.request, event.t - (startedAt.get(event.request) ?? Number.NaN)]));
      return { started, durations };
    };
    const calm = run(spiked([]));
    const slow = run(spiked([{ start_ms: 10_000, end_ms: 20_000, factor: 10 }]));
    // Arrivals and latency draws are the same in both runs: before the window, every request takes exactly as long.
    const early = slow.started.filter((event) => event.t < 10_000);
    expect(early.length).toBeGreaterThan(5);
    for (const request of early) expect(slow.durations.get(request.request)).toBeCloseTo(calm.durations.get(request.request) ?? Number.NaN, 6);
    // In the window, time to first token is ten times longer (decode time is not): requests take several times as long.
    const inWindow = slow.started.filter((event) => event.t >= 10_000 && event.t < 20_000).map((event) => slow.durations.get(event.request) ?? 0);
    expect(inWindow.length).toBeGreaterThan(5);
    const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean(inWindow) / mean([...calm.durations.values()])).toBeGreaterThan(3);
  });

  it("the simulated operator resumes an ask pause at most max_retries times, then cancels: a task that always fails cannot run forever", () => {
    const file = minimalScenarioFile();
    file.stop = { jobs: 5 };
    file.policies = [{ name: "ask", task_failure: { strategy: "ask", max_retries: 2 }, ask: { answer: "resume", after_ms: 100 }, token_budget: { tokens_per_task: 10, enforcement: "hard" } }];
    const { events, summary } = runLogged(scenarioFrom(file), 1);
    expect(summary.jobs.canceled).toBe(5);
    for (const job of [1, 2, 3, 4, 5]) {
      expect(eventsOfType(events, "job_paused").filter((event) => event.job === job)).toHaveLength(3);
      expect(eventsOfType(events, "job_resumed").filter((event) => event.job === job)).toHaveLength(2);
    }
    expect(leaseViolations(events)).toEqual([]);
  });

  it("a shutdown that cancels refuses later arrivals and cancels what is left", () => {
    const { events, summary } = runLogged(scenarioFrom(faultyFile({}, { shutdown: { at_ms: 20_000, mode: "cancel" } })), 3);
    expect(Math.max(...eventsOfType(events, "job_arrived").map((event) => event.t))).toBeLessThan(20_000);
    expect(summary.jobs.canceled).toBeGreaterThan(0);
    expect(summary.leases.reasons.shutdown).toBeGreaterThan(0);
  });
});
