// The Context figures recomputed from the log with naive code (filter the events, count, sort), against what the
// collector reports, for each context manager; and a planted bug in the collector (a compaction costed at what it
// writes only, not what it reads) that the recomputation catches.

import { describe, expect, it } from "vitest";
import type { LoggedEvent } from "../../src/eventlog/events.ts";
import { MetricsCollector } from "../../src/metrics/collector.ts";
import { ContextTracker, type ContextSummary } from "../../src/metrics/context.ts";
import type { Scenario } from "../../src/scenario/types.ts";
import { eventsOfType, minimalScenarioFile, runLogged, scenarioFrom } from "../helpers.ts";

const scenario: Scenario = scenarioFrom({
  ...minimalScenarioFile(),
  stop: { jobs: 0 },
  sessions: { count: 8, turns: { kind: "uniform", min: 10, max: 260 }, turn_tokens: { kind: "lognormal", median: 300, p95: 1500 }, window_tokens: 5000, probe_chance: 0.3 },
  policies: [
    { name: "sliding", context: "sliding_window" },
    { name: "summarize", context: "summarize" },
    { name: "tiered", context: "tiered" },
  ],
});

function nearestRank(values: readonly number[], percent: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.max(1, Math.ceil((percent / 100) * sorted.length)) - 1] as number);
}

/** Everything the Context table shows, from the log alone, without the collector's code. */
function recompute(events: readonly LoggedEvent[]) {
  const started = eventsOfType(events, "session_started");
  const probes = eventsOfType(events, "fact_probed");
  const compactions = eventsOfType(events, "context_compacted");
  const recalls = eventsOfType(events, "context_recalled");
  const assembled = eventsOfType(events, "context_assembled");
  const turnsOf = new Map(started.map((event) => [event.session, event.turns]));
  const share = (list: readonly { retained: boolean }[]) => (list.length === 0 ? Number.NaN : list.filter((probe) => probe.retained).length / list.length);
  const lastStore = started.map((session) => assembled.filter((event) => event.session === session.session).at(-1)?.store_tokens ?? 0);
  const tokens = assembled.map((event) => event.tokens);
  return {
    retention: share(probes),
    pinned: share(probes.filter((probe) => probe.pinned)),
    high: share(probes.filter((probe) => probe.importance >= 0.8)),
    medium: share(probes.filter((probe) => probe.importance >= 0.5 && probe.importance < 0.8)),
    low: share(probes.filter((probe) => probe.importance < 0.5)),
    long: share(probes.filter((probe) => (turnsOf.get(probe.session) as number) > 200)),
    short: share(probes.filter((probe) => (turnsOf.get(probe.session) as number) <= 50)),
    compactionTokens: compactions.reduce((sum, event) => sum + event.tokens_read + event.tokens_written, 0),
    recallTokens: recalls.reduce((sum, event) => sum + event.tokens, 0),
    recalls: recalls.filter((event) => event.found).length,
    tokensMean: tokens.reduce((sum, value) => sum + value, 0) / tokens.length,
    tokensP95: nearestRank(tokens, 95),
    storeFinalMean: lastStore.reduce((sum, value) => sum + value, 0) / lastStore.length,
  };
}

function reported(context: ContextSummary) {
  return {
    retention: context.retention.retention,
    pinned: context.retention_pinned.retention,
    high: context.retention_by_importance.high?.retention,
    medium: context.retention_by_importance.medium?.retention,
    low: context.retention_by_importance.low?.retention,
    long: ((context.retention_by_session_length["201-500"]?.retained ?? 0) + (context.retention_by_session_length["501+"]?.retained ?? 0)) / ((context.retention_by_session_length["201-500"]?.probes ?? 0) + (context.retention_by_session_length["501+"]?.probes ?? 0)),
    short: context.retention_by_session_length["1-50"]?.retention,
    compactionTokens: context.compaction_tokens,
    recallTokens: context.recall_tokens,
    recalls: context.recalls,
    tokensMean: context.context_tokens_per_turn.mean,
    tokensP95: context.context_tokens_per_turn.p95,
    storeFinalMean: context.store_tokens_final_mean,
  };
}

/** Planted bug: a compaction costs only the summary it writes, as if reading the turns were free. */
class WriteOnlyCost extends ContextTracker {
  protected override compactionCost(_tokensRead: number, tokensWritten: number): number {
    return tokensWritten;
  }
}

describe("context figures", () => {
  it.each([0, 1, 2])("equal a naive recomputation from the log (policy %i)", (index) => {
    const run = runLogged(scenario, 4, scenario.policies[index]);
    const context = run.summary.context as ContextSummary;
    const expected = recompute(run.events);
    const actual = reported(context);
    for (const [key, value] of Object.entries(expected)) expect(actual[key as keyof typeof actual], key).toBeCloseTo(value, 9);
    expect(context.turns).toBe(eventsOfType(run.events, "context_assembled").length);
  });

  it("the three managers differ where they should: no compaction for sliding_window, recalls only for tiered", () => {
    const [sliding, summarize, tiered] = scenario.policies.map((policy) => runLogged(scenario, 4, policy).summary.context as ContextSummary);
    expect(sliding?.compactions).toBe(0);
    expect(summarize?.compactions).toBeGreaterThan(0);
    expect(summarize?.recalls).toBe(0);
    expect(tiered?.recalls).toBeGreaterThan(0);
    expect(tiered?.retention_pinned.retention).toBe(1);
  });

  it("catch a collector that costs a compaction at what it writes only", () => {
    const run = runLogged(scenario, 4, scenario.policies[1]);
    const planted = new MetricsCollector(undefined, { context: new WriteOnlyCost() }).replay(run.events).summary().context as ContextSummary;
    expect(planted.compaction_tokens).not.toBeCloseTo(recompute(run.events).compactionTokens, 0);
  });

  it("a run without sessions has no context figures", () => {
    expect(runLogged(scenarioFrom(minimalScenarioFile()), 1).summary.context).toBeUndefined();
  });
});
