// A sweep's points: each is the scenario with its values set, checked by the loader, and aggregated exactly as
// `compare` aggregates that scenario; a value the scenario cannot take names its --param.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compare, findRow } from "../../src/experiment/compare.ts";
import { type SweepRequest, pointCount, runSweepCase, sweep, sweepCases, sweepFromRuns, sweepPoints } from "../../src/experiment/sweep.ts";
import { SweepParameterError, parseParameter } from "../../src/experiment/sweep-parameters.ts";
import { loadScenario } from "../../src/scenario/load.ts";

const DEFAULT_FILE = fileURLToPath(new URL("../../scenarios/default.json", import.meta.url));

let folder = "";
let tiny = "";
/** The default scenario cut to 120 jobs, through `extends`, so a sweep also reads an inherited document. */
function writeScenario(name: string, fields: Record<string, unknown>): string {
  const file = join(folder, `${name}.json`);
  writeFileSync(file, JSON.stringify({ extends: relative(folder, DEFAULT_FILE), name: "tiny", stop: { jobs: 120 }, ...fields }));
  return file;
}
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), "schedlab-sweep-"));
  tiny = writeScenario("tiny", {});
});
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

function request(parameters: string[], policies = ["fifo-retry-after", "fifo-fixed-retry"], seeds = [1, 2]): SweepRequest {
  const parsed = parameters.map(parseParameter);
  return { parameters: parsed, points: sweepPoints(tiny, parsed), policies, seeds };
}

describe("sweep", () => {
  it("gives each point the figures compare gives the same scenario written as a file", () => {
    const result = sweep(request(["providers[fast].max_concurrent=4,16"]));
    expect(result.points.map((point) => point.assignments)).toEqual([
      [{ path: "providers[fast].max_concurrent", value: 4 }],
      [{ path: "providers[fast].max_concurrent", value: 16 }],
    ]);
    for (const [index, limit] of [4, 16].entries()) {
      const scenario = loadScenario(writeScenario(`limit-${limit}`, { providers: [{ name: "fast", max_concurrent: limit }] }));
      const policies = ["fifo-retry-after", "fifo-fixed-retry"].map((name) => scenario.policies.find((policy) => policy.name === name)!);
      const expected = compare({ scenario, policies, seeds: [1, 2] });
      const point = result.points[index]!.comparison;
      expect(point.scenario).toEqual(scenario);
      expect(point.results.map((policy) => policy.rows)).toEqual(expected.results.map((policy) => policy.rows));
    }
  }, 60_000);

  it("changes what the swept value changes: a point's figures are not the base scenario's", () => {
    const result = sweep(request(["policies[fifo-retry-after].global_max_concurrent=1,32"], ["fifo-retry-after"], [1]));
    const p95 = result.points.map((point) => findRow(point.comparison.results[0]!, "overall", "all", "latency_ms_p95")!.estimate.mean);
    expect(result.points[0]!.comparison.results[0]!.policy.globalMaxConcurrent).toBe(1);
    expect(p95[0]).toBeGreaterThan(p95[1]! * 2);
  });

  it("runs points × policies × seeds cases, by point, then policy, then seed", () => {
    const swept = request(["arrivals.rate_per_second=1,2", "providers[smart].max_concurrent=8,16,24"], ["fifo-retry-after", "fifo-fixed-retry"], [5, 6]);
    expect(pointCount(swept.parameters)).toBe(6);
    const cases = sweepCases(swept);
    expect(cases).toHaveLength(24);
    expect(cases.slice(0, 5).map((sweepCase) => [sweepCase.point, sweepCase.policy.name, sweepCase.seed])).toEqual([
      [0, "fifo-retry-after", 5],
      [0, "fifo-retry-after", 6],
      [0, "fifo-fixed-retry", 5],
      [0, "fifo-fixed-retry", 6],
      [1, "fifo-retry-after", 5],
    ]);
    expect(swept.points.map((point) => point.assignments.map((assignment) => assignment.value))).toEqual([
      [1, 8], [1, 16], [1, 24], [2, 8], [2, 16], [2, 24],
    ]);
  });

  it("a case is plain data: a structured clone (what a worker thread receives) runs to the same summary", () => {
    const [first] = sweepCases(request(["providers[fast].max_concurrent=8"], ["fifo-retry-after"], [3]));
    expect(runSweepCase(structuredClone(first!))).toEqual(runSweepCase(first!));
  });

  it("refuses summaries handed back out of order (a runner that reorders cases)", () => {
    const swept = request(["providers[fast].max_concurrent=4"], ["fifo-retry-after"], [1, 2]);
    const cases = sweepCases(swept);
    const summaries = sweep(swept).points[0]!.comparison.results[0]!.runs;
    expect(() => sweepFromRuns(swept, cases, [...summaries].reverse())).toThrow(/order of sweepCases/);
  });
});

describe("sweepPoints", () => {
  it("names the --param and the value the scenario cannot take", () => {
    const parameters = [parseParameter("providers[fast].max_concurrent=4,-1")];
    expect(() => sweepPoints(tiny, parameters)).toThrow(SweepParameterError);
    expect(() => sweepPoints(tiny, parameters)).toThrow(/^--param providers\[fast\]\.max_concurrent=-1: providers\[0\]\.max_concurrent: /);
  });

  it("names a field the scenario format does not have", () => {
    expect(() => sweepPoints(tiny, [parseParameter("providers[fast].max_concurent=4")])).toThrow(/^--param providers\[fast\]\.max_concurent=4: .*max_concurrent/);
  });

  it("refuses to sweep the seeds, which --seed and --seeds set for every point", () => {
    expect(() => sweepPoints(tiny, [parseParameter("seeds=2,4")])).toThrow("--param seeds: a sweep runs the same seeds at every point; set them with --seed and --seeds");
  });

  it("refuses two parameters of which one holds the other", () => {
    expect(() => sweepPoints(tiny, [parseParameter("arrivals.rate_per_second=1"), parseParameter('arrivals={"rate_per_second":2}')])).toThrow(/overlaps/);
  });
});
