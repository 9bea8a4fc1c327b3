// The report page's sections from a comparison: the limit chart appears only when the log had limit_changed,
// the time series say which seed they show, a single run says it has no baseline and no interval, and the
// page inlines its chart library and escapes its data.

import { describe, expect, it } from "vitest";
import { compareFromRuns } from "../../src/experiment/compare.ts";
import { runCharted } from "../../src/experiment/run.ts";
import type { ChartSpec } from "../../src/report/html/model.ts";
import { renderPage } from "../../src/report/html/page.ts";
import { ratioSection, timelineSection } from "../../src/report/html/sections.ts";
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
