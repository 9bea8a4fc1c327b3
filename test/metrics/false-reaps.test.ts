// False reaps (reaped workers that had not stalled) recomputed from the event log with naive code, on a run
// with stalls, reaps of working workers and retried tasks (so a task has several workers); and planted bugs in
// the counter, each of which the recompute must catch.

import { describe, expect, it } from "vitest";
import type { LoggedEvent } from "../../src/eventlog/events.ts";
import { MetricsCollector } from "../../src/metrics/collector.ts";
import { ReapCounter } from "../../src/metrics/reaps.ts";
import { readFileSync } from "node:fs";
import { loadScenario } from "../../src/scenario/load.ts";
import { runLogged, scenarioFrom } from "../helpers.ts";

const FIXTURE = new URL("../scenario/fixtures/false-reaps.json", import.meta.url).pathname;

/** For each reap: the worker the task last spawned before it, and whether that worker ever logged a stall. */
function naiveReaps(events: readonly LoggedEvent[]): { reaped: number; false_reaps: number } {
  let reaped = 0;
  let falseReaps = 0;
  events.forEach((event, index) => {
    if (event.type !== "worker_stop_requested" || event.reason !== "reaped") return;
    reaped += 1;
    const spawned = events.slice(0, index).filter((earlier) => earlier.type === "worker_spawned" && earlier.task === event.task);
    const worker = spawned.length === 0 ? undefined : (spawned[spawned.length - 1] as Extract<LoggedEvent, { type: "worker_spawned" }>).worker;
    const stalled = events.some((other) => other.type === "worker_stalled" && other.worker === worker);
    if (!stalled) falseReaps += 1;
  });
  return { reaped, false_reaps: falseReaps };
}

/** The fixture with fewer jobs, more stalls and retried tasks: a reaped task runs again in a new worker. */
function retryingRun(): { events: LoggedEvent[]; counts: { reaped: number; false_reaps: number } } {
  const file = JSON.parse(readFileSync(FIXTURE, "utf8")) as Record<string, unknown> & { policies: Record<string, unknown>[] };
  file.stop = { jobs: 120 };
  file.workers = { stall_rate: 0.2 };
  // Cancellations stop workers for another reason than a reap.
  file.faults = { job_cancel_rate: 0.1, cancel_after_ms: { kind: "exponential", mean: 30000 } };
  file.policies = [{ ...file.policies[0], task_failure: { strategy: "retry", max_retries: 3 } }];
  const { summary, events } = runLogged(scenarioFrom(file), 5);
  return { events, counts: { reaped: summary.scheduler.reaped, false_reaps: summary.scheduler.false_reaps } };
}

/** Never forgets a stall: a task whose first worker stalled has every later reap counted as true. */
class StallSticksToTask extends ReapCounter {
  override forget(): void {}
}

/** Takes every stop request for a reap. */
class CountsEveryStop extends ReapCounter {
  override stopRequested(task: number): void {
    super.stopRequested(task, "reaped");
  }
}

/** Calls every reap false, as if no worker ever stalled. */
class IgnoresStalls extends ReapCounter {
  override workerStalled(): void {}
}

function countsWith(counter: () => ReapCounter, events: readonly LoggedEvent[]): { reaped: number; false_reaps: number } {
  const scheduler = new MetricsCollector(undefined, { reaps: counter() }).replay(events).summary().scheduler;
  return { reaped: scheduler.reaped, false_reaps: scheduler.false_reaps };
}

describe("false reaps", () => {
  const run = retryingRun();

  it("match a naive recompute from the log, on a run with true reaps, false reaps and respawned tasks", () => {
    const naive = naiveReaps(run.events);
    expect(run.counts).toEqual(naive);
    expect(naive.false_reaps).toBeGreaterThan(0);
    expect(naive.reaped - naive.false_reaps).toBeGreaterThan(0);
    const respawned = new Set<number>();
    const seen = new Set<number>();
    for (const event of run.events) {
      if (event.type !== "worker_spawned") continue;
      if (seen.has(event.task)) respawned.add(event.task);
      seen.add(event.task);
    }
    expect(respawned.size).toBeGreaterThan(0);
  });

  it("are what the issue's silent case showed: the fixture's reaper stops far more working workers than stalled ones", () => {
    const { summary } = runLogged(loadScenario(FIXTURE), 3);
    expect(summary.scheduler.reaped).toBeGreaterThan(0);
    expect(summary.scheduler.false_reaps).toBeGreaterThan(summary.scheduler.reaped / 2);
    expect(summary.scheduler.reaped - summary.scheduler.false_reaps).toBe(summary.scheduler.zombies);
  });

  it.each([
    ["StallSticksToTask", () => new StallSticksToTask()],
    ["CountsEveryStop", () => new CountsEveryStop()],
    ["IgnoresStalls", () => new IgnoresStalls()],
  ])("catch the planted bug %s", (_name, counter) => {
    expect(run.events.some((event) => event.type === "worker_stop_requested" && event.reason !== "reaped")).toBe(true);
    expect(countsWith(counter, run.events)).not.toEqual(naiveReaps(run.events));
  });
});
