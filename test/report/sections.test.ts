// The report page's sections from a comparison: the limit chart appears only when the log had limit_changed,
// the time series say which seed they show, a single run says it has no baseline and no interval, and the
// page inlines its chart library and escapes its data; a share's interval is cut at 0 and 100%.

import { describe, expect, it } from "vitest";
import { compare, compareFromRuns, findRow } from "../../src/experiment/compare.ts";
import { runCharted } from "../../src/experiment/run.ts";
import type { ChartSpec } from "../../src/report/html/model.ts";
import { renderPage } from "../../src/report/html/page.ts";
import { contextSection, ratioSection, timelineSection } from "../../src/report/html/sections.ts";
import { firstPolicy, minimalScenarioFile, scenarioFrom } from "../helpers.ts";

const scenario = scenarioFrom(minimalScenarioFile());
const policy = firstPolicy(scenario);

function chartsOf(section: ReturnType<typeof timelineSection>): ChartSpec[] {
  return section.blocks.flatMap((block) => (block.kind === "choice" ? block.options.flatMap((option) => option.charts) : block.kind === "chart" ? [block.chart] : []));
}

describe("report sections", () => {
  const { summary, charts } = runCharted({ scenario, policy, seed: 4, timeline: true });
  const single = compareFromRuns(scenario, [{ policy, runs: [summary], charts: [charts] }], [4]);

  it("draw time series of the named seed, and no limit chart without limit_changed", () => {
    const section = timelineSection(single);
    expect(section.title).toBe("Over time (seed 4)");
    const ids = chartsOf(section).map((chart) => chart.id);
    expect(ids).toEqual(["queue-fifo", "held-fifo", "providers-fifo"]);
  });

  it("draw a limit chart when the timeline has a limit series", () => {
    const timeline = charts.timeline;
    if (timeline === undefined) throw new Error("no timeline");
    const limited = { ...charts, timeline: { ...timeline, series: [...timeline.series, { kind: "limit" as const, key: "provider:p", values: [4, 2] }] } };
    const comparison = compareFromRuns(scenario, [{ policy, runs: [summary], charts: [limited] }], [4]);
    expect(chartsOf(timelineSection(comparison)).map((chart) => chart.id)).toContain("limits-fifo");
  });

  it("say there is no baseline with one policy", () => {
    expect(ratioSection(single).blocks).toEqual([{ kind: "note", text: "One policy: there is nothing to compare with." }]);
  });

  it("cut a retention interval at 0 and 100%, where Student's interval of a few seeds reaches past them", () => {
    const sessions = scenarioFrom({
      ...minimalScenarioFile(),
      stop: { jobs: 0 },
      sessions: { count: 4, turns: { kind: "uniform", min: 40, max: 160 }, turn_tokens: { kind: "lognormal", median: 300, p95: 1500 }, window_tokens: 4000 },
      policies: [
        { name: "window", context: "sliding_window" },
        { name: "tiers", context: "tiered" },
      ],
    });
    const comparison = compare({ scenario: sessions, policies: sessions.policies, seeds: [1, 2, 3] });
    const [window, tiers] = comparison.results;
    const tiersAll = findRow(tiers as (typeof comparison.results)[number], "context", "all", "retention")?.estimate;
    const windowPinned = findRow(window as (typeof comparison.results)[number], "context", "pinned", "retention")?.estimate;
    // The case this test is about: uncut, the intervals would leave [0, 1].
    expect((tiersAll?.mean ?? 0) + (tiersAll?.ci95 ?? 0)).toBeGreaterThan(1);
    expect((windowPinned?.mean ?? 1) - (windowPinned?.ci95 ?? 0)).toBeLessThan(0);
    const retention = chartsOf(contextSection(comparison)).find((chart) => chart.id === "context-retention");
    if (retention?.type !== "intervals") throw new Error("no retention chart");
    const at = (policy: number, category: string) => retention.series[policy]?.values[retention.categories.indexOf(category)]?.interval;
    expect(at(1, "all probes")?.high).toBe(1);
    expect(at(0, "pinned facts")?.low).toBe(0);
    for (const series of retention.series) {
      for (const value of series.values) expect(value?.interval === null || value === null || (value.interval.low >= 0 && value.interval.high <= 1)).toBe(true);
    }
  });

  it("render into a page that inlines Chart.js and cannot be broken out of by its data", () => {
    const html = renderPage({
      title: "t </script><script>alert(1)</script>",
      lead: [],
      command: "c",
      footer: "f",
      sections: [{ id: "s", title: "s", paragraphs: [], blocks: [{ kind: "chart", chart: { type: "stacked", id: "x", title: "</script>", categories: ["a"], x: { label: "l" }, series: [] } }] }],
    });
    expect(html).toContain("Chart.js v4");
    expect(html.match(/<\/script>/g)?.length).toBe(3);
    expect(html).not.toContain("<script>alert");
  });
});
