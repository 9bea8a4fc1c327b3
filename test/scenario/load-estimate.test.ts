// The offered-load estimate behind the overload warning, against the simulator: below capacity, the slots it
// says a provider's tasks keep busy must match the utilization a run measures, and its request rate the
// requests a run starts; above capacity the run must show the growing backlog the warning promises.
// Estimates made with a planted bug (calls per task, fan-out width or spawn time ignored) must fail the
// same comparison, which shows the comparison can fail.

import { describe, expect, it } from "vitest";
import { providerLoads } from "../../src/scenario/load-estimate.ts";
import { loadScenario } from "../../src/scenario/load.ts";
import type { Scenario } from "../../src/scenario/types.ts";
import { runLogged, scenarioFrom } from "../helpers.ts";

/** Two providers, every shape, several calls per task, spawn and stop times: 30% to 80% busy, no rate limits. */
const BELOW_CAPACITY = {
  name: "estimate",
  stop: { jobs: 3000 },
  arrivals: { rate_per_second: 1.2 },
  orchestrator_provider: "fast",
  providers: [
    { name: "fast", max_concurrent: 16, latency: { time_to_first_token_ms: { kind: "lognormal", median: 300, p95: 900 }, decode_tokens_per_second: { kind: "uniform", min: 80, max: 160 } } },
    { name: "smart", max_concurrent: 24, latency: { time_to_first_token_ms: { kind: "exponential", mean: 1200 }, decode_tokens_per_second: { kind: "uniform", min: 40, max: 80 } } },
  ],
  templates: [
    { name: "chat", weight: 3, provider: "fast", input_tokens: 800, output_tokens: { kind: "lognormal", median: 200, p95: 600 }, max_output_tokens: 512 },
    { name: "agent", weight: 1, provider: "smart", calls_per_task: 3, shape: { kind: "chain", length: 2 }, input_tokens: 2000, output_tokens: { kind: "exponential", mean: 300 }, max_output_tokens: 1024 },
    { name: "research", weight: 1, provider: "smart", shape: { kind: "fanout", width: 4 }, input_tokens: 3000, output_tokens: { kind: "uniform", min: 100, max: 700 }, max_output_tokens: 800 },
  ],
  workers: { spawn_ms: { kind: "uniform", min: 500, max: 1500 }, stop_ms: 50 },
  policies: [{ name: "fifo" }],
};

interface Measured {
  readonly utilization: number;
  readonly requestsPerMinute: number;
}

function measure(scenario: Scenario): Measured[] {
  const { summary, events } = runLogged(scenario, 7);
  // Arrivals span the run but its drain; the rate is taken over the time requests were being started.
  const starts = events.filter((event) => event.type === "request_started");
  const spanMinutes = ((starts[starts.length - 1]?.t ?? 0) - (starts[0]?.t ?? 0)) / 60_000;
  return scenario.providers.map((provider) => ({
    utilization: summary.utilization[`provider:${provider.name}`] ?? Number.NaN,
    requestsPerMinute: starts.filter((event) => event.type === "request_started" && event.provider === provider.name).length / spanMinutes,
  }));
}

/** Within 8% of the measured figure: the run has random arrivals and sizes, the estimate uses their means. */
function agrees(scenario: Scenario, estimated: Scenario, measured: readonly Measured[]): boolean {
  return providerLoads(estimated).every((load, index) => {
    const run = measured[index] as Measured;
    const busy = load.busySlots / (scenario.providers[index]?.maxConcurrent ?? Number.NaN);
    return Math.abs(busy / run.utilization - 1) < 0.08 && Math.abs(load.requestsPerMinute / run.requestsPerMinute - 1) < 0.08;
  });
}

function withTemplates(scenario: Scenario, change: (template: Scenario["templates"][number]) => Scenario["templates"][number]): Scenario {
  return { ...scenario, templates: scenario.templates.map(change) };
}

describe("offered load estimate", () => {
  const scenario = scenarioFrom(BELOW_CAPACITY);
  const measured = measure(scenario);

  it("matches the measured utilization and request rate of each provider below capacity", () => {
    expect(measured.every((run) => run.utilization > 0.2 && run.utilization < 0.9)).toBe(true);
    expect(agrees(scenario, scenario, measured)).toBe(true);
  });

  it.each([
    ["calls per task ignored", (s: Scenario) => withTemplates(s, (template) => ({ ...template, callsPerTask: 1 }))],
    ["fan-out counted as one task", (s: Scenario) => withTemplates(s, (template) => (template.shape.kind === "fanout" ? { ...template, shape: { kind: "single" } } : template))],
    ["spawn time ignored", (s: Scenario) => ({ ...s, workers: { ...s.workers, spawnMs: { kind: "constant" as const, value: 0 } } })],
  ] as const)("fails the same comparison when made with a planted bug: %s", (_name, plant) => {
    expect(agrees(scenario, plant(scenario), measured)).toBe(false);
  });

  it("warns truly on the overloaded fixture: the provider stays saturated and the backlog grows through the run", () => {
    const overloaded = loadScenario(new URL("fixtures/overloaded-provider.json", import.meta.url).pathname);
    const [load] = providerLoads(overloaded);
    expect((load?.busySlots ?? 0) / 4).toBeGreaterThan(4);
    const { summary, events } = runLogged(overloaded, 1);
    expect(summary.utilization["provider:smart"]).toBeGreaterThan(0.97);
    const ready = new Map<number, number>();
    const waits: number[] = [];
    for (const event of events) {
      if (event.type === "task_ready") ready.set(event.task, event.t);
      if (event.type === "lease_acquired") waits.push(event.t - (ready.get(event.task) as number));
    }
    const tenth = Math.floor(waits.length / 10);
    const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean(waits.slice(-tenth))).toBeGreaterThan(5 * mean(waits.slice(0, tenth)));
  });
});
