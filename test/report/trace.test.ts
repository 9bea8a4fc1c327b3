// The --trace file checked against the Chrome trace-event format as Perfetto reads it: the JSON shape of every
// event, slices properly nested on each track, every request slice inside its task's lease slice on the same
// track, and one slice per lease, request and job, one 429 instant per rate-limited request. Perfetto's UI needs
// the network, which this machine does not have; these are the rules its JSON importer applies. Planted bugs in
// the builder must each be caught.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { LoggedEvent } from "../../src/eventlog/events.ts";
import { runOnce } from "../../src/experiment/run.ts";
import { TraceBuilder, type TraceEvent } from "../../src/report/trace.ts";
import type { Scenario } from "../../src/scenario/types.ts";
import { eventsOfType, repositoryScenario, runLogged } from "../helpers.ts";

const PHASES = new Set(["X", "i", "C", "M"]);
const METADATA = new Set(["process_name", "process_sort_index", "thread_name", "thread_sort_index"]);

/** Every way a trace breaks the format or disagrees with its log; empty when it is sound. */
function traceProblems(trace: unknown, events: readonly LoggedEvent[]): string[] {
  const problems: string[] = [];
  const traceEvents = (trace as { traceEvents?: unknown }).traceEvents;
  if (!Array.isArray(traceEvents)) return ["no traceEvents array"];
  const slices = new Map<string, TraceEvent[]>();
  for (const raw of traceEvents as TraceEvent[]) {
    const where = JSON.stringify(raw).slice(0, 120);
    if (!PHASES.has(raw.ph)) problems.push(`unknown phase: ${where}`);
    if (typeof raw.name !== "string" || !Number.isInteger(raw.pid) || !Number.isInteger(raw.tid)) problems.push(`name, pid or tid: ${where}`);
    if (!Number.isInteger(raw.ts) || raw.ts < 0) problems.push(`ts not whole microseconds ≥ 0: ${where}`);
    if (raw.ph === "X") {
      if (!Number.isInteger(raw.dur) || (raw.dur as number) < 0) problems.push(`X without dur ≥ 0: ${where}`);
      const track = `${raw.pid}/${raw.tid}`;
      slices.set(track, [...(slices.get(track) ?? []), raw]);
    }
    if (raw.ph === "i" && !["t", "p", "g"].includes(raw.s ?? "")) problems.push(`instant scope: ${where}`);
    if (raw.ph === "C" && !Object.values(raw.args ?? {}).every((value) => typeof value === "number")) problems.push(`counter args: ${where}`);
    if (raw.ph === "M" && (!METADATA.has(raw.name) || raw.args === undefined)) problems.push(`metadata: ${where}`);
  }
  for (const [track, onTrack] of slices) problems.push(...nestingProblems(track, onTrack));
  problems.push(...containmentProblems([...slices.values()].flat()));
  problems.push(...countProblems(traceEvents as TraceEvent[], events));
  return problems;
}

/** Slices of one track either nest or are disjoint: sorted by start (longer first), each ends by its parent's end. */
function nestingProblems(track: string, onTrack: readonly TraceEvent[]): string[] {
  const sorted = [...onTrack].sort((a, b) => a.ts - b.ts || (b.dur as number) - (a.dur as number));
  const open: TraceEvent[] = [];
  for (const slice of sorted) {
    const endOf = (event: TraceEvent): number => event.ts + (event.dur as number);
    while (open.length > 0 && endOf(open.at(-1) as TraceEvent) <= slice.ts) open.pop();
    const parent = open.at(-1);
    if (parent !== undefined && slice.ts + (slice.dur as number) > parent.ts + (parent.dur as number)) {
      return [`track ${track}: "${slice.name}" [${slice.ts}, +${slice.dur}] overlaps "${parent.name}" [${parent.ts}, +${parent.dur}]`];
    }
    open.push(slice);
  }
  return [];
}

/** Each request slice lies inside the slice of a lease of its task, on the same track. */
function containmentProblems(allSlices: readonly TraceEvent[]): string[] {
  const leasesByTask = new Map<number, TraceEvent[]>();
  for (const slice of allSlices) {
    if (slice.cat === "request" || slice.args?.lease === undefined) continue;
    const task = slice.args.task as number;
    leasesByTask.set(task, [...(leasesByTask.get(task) ?? []), slice]);
  }
  const problems: string[] = [];
  for (const request of allSlices.filter((slice) => slice.cat === "request")) {
    const inside = (leasesByTask.get(request.args?.task as number) ?? []).some(
      (lease) => lease.pid === request.pid && lease.tid === request.tid && lease.ts <= request.ts && request.ts + (request.dur as number) <= lease.ts + (lease.dur as number),
    );
    if (!inside) problems.push(`"${request.name}" of task ${request.args?.task} is not inside a lease slice of its task`);
  }
  return problems;
}

function countProblems(traceEvents: readonly TraceEvent[], events: readonly LoggedEvent[]): string[] {
  const count = (predicate: (event: TraceEvent) => boolean): number => traceEvents.filter(predicate).length;
  const expected: [string, number, number][] = [
    ["lease slices", count((event) => event.ph === "X" && event.args?.lease !== undefined), eventsOfType(events, "lease_released").filter((event) => event.result === "released").length],
    ["request slices", count((event) => event.ph === "X" && event.cat === "request"), eventsOfType(events, "request_started").length],
    ["job slices", count((event) => event.ph === "X" && event.args?.job !== undefined && event.args.tenant !== undefined), eventsOfType(events, "job_arrived").length],
    ["429 instants", count((event) => event.ph === "i" && event.name === "429"), eventsOfType(events, "request_finished").filter((event) => event.status === "rate_limited").length],
    ["yield instants", count((event) => event.ph === "i" && event.name === "yield"), eventsOfType(events, "task_yielded").length],
  ];
  return expected.filter(([, actual, wanted]) => actual !== wanted).map(([what, actual, wanted]) => `${what}: ${actual}, log says ${wanted}`);
}

function traceOf(events: readonly LoggedEvent[], builder: (emit: (event: TraceEvent) => void) => TraceBuilder = (emit) => new TraceBuilder(emit)): unknown {
  const traceEvents: TraceEvent[] = [];
  const sink = builder((event) => traceEvents.push(event));
  for (const event of events) sink.record(event.seq, event.t, event);
  return { traceEvents };
}

/** Planted bugs: every slice on a pool's first row, and a request slice that starts when it ends. */
class OneRowPerPool extends TraceBuilder {
  protected override takeRow(pool: Parameters<TraceBuilder["takeRow"]>[0]): number {
    super.takeRow(pool);
    return 0;
  }
}
class RequestsStartAtTheEnd extends TraceBuilder {
  protected override requestSlice(...args: Parameters<TraceBuilder["requestSlice"]>): TraceEvent {
    const slice = super.requestSlice(...args);
    return { ...slice, ts: slice.ts + (slice.dur as number) + 1, dur: 0 };
  }
}

/** A scenario whose log has 429s, yields and reaps: agent-lanes yields between calls; stalls make zombies. */
function yieldingScenario(): Scenario {
  const scenario = repositoryScenario("agent-lanes");
  return { ...scenario, stop: { jobs: 300, durationMs: undefined }, workers: { ...scenario.workers, stallRate: 0.02 } };
}

const folder = mkdtempSync(join(tmpdir(), "schedlab-trace-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe("the --trace file", () => {
  const scenario = repositoryScenario("default");
  const policy = scenario.policies[1] ?? scenario.policies[0];
  if (policy === undefined) throw new Error("no policy");

  it("written during a run, it is trace-event JSON whose slices nest and whose requests lie inside their leases", () => {
    const file = join(folder, "trace.json");
    const { events } = runLogged(scenario, 3, policy);
    runOnce({ scenario, policy, seed: 3, traceFile: file });
    const trace = JSON.parse(readFileSync(file, "utf8")) as unknown;
    expect(traceProblems(trace, events)).toEqual([]);
    const names = (trace as { traceEvents: TraceEvent[] }).traceEvents.filter((event) => event.name === "thread_name").map((event) => event.args?.name);
    expect(names).toContain("slot 1");
    expect(eventsOfType(events, "request_finished").some((event) => event.status === "rate_limited")).toBe(true);
  });

  it("holds for a run with yields and zombies reaped, and draws them as instants", () => {
    const yielding = yieldingScenario();
    const yieldPolicy = yielding.policies.find((candidate) => candidate.yieldBetweenCalls && candidate.reapAfterMs !== undefined) ?? yielding.policies.find((candidate) => candidate.yieldBetweenCalls);
    if (yieldPolicy === undefined) throw new Error("agent-lanes has no yielding policy");
    const { events } = runLogged(yielding, 1, { ...yieldPolicy, reapAfterMs: yieldPolicy.reapAfterMs ?? 30_000 });
    expect(eventsOfType(events, "task_yielded").length).toBeGreaterThan(0);
    const trace = traceOf(events) as { traceEvents: TraceEvent[] };
    expect(traceProblems(trace, events)).toEqual([]);
    expect(eventsOfType(events, "worker_stop_requested").some((event) => event.reason === "reaped")).toBe(true);
    expect(trace.traceEvents.some((event) => event.name === "reaped")).toBe(true);
  });

  it("draws limit changes as counters and breaker changes as instants of the provider", () => {
    const trace = traceOf([
      { seq: 0, t: 0, type: "run_started", scenario: "s", policy: "p", seed: 1, capacities: { "provider:fast": 12 }, admission: "lease", prices: {} },
      { seq: 1, t: 5, type: "limit_changed", resource: "provider:fast", limit: 6, reason: "429" },
      { seq: 2, t: 6, type: "circuit_state_changed", provider: "fast", state: "open", reason: "test" },
      { seq: 3, t: 7, type: "run_finished", makespan_ms: 7, events: 4 },
    ] as unknown as LoggedEvent[]) as { traceEvents: TraceEvent[] };
    expect(trace.traceEvents).toContainEqual({ ph: "C", name: "limit provider:fast", pid: 3, tid: 0, ts: 5000, args: { limit: 6 } });
    expect(trace.traceEvents).toContainEqual({ ph: "i", s: "p", name: "circuit open", pid: 3, tid: 0, ts: 6000, args: { provider: "fast" } });
  });

  it.each([
    ["OneRowPerPool", (emit: (event: TraceEvent) => void) => new OneRowPerPool(emit)],
    ["RequestsStartAtTheEnd", (emit: (event: TraceEvent) => void) => new RequestsStartAtTheEnd(emit)],
  ] as const)("catches the planted bug %s", (_, builder) => {
    const { events } = runLogged(scenario, 3, policy);
    expect(traceProblems(traceOf(events, builder), events).length).toBeGreaterThan(0);
  });
});
