// The per-provider figures of rate-limit control, recomputed from event logs by naive code and compared with the
// collector's: runs of the rate-limit-storm and provider-outage scenarios (shortened) under every policy, so that
// AIMD limits, pacing delays, breaker states, refusals and 429s all occur. Planted bugs in the tracker must fail.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { LoggedEvent } from "../../src/eventlog/events.ts";
import { MetricsCollector } from "../../src/metrics/collector.ts";
import { ProviderTracker } from "../../src/metrics/providers.ts";
import type { Scenario } from "../../src/scenario/types.ts";
import { runLogged, scenarioFrom } from "../helpers.ts";

function shortened(name: string, jobs: number): Scenario {
  const file = JSON.parse(readFileSync(`scenarios/${name}.json`, "utf8")) as Record<string, unknown>;
  return scenarioFrom({ ...file, stop: { jobs } });
}

interface Naive {
  started: number;
  ok: number;
  rate_limited: number;
  errors: number;
  timeouts: number;
  aborted: number;
  goodput_output_tokens_per_s: number;
  wasted_tokens: number;
  delays: number;
  delayed_ms: number;
  refused: number;
  retries_denied: number;
  circuit_opened: number;
  circuit_open_ms: number;
  longest_failure_run_ms: number;
  limit_mean: number;
  limit_min: number;
}

/** Each figure straight from its definition in docs/metrics.md, one pass per figure, no shared state. */
function naive(events: readonly LoggedEvent[], provider: string): Naive {
  const makespan = events.at(-1)?.t ?? 0;
  const started = events.filter((event) => event.type === "request_started" && event.provider === provider);
  const finished = events.filter((event): event is Extract<LoggedEvent, { type: "request_finished" }> => event.type === "request_finished" && event.provider === provider);
  const tokensOf = new Map(started.map((event) => [(event as Extract<LoggedEvent, { type: "request_started" }>).request, (event as Extract<LoggedEvent, { type: "request_started" }>).tokens]));
  const count = (status: string): number => finished.filter((event) => event.status === status).length;
  // A wait runs from a task's first request_delayed to its next request_started, request_refused or lease_released.
  let delays = 0;
  let delayedMs = 0;
  const waitingSince = new Map<number, number>();
  for (const event of events) {
    if (event.type === "request_delayed" && event.provider === provider && !waitingSince.has(event.task)) {
      delays += 1;
      waitingSince.set(event.task, event.t);
    } else if ((event.type === "request_started" || event.type === "request_refused" || event.type === "lease_released") && waitingSince.has(event.task)) {
      delayedMs += event.t - (waitingSince.get(event.task) as number);
      waitingSince.delete(event.task);
    }
  }
  for (const since of waitingSince.values()) delayedMs += makespan - since;
  // Open time: from each change to open until the next change to another state (or the end).
  const changes = events.filter((event): event is Extract<LoggedEvent, { type: "circuit_state_changed" }> => event.type === "circuit_state_changed" && event.provider === provider);
  let openMs = 0;
  changes.forEach((change, index) => {
    if (change.state !== "open") return;
    const previous = changes[index - 1];
    if (previous !== undefined && previous.state === "open") return;
    const closing = changes.slice(index + 1).find((later) => later.state !== "open");
    openMs += (closing?.t ?? makespan) - change.t;
  });
  // Failure runs, in the order requests were sent: from a failed one's send to the next successful one's send.
  const statusOf = new Map(finished.map((answer) => [answer.request, answer.status]));
  let longestRun = 0;
  let runSince: number | undefined;
  for (const sent of started as Extract<LoggedEvent, { type: "request_started" }>[]) {
    const status = statusOf.get(sent.request);
    if (status === "error" || status === "timeout") runSince ??= sent.t;
    else if (status === "ok" && runSince !== undefined) {
      longestRun = Math.max(longestRun, sent.t - runSince);
      runSince = undefined;
    }
  }
  if (runSince !== undefined) longestRun = Math.max(longestRun, makespan - runSince);
  // The limit as a step function of time, from the capacity in run_started.
  const first = events[0] as Extract<LoggedEvent, { type: "run_started" }>;
  const steps = [{ t: 0, limit: first.capacities[`provider:${provider}`] as number }];
  for (const event of events) if (event.type === "limit_changed" && event.resource === `provider:${provider}`) steps.push({ t: event.t, limit: event.limit });
  const integral = steps.reduce((sum, step, index) => sum + step.limit * ((steps[index + 1]?.t ?? makespan) - step.t), 0);
  return {
    started: started.length,
    ok: count("ok"),
    rate_limited: count("rate_limited"),
    errors: count("error"),
    timeouts: count("timeout"),
    aborted: events.filter((event) => event.type === "request_aborted" && event.provider === provider).length,
    goodput_output_tokens_per_s: (finished.filter((event) => event.status === "ok").reduce((sum, event) => sum + event.output_tokens, 0) * 1000) / makespan,
    wasted_tokens: finished.filter((event) => event.status !== "ok").reduce((sum, event) => sum + (tokensOf.get(event.request) ?? 0), 0),
    delays,
    delayed_ms: delayedMs,
    refused: events.filter((event) => event.type === "request_refused" && event.provider === provider).length,
    retries_denied: events.filter((event) => event.type === "retry_denied" && event.provider === provider).length,
    circuit_opened: changes.filter((change) => change.state === "open").length,
    circuit_open_ms: openMs,
    longest_failure_run_ms: longestRun,
    limit_mean: integral / makespan,
    limit_min: Math.min(...steps.map((step) => step.limit)),
  };
}

function mismatches(events: readonly LoggedEvent[], collector: MetricsCollector): string[] {
  const providers = collector.replay(events).summary().providers;
  const problems: string[] = [];
  for (const [name, figures] of Object.entries(providers)) {
    const expected = naive(events, name);
    const actual: Naive = { ...figures, started: figures.requests_started };
    for (const key of Object.keys(expected) as (keyof Naive)[]) {
      if (Math.abs(actual[key] - expected[key]) > 1e-6 * Math.max(1, Math.abs(expected[key]))) problems.push(`${name}.${key}: ${actual[key]} vs naive ${expected[key]}`);
    }
  }
  return problems;
}

const RUNS = [
  ...shortened("rate-limit-storm", 400).policies.map((policy) => ({ scenario: "rate-limit-storm", jobs: 400, policy: policy.name })),
  ...shortened("provider-outage", 700).policies.map((policy) => ({ scenario: "provider-outage", jobs: 700, policy: policy.name })),
];

function logOf(run: (typeof RUNS)[number]): LoggedEvent[] {
  const scenario = shortened(run.scenario, run.jobs);
  return runLogged(scenario, 3, scenario.policies.find((policy) => policy.name === run.policy)).events;
}

/** Planted bug: 429s waste nothing (only errors and timeouts are counted). */
class RateLimitsWasteNothing extends ProviderTracker {
  override requestFinished(timeMs: number, provider: string, request: number, status: "ok" | "rate_limited" | "error" | "timeout", outputTokens: number): void {
    super.requestFinished(timeMs, provider, request, status === "rate_limited" ? "ok" : status, status === "rate_limited" ? 0 : outputTokens);
  }
}

/** Planted bug: a 429 ends a failure run, as if the provider were back. */
class RateLimitEndsFailureRun extends ProviderTracker {
  protected override failureRun(figures: Parameters<ProviderTracker["failureRun"]>[0], sentMs: number, status: Parameters<ProviderTracker["failureRun"]>[2]): void {
    super.failureRun(figures, sentMs, status === "rate_limited" ? "ok" : status);
  }
}

/** Planted bug: a wait whose reason changed counts as a second wait. */
class EveryDelayEventAWait extends ProviderTracker {
  override requestDelayed(timeMs: number, task: number, provider: string): void {
    super.taskStoppedWaiting(timeMs, task);
    super.requestDelayed(timeMs, task, provider);
  }
}

/** Planted bug: the circuit counts as closed as soon as it is half-open. */
class HalfOpenIsOpen extends ProviderTracker {
  override circuitStateChanged(timeMs: number, provider: string, state: "closed" | "open" | "half_open"): void {
    if (state !== "half_open") super.circuitStateChanged(timeMs, provider, state);
  }
}

describe("provider figures recomputed from the log", () => {
  it.each(RUNS.map((run) => [`${run.scenario} / ${run.policy}`, run] as const))("%s", (_name, run) => {
    const events = logOf(run);
    expect(mismatches(events, new MetricsCollector())).toEqual([]);
  });

  it("exercises what the figures count: 429s, limit changes, delays, refusals and open circuits", () => {
    const all = RUNS.flatMap((run) => logOf(run));
    for (const type of ["limit_changed", "request_delayed", "request_refused", "circuit_state_changed"]) expect(all.some((event) => event.type === type), type).toBe(true);
    expect(all.some((event) => event.type === "request_finished" && event.status === "rate_limited")).toBe(true);
  });

  it.each([
    ["429s that waste nothing", () => new RateLimitsWasteNothing(), "rate-limit-storm", "fixed-250ms", "wasted_tokens"],
    ["a changed wait counted twice", () => new EveryDelayEventAWait(), "rate-limit-storm", "aimd", "delays"],
    ["half-open counted as open", () => new HalfOpenIsOpen(), "provider-outage", "breaker-fail", "circuit_open_ms"],
    ["a 429 that ends a failure run", () => new RateLimitEndsFailureRun(), "rate-limit-storm", "exponential", "longest_failure_run_ms"],
  ] as const)("catches %s", (_name, tracker, scenario, policy, figure) => {
    const run = RUNS.find((candidate) => candidate.scenario === scenario && candidate.policy === policy) as (typeof RUNS)[number];
    expect(mismatches(logOf(run), new MetricsCollector(undefined, { providers: tracker() })).some((problem) => problem.includes(`.${figure}:`))).toBe(true);
  });
});
