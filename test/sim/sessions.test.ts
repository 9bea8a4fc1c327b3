// Agent sessions in a run: drawn from the seed alone (every context manager sees the same sessions), probes only
// for facts old enough, every turn assembled within the window, a recall's latency spent before the next turn,
// and logs that replay byte for byte. A broken manager that overfills the window is caught in the log.

import { describe, expect, it } from "vitest";
import type { ContextManager } from "../../src/policies/context/context-manager.ts";
import { createContextManager } from "../../src/policies/context/registry.ts";
import { RandomStreams } from "../../src/sim/random.ts";
import { planSessions } from "../../src/sim/sessions.ts";
import { MemoryLog, parseJsonl } from "../../src/eventlog/jsonl.ts";
import { simulate } from "../../src/sim/simulation.ts";
import type { Scenario } from "../../src/scenario/types.ts";
import { eventsOfType, minimalScenarioFile, runLogged, scenarioFrom } from "../helpers.ts";

function sessionScenario(sessions: Record<string, unknown> = {}): Scenario {
  return scenarioFrom({
    ...minimalScenarioFile(),
    stop: { jobs: 0 },
    sessions: { count: 6, turns: { kind: "uniform", min: 20, max: 120 }, turn_tokens: { kind: "lognormal", median: 300, p95: 1500 }, window_tokens: 4000, ...sessions },
    policies: [
      { name: "sliding", context: "sliding_window" },
      { name: "summarize", context: "summarize" },
      { name: "tiered", context: { kind: "tiered", hot_fraction: 0.4, recall_latency_ms: 777 } },
    ],
  });
}

describe("session plans", () => {
  const scenario = sessionScenario({ probe_min_age_turns: 7, pinned_importance_min: 0.6 });
  const spec = scenario.sessions as NonNullable<Scenario["sessions"]>;

  it("depend on the seed alone", () => {
    expect(planSessions(spec, new RandomStreams(3))).toEqual(planSessions(spec, new RandomStreams(3)));
    expect(planSessions(spec, new RandomStreams(3))).not.toEqual(planSessions(spec, new RandomStreams(4)));
  });

  it("probe only facts stated at least probe_min_age_turns before, and pin facts by importance", () => {
    const plans = planSessions(spec, new RandomStreams(5));
    let probes = 0;
    for (const plan of plans) {
      expect(plan.turns.length).toBeGreaterThanOrEqual(20);
      expect(plan.turns.length).toBeLessThanOrEqual(120);
      for (const turn of plan.turns) for (const fact of turn.facts) expect(fact.pinned).toBe(fact.importance >= 0.6);
      for (const [turn, list] of plan.probesByTurn) {
        for (const probe of list) {
          probes += 1;
          expect(turn - probe.statedTurn).toBeGreaterThanOrEqual(7);
          expect(plan.turns[probe.statedTurn]?.facts).toContainEqual(probe.fact);
        }
      }
    }
    expect(probes).toBeGreaterThan(20);
  });
});

describe("sessions in a run", () => {
  const scenario = sessionScenario();

  it("every policy sees the same sessions and probes; each turn's context fits the window", () => {
    const runs = scenario.policies.map((policy) => runLogged(scenario, 2, policy));
    const probesOf = (run: (typeof runs)[number]) => eventsOfType(run.events, "fact_probed").map(({ session, turn, fact, stated_turn }) => ({ session, turn, fact, stated_turn }))
        // Recalls shift a session's later turns in time, so the log's order differs across managers; the probes do not.
        .sort((a, b) => a.session - b.session || a.turn - b.turn);
    const first = runs[0] as (typeof runs)[number];
    for (const run of runs) {
      expect(eventsOfType(run.events, "session_started").map((event) => event.turns)).toEqual(eventsOfType(first.events, "session_started").map((event) => event.turns));
      expect(probesOf(run)).toEqual(probesOf(first));
      const assembled = eventsOfType(run.events, "context_assembled");
      expect(assembled.length).toBe(eventsOfType(run.events, "session_started").reduce((sum, event) => sum + event.turns, 0));
      for (const event of assembled) expect(event.tokens).toBeLessThanOrEqual(4000);
    }
    expect(eventsOfType(first.events, "fact_probed").some((event) => !event.retained)).toBe(true);
  });

  it("a recall delays the session's next turn by its latency", () => {
    const run = runLogged(scenario, 2, scenario.policies[2]);
    const recalls = eventsOfType(run.events, "context_recalled");
    expect(recalls.length).toBeGreaterThan(0);
    const assembled = eventsOfType(run.events, "context_assembled");
    for (const recall of recalls.slice(0, 20)) {
      const at = (turn: number) => assembled.find((event) => event.session === recall.session && event.turn === turn)?.t;
      const next = at(recall.turn + 1);
      if (next === undefined) continue;
      // The gap is a constant 2000 ms; one probe per turn at most.
      expect(next - (at(recall.turn) as number)).toBe(2000 + 777);
    }
  });

  it("replays byte for byte", () => {
    const policy = scenario.policies[2];
    expect(runLogged(scenario, 9, policy).text).toBe(runLogged(scenario, 9, policy).text);
  });

  it("the log shows a manager that overfills the window (planted: a sliding window that never drops a turn)", () => {
    const log = new MemoryLog();
    const hoarder = (): ContextManager => {
      const inner = createContextManager({ kind: "sliding_window", options: {} }, { windowTokens: Number.MAX_SAFE_INTEGER, random: () => 0 });
      return { kind: "sliding_window", append: (turn) => inner.append(turn), probe: (key) => inner.probe(key), assemble: () => inner.assemble(), storeSize: () => inner.storeSize() };
    };
    simulate({ scenario, policy: scenario.policies[0] as Scenario["policies"][number], seed: 2, sinks: [log], createContextManager: hoarder });
    const assembled = eventsOfType(parseJsonl(log.text()), "context_assembled");
    expect(assembled.some((event) => event.tokens > 4000)).toBe(true);
  });
});
