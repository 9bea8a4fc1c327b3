// The log checker on short hand-written logs: a correct lifecycle passes, and each way of breaking the lease
// contract is reported under the property it breaks, so a property the swarm relies on cannot be silently inert.

import { describe, expect, it } from "vitest";
import { LogChecker, PROPERTIES, type Property } from "../../src/check/log-properties.ts";
import type { LogEvent } from "../../src/eventlog/events.ts";

const CAPACITIES = { "provider:p": 1 };

function start(admission: "lease" | "spawn_then_wait" | "reject_backoff" = "lease"): LogEvent {
  return { type: "run_started", scenario: "s", policy: "p", seed: 1, capacities: CAPACITIES, admission, prices: {} };
}

const arrive = (job: number): LogEvent => ({ type: "job_arrived", job, lane: "batch", tenant: "t", mode: "mention", template: "t", tasks: 1 });
const ready = (task: number, job = task): LogEvent => ({ type: "task_ready", task, job, role: "call" });
const acquire = (lease: number, task: number): LogEvent => ({ type: "lease_acquired", lease, task, resources: { "provider:p": 1 } });
const spawned = (task: number, worker = task): LogEvent => ({ type: "worker_spawned", task, worker });
const release = (lease: number, task: number, reason: "success" | "cancel" = "success", result: "released" | "duplicate" | "unknown" = "released"): LogEvent => ({
  type: "lease_released",
  lease,
  task,
  reason,
  result,
});
const taskDone = (task: number, status: "completed" | "canceled" = "completed", job = task): LogEvent => ({ type: "task_finished", task, job, status });
const jobDone = (job: number, status: "completed" | "canceled" = "completed"): LogEvent => ({ type: "job_finished", job, status });
const finish: LogEvent = { type: "run_finished", makespan_ms: 10, events: 0 };
const requestStarted = (task: number, request: number): LogEvent => ({ type: "request_started", task, provider: "p", request, attempt: 1, tokens: 10, input_tokens: 5 });
const requestFinished = (task: number, request: number): LogEvent => ({ type: "request_finished", task, provider: "p", request, status: "ok", output_tokens: 5 });
const circuit = (state: "open" | "half_open" | "closed", probes?: number): LogEvent => ({
  type: "circuit_state_changed",
  provider: "p",
  state,
  reason: "test",
  ...(probes === undefined ? {} : { probes }),
});

/** One job, one task, run to success: the shape every planted log below breaks in one place. */
const HAPPY: readonly LogEvent[] = [start(), arrive(1), ready(1), acquire(1, 1), spawned(1), release(1, 1), taskDone(1), jobDone(1), finish];

function violated(events: readonly LogEvent[]): Property[] {
  const checker = new LogChecker();
  events.forEach((event, seq) => checker.record(seq, seq, event));
  return [...new Set(checker.violations().map((violation) => violation.property))];
}

/** The happy log with `remove` events from index `at` replaced by `events`. */
function planted(at: number, remove: number, ...events: LogEvent[]): LogEvent[] {
  const copy = [...HAPPY];
  copy.splice(at, remove, ...events);
  return copy;
}

/** Each: a log that breaks the contract in one way, and the property that must report it. */
const PLANTED: readonly [string, readonly LogEvent[], Property][] = [
  ["a second lease while the first is held", planted(5, 0, acquire(2, 2)), "capacity_never_exceeded"],
  ["a lease never released", planted(5, 1), "lease_released_exactly_once"],
  ["a lease released twice, both counted", planted(6, 0, release(1, 1)), "lease_released_exactly_once"],
  ["a second release the ledger refused as duplicate", planted(6, 0, release(1, 1, "success", "duplicate")), "lease_released_exactly_once"],
  ["a release of a lease the ledger does not know", planted(6, 0, release(9, 1, "success", "unknown")), "lease_released_exactly_once"],
  [
    "a release between the stop request and the worker stopping",
    planted(5, 1, { type: "worker_stop_requested", task: 1, reason: "cancel" }, release(1, 1, "cancel"), { type: "worker_stopped", task: 1, worker: 1 }),
    "lease_held_until_worker_stops",
  ],
  ["a worker spawned before its task held a lease", [start(), arrive(1), ready(1), spawned(1), acquire(1, 1), release(1, 1), taskDone(1), jobDone(1), finish], "no_hidden_waiters"],
  ["a worker that reports waiting for capacity", planted(5, 0, { type: "worker_wait_started", task: 1, worker: 1, resource: "provider:p" }), "no_hidden_waiters"],
  ["a job that never finishes", planted(7, 1), "nothing_lost"],
  ["a ready task that never finishes", planted(6, 1), "nothing_lost"],
  ["a log cut off before run_finished", HAPPY.slice(0, -1), "nothing_lost"],
  ["a job completed although its task failed", planted(6, 1, { type: "task_finished", task: 1, job: 1, status: "failed" }), "job_status_consistent"],
  ["two requests in flight to a provider whose limit is 1", planted(5, 0, requestStarted(1, 1), requestStarted(1, 2), requestFinished(1, 1), requestFinished(1, 2)), "requests_within_limit"],
  ["a request through an open circuit", planted(5, 0, circuit("open"), requestStarted(1, 1), requestFinished(1, 1)), "breaker_sends_only_probes"],
  [
    "a second probe of a half-open circuit that allows one",
    planted(5, 0, circuit("open"), circuit("half_open", 1), requestStarted(1, 1), requestFinished(1, 1), requestStarted(1, 2), requestFinished(1, 2)),
    "breaker_sends_only_probes",
  ],
  [
    "a context larger than its session's window",
    planted(
      5,
      0,
      { type: "session_started", session: 1, turns: 1, window_tokens: 100, context: "sliding_window" },
      { type: "context_assembled", session: 1, turn: 0, tokens: 101, store_segments: 0, store_tokens: 0 },
    ),
    "context_within_window",
  ],
];

describe("LogChecker", () => {
  it("passes a correct lifecycle, and a stop that releases only after the worker stopped", () => {
    expect(violated(HAPPY)).toEqual([]);
    const canceled = [
      start(),
      arrive(1),
      ready(1),
      acquire(1, 1),
      spawned(1),
      { type: "job_cancel_requested", job: 1 },
      { type: "worker_stop_requested", task: 1, reason: "cancel" },
      { type: "worker_stopped", task: 1, worker: 1 },
      release(1, 1, "cancel"),
      taskDone(1, "canceled"),
      jobDone(1, "canceled"),
      finish,
    ] satisfies LogEvent[];
    expect(violated(canceled)).toEqual([]);
  });

  it.each(PLANTED)("reports %s", (_name, events, property) => {
    expect(violated(events)).toContain(property);
  });

  it("has a planted log above for every property the log alone can show", () => {
    // nothing_held_at_end is also the ledger's own count after the run; swarm.test.ts plants that one.
    const planted = new Set(PLANTED.map(([, , property]) => property));
    expect(PROPERTIES.filter((property) => !planted.has(property))).toEqual(["nothing_held_at_end"]);
  });


  it("checks leases against the limit in force: a lowered limit refuses new leases and revokes none", () => {
    const twoSlots: LogEvent = { type: "run_started", scenario: "s", policy: "p", seed: 1, capacities: { "provider:p": 2 }, admission: "lease", prices: {} };
    const lowered: LogEvent = { type: "limit_changed", resource: "provider:p", limit: 1, reason: "aimd_decrease" };
    const twoHeld = [twoSlots, arrive(1), arrive(2), ready(1), ready(2), acquire(1, 1), acquire(2, 2)];
    const end = [release(1, 1), release(2, 2), taskDone(1), taskDone(2), jobDone(1), jobDone(2), finish];
    // Held 2 when the limit drops to 1: nothing is violated by what was granted before.
    expect(violated([...twoHeld, lowered, ...end])).toEqual([]);
    // The same second lease granted after the drop is.
    expect(violated([twoSlots, arrive(1), arrive(2), ready(1), ready(2), acquire(1, 1), lowered, acquire(2, 2), ...end])).toEqual(["capacity_never_exceeded"]);
    // Raised back, room again.
    const raised: LogEvent = { type: "limit_changed", resource: "provider:p", limit: 2, reason: "aimd_increase" };
    expect(violated([twoSlots, arrive(1), arrive(2), ready(1), ready(2), acquire(1, 1), lowered, raised, acquire(2, 2), ...end])).toEqual([]);
  });

  it("gives an aborted probe's place back, and a closed circuit sends freely", () => {
    const probes = [circuit("open"), circuit("half_open", 1), requestStarted(1, 1), { type: "request_aborted", task: 1, provider: "p", request: 1 } satisfies LogEvent];
    expect(violated(planted(5, 0, ...probes, requestStarted(1, 2), requestFinished(1, 2)))).toEqual([]);
    expect(violated(planted(5, 0, circuit("open"), circuit("closed"), requestStarted(1, 1), requestFinished(1, 1), requestStarted(1, 2), requestFinished(1, 2)))).toEqual([]);
  });

  it("accepts, under spawn_then_wait, a worker that spawns first and then waits: that design's hidden waiters are a finding", () => {
    const events = [
      start("spawn_then_wait"),
      arrive(1),
      ready(1),
      spawned(1),
      { type: "worker_wait_started", task: 1, worker: 1, resource: "provider:p" },
      acquire(1, 1),
      { type: "worker_wait_ended", task: 1, worker: 1, resource: "provider:p" },
      release(1, 1),
      taskDone(1),
      jobDone(1),
      finish,
    ] satisfies LogEvent[];
    const checker = new LogChecker();
    events.forEach((event, seq) => checker.record(seq, seq, event));
    expect(checker.violations()).toEqual([]);
    expect(checker.hiddenWaiters).toBe(1);
    // The same log from a policy claiming to lease before spawning is a violation, and so under reject_backoff.
    expect(violated([start("lease"), ...events.slice(1)])).toEqual(["no_hidden_waiters"]);
    expect(violated([start("reject_backoff"), ...events.slice(1)])).toEqual(["no_hidden_waiters"]);
  });
});
