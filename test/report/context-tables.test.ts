// The Context tables: shown when the runs had sessions, alone when the scenario runs no jobs, with every policy's
// manager and retention; the closing note sets the tiered figures against the sliding window's, the summarize
// compaction tokens and the published ones.

import { describe, expect, it } from "vitest";
import { compare } from "../../src/experiment/compare.ts";
import { contextTable } from "../../src/report/tables.ts";
import { caveats, terminalSummary } from "../../src/report/summary.ts";
import { formatNumber, formatPercent } from "../../src/report/format.ts";
import { findRow } from "../../src/experiment/compare.ts";
import type { Estimate } from "../../src/metrics/confidence.ts";
import { minimalScenarioFile, scenarioFrom } from "../helpers.ts";

const MISSING: Estimate = { n: 0, mean: Number.NaN, ci95: Number.NaN, min: Number.NaN, max: Number.NaN };

function sessionComparison(jobs: number) {
  const scenario = scenarioFrom({
    ...minimalScenarioFile(),
    stop: { jobs },
    sessions: { count: 4, turns: { kind: "uniform", min: 40, max: 160 }, turn_tokens: { kind: "lognormal", median: 300, p95: 1500 }, window_tokens: 4000 },
    policies: [
      { name: "window", context: "sliding_window" },
      { name: "summaries", context: "summarize" },
      { name: "tiers", context: "tiered" },
    ],
  });
  return compare({ scenario, policies: scenario.policies, seeds: [1, 2, 3] });
}

describe("context tables", () => {
  const sessionsOnly = sessionComparison(0);

  it("show each policy's manager and retention, and only them when no job arrived", () => {
    const text = terminalSummary(sessionsOnly);
    expect(text).toContain("Context (retention");
    expect(text).toContain("Retention by importance and by session length");
    expect(text).not.toContain("Job latency by lane");
    const table = contextTable(sessionsOnly);
    expect(table.rows.map((row) => row.slice(0, 2))).toEqual([["window", "sliding_window"], ["summaries", "summarize"], ["tiers", "tiered"]]);
    sessionsOnly.results.forEach((result, index) => {
      expect(table.rows[index]?.[2]).toBe(formatPercent(findRow(result, "context", "all", "retention")?.estimate ?? MISSING, 1));
    });
  });

  it("sit after the scheduling tables when jobs ran too", () => {
    const text = terminalSummary(sessionComparison(20));
    expect(text.indexOf("Job latency by lane")).toBeGreaterThanOrEqual(0);
    expect(text.indexOf("Context (retention")).toBeGreaterThan(text.indexOf("Job latency by lane"));
  });

  it("close with the measured figures set against the published ones", () => {
    const note = caveats(sessionsOnly).find((line) => line.includes("published three-tier"));
    const estimates = (metric: string) => sessionsOnly.results.map((result) => findRow(result, "context", "all", metric)?.estimate ?? MISSING);
    const [windowTokens, summaryTokens, tierTokens] = estimates("compaction_tokens").map((estimate) => estimate.mean) as [number, number, number];
    const [windowRetention, , tierRetention] = estimates("retention") as [Estimate, Estimate, Estimate];
    expect(windowTokens).toBe(0);
    expect(note).toContain(`tiers (tiered) retained ${formatPercent(tierRetention, 1)} of probed facts against ${formatPercent(windowRetention, 1)} for window (sliding_window)`);
    expect(note).toContain(`${formatNumber(tierTokens / summaryTokens)}× the compaction tokens of summaries`);
    expect(note).toContain("100% against 65.1%");
  });

  it("are absent without sessions", () => {
    const scenario = scenarioFrom(minimalScenarioFile());
    const text = terminalSummary(compare({ scenario, policies: scenario.policies, seeds: [1] }));
    expect(text).not.toContain("Context (retention");
  });
});
