// Runs too large to finish are refused up front, and the bound behind that refusal is a true lower bound:
// no run of a shipped scenario makes fewer events than it says (a bound one event per request too high is
// caught by the same check).

import { describe, expect, it } from "vitest";
import { checkScenarioText } from "../../src/scenario/load.ts";
import { minimumEventsPerJob } from "../../src/scenario/size-limits.ts";
import type { JobTemplate, Scenario } from "../../src/scenario/types.ts";
import { firstPolicy, minimalScenarioFile, repositoryScenario } from "../helpers.ts";
import { simulate } from "../../src/sim/simulation.ts";
import { taskGraph } from "../../src/sim/workload.ts";

const SHIPPED = ["default", "heavy-root", "agent-lanes", "modes-and-projects", "hidden-waiters", "multi-tenant", "burstgpt-trace"];
const JOBS = 40;

/** Scenarios whose every run's events are at least `bound` per job (summed over the jobs that arrived). */
function boundHolds(bound: (template: JobTemplate) => number): boolean {
  return SHIPPED.every((name) => {
    const base = repositoryScenario(name);
    const scenario: Scenario = { ...base, stop: { jobs: JOBS, durationMs: undefined } };
    const byName = new Map(scenario.templates.map((template) => [template.name, template]));
    let fewest = 0;
    const events: number[] = [];
    const sink = {
      record: (_seq: number, _timeMs: number, event: { type: string; template?: string }) => {
        if (event.type === "job_arrived") fewest += bound(byName.get(event.template as string) as JobTemplate);
      },
    };
    events.push(simulate({ scenario, policy: firstPolicy(scenario), seed: 3, sinks: [sink] }).events);
    return (events[0] as number) >= fewest;
  });
}

describe("size limits", () => {
  it("minimumEventsPerJob is a lower bound on every shipped scenario's runs", () => {
    expect(boundHolds(minimumEventsPerJob)).toBe(true);
  });

  it("a bound of three events a request, not two, fails that check", () => {
    expect(boundHolds((template) => minimumEventsPerJob(template) + taskGraph(template.shape).length * template.callsPerTask)).toBe(false);
  });

  it("refuses the overload case of 100,000 jobs of 1000 calls, saying why", () => {
    const file = minimalScenarioFile();
    file.stop = { jobs: 100_000 };
    (file.templates as Record<string, unknown>[])[0] = { name: "t", provider: "p", calls_per_task: 1000, input_tokens: 100, output_tokens: 50, max_output_tokens: 100 };
    expect(checkScenarioText(JSON.stringify(file), "x.json").errors).toEqual([
      {
        path: "stop.jobs",
        message:
          "makes about 100,000 jobs of at least 2,010 events each (201,000,000 events or more in all), over limits.max_events = 200,000,000: the run could not finish; make fewer jobs or requests, or raise limits.max_events",
      },
    ]);
  });

  it("refuses counts past their limits in the schema", () => {
    for (const [path, edit] of [
      ["stop.jobs", (file: Record<string, unknown>) => (file.stop = { jobs: 1e15 })],
      ["stop.duration_ms", (file: Record<string, unknown>) => (file.stop = { duration_ms: 1e15 })],
      ["limits.max_events", (file: Record<string, unknown>) => (file.limits = { max_events: 1e15 })],
      ["seeds", (file: Record<string, unknown>) => (file.seeds = 1e6)],
    ] as const) {
      const file = minimalScenarioFile();
      edit(file);
      expect(checkScenarioText(JSON.stringify(file), "x.json").errors[0]?.path).toBe(path);
    }
  });

  it("refuses a duration whose expected jobs are too many", () => {
    const file = minimalScenarioFile();
    file.stop = { duration_ms: 1e11 };
    expect(checkScenarioText(JSON.stringify(file), "x.json").errors[0]?.path).toBe("stop.duration_ms");
  });
});
