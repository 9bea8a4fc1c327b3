// Traces mixed with synthetic load, and with each other: the mixed run's arrivals are exactly the union of
// the runs of each source alone (same times, same templates), so mixing changes contention, never the jobs.

import { describe, expect, it } from "vitest";
import type { Scenario } from "../../src/scenario/types.ts";
import { checkScenarioText } from "../../src/scenario/load.ts";
import { eventsOfType, minimalScenarioFile, repositoryScenario, runLogged } from "../helpers.ts";

/** Each job's arrival as `time template`, in the order of the log. */
function arrivals(scenario: Scenario): string[] {
  return eventsOfType(runLogged(scenario, 1).events, "job_arrived").map((event) => `${event.t} ${event.template}`);
}

/** The mixed run's arrivals are the two sources' runs merged: the same multiset, in time order. */
function isMergeOf(mixed: readonly string[], first: readonly string[], second: readonly string[]): boolean {
  const sorted = (list: readonly string[]): string[] => [...list].sort();
  const timesInOrder = mixed.every((entry, index) => index === 0 || Number(entry.split(" ")[0]) >= Number((mixed[index - 1] as string).split(" ")[0]));
  return timesInOrder && JSON.stringify(sorted(mixed)) === JSON.stringify(sorted([...first, ...second]));
}

const mixed = repositoryScenario("mixed-trace");
const traceOnly: Scenario = { ...mixed, arrivals: undefined };
const syntheticOnly: Scenario = { ...mixed, traces: [] };

describe("mixing traces with synthetic load", () => {
  it("the mixed run's arrivals are the trace's and the synthetic load's, unchanged", () => {
    const trace = arrivals(traceOnly);
    const synthetic = arrivals(syntheticOnly);
    expect(trace.length).toBe(240);
    expect(synthetic.length).toBeGreaterThan(20);
    expect(isMergeOf(arrivals(mixed), trace, synthetic)).toBe(true);
  });

  it("the check fails when one source's arrivals move (the trace replayed 1% faster)", () => {
    const [trace] = mixed.traces;
    if (trace === undefined) throw new Error("mixed-trace has no trace");
    const moved = arrivals({ ...mixed, traces: [{ ...trace, rateScale: 1.01 }] });
    expect(isMergeOf(moved, arrivals(traceOnly), arrivals(syntheticOnly))).toBe(false);
  });

  it("several traces mix with each other the same way", () => {
    const other = repositoryScenario("mooncake-trace");
    const [first] = mixed.traces;
    const [second] = other.traces;
    if (first === undefined || second === undefined) throw new Error("a sample scenario lost its trace");
    const base: Scenario = { ...mixed, arrivals: undefined, stop: { jobs: undefined, durationMs: undefined }, templates: [...mixed.templates, ...other.templates], providers: [...mixed.providers, ...other.providers] };
    const both = arrivals({ ...base, traces: [first, second] });
    expect(both.length).toBe(440);
    expect(isMergeOf(both, arrivals({ ...base, traces: [first] }), arrivals({ ...base, traces: [second] }))).toBe(true);
  });

  it("arrivals.templates keeps synthetic jobs to the templates it names, which must exist", () => {
    expect(new Set(arrivals(syntheticOnly).map((entry) => entry.split(" ")[1]))).toEqual(new Set(["batch-agent"]));
    const file = minimalScenarioFile();
    file.arrivals = { rate_per_second: 1, templates: ["tt"] };
    expect(checkScenarioText(JSON.stringify(file), "x.json").errors[0]).toEqual({ path: "arrivals.templates[0]", message: 'no template is named "tt"; did you mean "t"? (have: t)', origin: "x.json" });
  });

  it("stop.jobs caps the jobs of every source together", () => {
    expect(arrivals({ ...mixed, stop: { jobs: 50, durationMs: undefined } }).length).toBe(50);
  });
});
