// The three admission designs on scenarios/hidden-waiters.json. Hidden waiters and refused spawns are read
// from the event log (the collector, and independently here), never assumed from how a design is built.

import { describe, expect, it } from "vitest";
import type { LoggedEvent } from "../../src/eventlog/events.ts";
import { leaseViolations } from "../lease-checker.ts";
import { eventsOfType, repositoryScenario, runLogged } from "../helpers.ts";

/** The most workers ever between worker_wait_started and worker_wait_ended, counted from raw events. */
function maxHiddenWaiters(events: readonly LoggedEvent[]): number {
  let waiting = 0;
  let most = 0;
  for (const event of events) {
    if (event.type === "worker_wait_started") waiting += 1;
    if (event.type === "worker_wait_ended") waiting -= 1;
    most = Math.max(most, waiting);
  }
  return most;
}

describe("admission designs on the hidden-waiters scenario", () => {
  const scenario = repositoryScenario("hidden-waiters");
  const runs = new Map(
    ["lease", "spawn_then_wait", "reject_backoff"].map((name) => {
      const policy = scenario.policies.find((candidate) => candidate.name === name);
      if (policy === undefined) throw new Error(`hidden-waiters.json has no policy ${name}`);
      return [name, runLogged(scenario, 1, policy)] as const;
    }),
  );
  const run = (name: string) => runs.get(name) as ReturnType<typeof runLogged>;

  it("spawn_then_wait produces hidden waiters; lease and reject_backoff produce none", () => {
    expect(maxHiddenWaiters(run("spawn_then_wait").events)).toBeGreaterThan(0);
    expect(run("spawn_then_wait").summary.hidden_waiters.max).toBe(maxHiddenWaiters(run("spawn_then_wait").events));
    expect(run("spawn_then_wait").summary.hidden_waiters.total_wait_ms).toBeGreaterThan(0);
    for (const name of ["lease", "reject_backoff"]) {
      expect(maxHiddenWaiters(run(name).events)).toBe(0);
      expect(run(name).summary.hidden_waiters.max).toBe(0);
    }
  });

  it("under lease-before-spawn no spawned worker ever waits: every worker's first request follows its lease", () => {
    const { events } = run("lease");
    const spawnedAt = new Map(eventsOfType(events, "worker_spawned").map((event) => [event.task, event.t]));
    const firstRequest = new Map<number, number>();
    for (const event of eventsOfType(events, "request_started")) if (!firstRequest.has(event.task)) firstRequest.set(event.task, event.t);
    for (const [task, spawned] of spawnedAt) expect(firstRequest.get(task)).toBe(spawned);
  });

  it("reject_backoff refuses spawns over the caps", () => {
    const refused = eventsOfType(run("reject_backoff").events, "spawn_refused").length;
    expect(refused).toBeGreaterThan(0);
    expect(run("reject_backoff").summary.scheduler.refused_spawns).toBe(refused);
    expect(run("lease").summary.scheduler.refused_spawns).toBe(0);
  });

  it("hidden waiting shows in the ready-to-lease gap, not in the queue wait", () => {
    const waiting = run("spawn_then_wait").summary;
    expect(waiting.ready_to_lease_gap_ms.mean).toBeGreaterThan(waiting.queue_wait_ms.mean);
    const leased = run("lease").summary;
    expect(leased.ready_to_lease_gap_ms.mean).toBeCloseTo(leased.queue_wait_ms.mean, 6);
  });

  it("every design keeps the lease contract: no over-limit instant, every lease released exactly once", () => {
    for (const [, { events }] of runs) expect(leaseViolations(events)).toEqual([]);
  });
});
