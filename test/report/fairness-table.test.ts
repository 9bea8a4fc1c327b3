// The Fairness table: what it shows per policy and tenant, that an absent index reads "–" (never 1), that absent
// runs are left out of the mean over seeds, and that it appears only when there is something to be fair between.

import { describe, expect, it } from "vitest";
import { compareFromRuns } from "../../src/experiment/compare.ts";
import type { LoggedEvent } from "../../src/eventlog/events.ts";
import { MetricsCollector, type RunSummary } from "../../src/metrics/collector.ts";
import { fairnessTable } from "../../src/report/tables.ts";
import { terminalSummary } from "../../src/report/summary.ts";
import { firstPolicy, minimalScenarioFile, runLogged, scenarioFrom } from "../helpers.ts";
import { FairnessLog } from "../metrics/fairness-log.ts";

const scenario = scenarioFrom(minimalScenarioFile());
const policy = firstPolicy(scenario);

function summaryOf(events: readonly LoggedEvent[]): RunSummary {
  return new MetricsCollector().replay(events).summary();
}

/**
 * Tenants a and b both wait over [0, 100]; a gets `aTokens` over [0, aFinishMs], b 100 tokens over [0, 100]. A
 * request that ends at 100 ends after both stopped waiting, so only an earlier one moves the lag.
 */
function contended(aTokens: number, aFinishMs = 100): RunSummary {
  const log = new FairnessLog()
    .job(0, 1, "a")
    .job(0, 2, "b")
    .ready(0, 1, 1)
    .ready(0, 2, 2)
    .ready(0, 3, 1).lease(0, 3).start(0, 3, 1, aTokens)
    .ready(0, 4, 2).lease(0, 4).start(0, 4, 2, 100);
  if (aFinishMs < 100) log.finish(aFinishMs, 3, 1, 0).done(aFinishMs, 3);
  log.lease(100, 1).done(100, 1).lease(100, 2).done(100, 2);
  if (aFinishMs === 100) log.finish(100, 3, 1, 0).done(100, 3);
  return summaryOf(log.finish(100, 4, 2, 0).done(100, 4).end(100));
}

/** The same tenants, one after the other: never two waiting at once. */
function uncontended(): RunSummary {
  return summaryOf(
    new FairnessLog()
      .job(0, 1, "a")
      .job(0, 2, "b")
      .ready(0, 1, 1).lease(10, 1).start(10, 1, 1, 100).finish(20, 1, 1, 0).done(20, 1)
      .ready(20, 2, 2).lease(30, 2).start(30, 2, 2, 300).finish(40, 2, 2, 0).done(40, 2)
      .end(40),
  );
}

describe("the Fairness table", () => {
  it("shows Jain between tenants and lanes and the lag on a policy's first line, then each tenant's share and waits", () => {
    const comparison = compareFromRuns(
      scenario,
      [
        { policy: { ...policy, name: "even" }, runs: [contended(100)] },
        { policy: { ...policy, name: "uneven" }, runs: [contended(300, 50)] },
      ],
      [1],
    );
    const table = fairnessTable(comparison);
    expect(table.headers).toEqual(["policy", "tenant", "token share", "queue wait P95 (s)", "queue wait max (s)", "Jain tenants", "Jain lanes", "lag max (tokens)"]);
    expect(table.rows).toEqual([
      ["even", "a", "50%", "0.10", "0.10", "1", "–", "0"],
      ["", "b", "50%", "0.10", "0.10", "", "", ""],
      // Rates 3 and 1 token/ms: (3 + 1)² / (2 × (9 + 1)) = 0.8; a is 300 tokens ahead at t=50. One lane: no contention.
      ["uneven", "a", "75%", "0.10", "0.10", "0.80", "–", "300"],
      ["", "b", "25%", "0.10", "0.10", "", "", ""],
    ]);
  });

  it("over seeds, a run without contention is left out of the mean instead of counting as 1", () => {
    const comparison = compareFromRuns(scenario, [{ policy, runs: [contended(300, 50), uncontended()] }], [1, 2]);
    const [first] = fairnessTable(comparison).rows;
    expect(first?.[5]).toBe("0.80");
    const onlyUncontended = compareFromRuns(scenario, [{ policy, runs: [uncontended()] }], [1]);
    expect(fairnessTable(onlyUncontended).rows[0]?.slice(5, 8)).toEqual(["–", "–", "–"]);
  });

  it("appears in the terminal summary, after the other tables, only when a run has two tenants or two lanes", () => {
    const single = runLogged(scenario, 1).summary;
    const alone = compareFromRuns(scenario, [{ policy, runs: [single] }], [1]);
    expect(terminalSummary(alone)).not.toContain("Fairness");
    const shared = compareFromRuns(scenario, [{ policy, runs: [contended(100)] }], [1]);
    const text = terminalSummary(shared);
    expect(text.indexOf("Fairness")).toBeGreaterThan(text.indexOf("Admission and cost"));
  });
});
