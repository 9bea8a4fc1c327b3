// Test helpers: small scenarios built from plain objects (through the real parser, so defaults apply),
// and runs that keep their event log in memory.

import { createHash } from "node:crypto";
import { MemoryLog, parseJsonl } from "../src/eventlog/jsonl.ts";
import type { LoggedEvent } from "../src/eventlog/events.ts";
import { runOnce } from "../src/experiment/run.ts";
import type { RunSummary } from "../src/metrics/collector.ts";
import { loadScenario, parseScenario } from "../src/scenario/load.ts";
import type { PolicySpec, Scenario } from "../src/scenario/types.ts";

/** A valid scenario file as an object: one provider, one single-call template, one policy. */
export function minimalScenarioFile(): Record<string, unknown> {
  return {
    name: "test",
    stop: { jobs: 200 },
    arrivals: { process: "poisson", rate_per_second: 5 },
    providers: [
      {
        name: "p",
        max_concurrent: 4,
        latency: { time_to_first_token_ms: { kind: "exponential", mean: 500 }, decode_tokens_per_second: 100 },
      },
    ],
    templates: [{ name: "t", provider: "p", input_tokens: 100, output_tokens: 50, max_output_tokens: 100 }],
    policies: [{ name: "fifo" }],
  };
}

export function scenarioFrom(file: Record<string, unknown>): Scenario {
  return parseScenario(JSON.stringify(file), "test.json");
}

export function repositoryScenario(name: string): Scenario {
  return loadScenario(new URL(`../scenarios/${name}.json`, import.meta.url).pathname);
}

export interface LoggedRun {
  readonly summary: RunSummary;
  readonly text: string;
  readonly events: LoggedEvent[];
}

export function runLogged(scenario: Scenario, seed: number, policy: PolicySpec = firstPolicy(scenario)): LoggedRun {
  const log = new MemoryLog();
  const summary = runOnce({ scenario, policy, seed, sinks: [log] });
  const text = log.text();
  return { summary, text, events: parseJsonl(text) };
}

export function firstPolicy(scenario: Scenario): PolicySpec {
  const policy = scenario.policies[0];
  if (policy === undefined) throw new Error("scenario has no policy");
  return policy;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function eventsOfType<T extends LoggedEvent["type"]>(events: readonly LoggedEvent[], type: T): Extract<LoggedEvent, { type: T }>[] {
  return events.filter((event): event is Extract<LoggedEvent, { type: T }> => event.type === type);
}
