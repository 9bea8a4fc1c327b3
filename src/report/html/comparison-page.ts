// The report.html of a run or a comparison: charts first (distributions, P95 with intervals, the paired change
// against the baseline, time series, service share), then the tables of summary.md.

import type { Comparison } from "../../experiment/compare.ts";
import type { Table } from "../table.ts";
import type { ReportPage } from "./model.ts";
import { hasContext, showsJobs } from "../tables.ts";
import { contextSection, latencyCdfSection, p95Section, ratioSection, serviceShareSection, tablesSection, timelineSection } from "./sections.ts";

export interface PageContext {
  readonly headline: string;
  readonly command: string;
  readonly scenarioFile: string;
  readonly version: string;
  readonly tables: readonly Table[];
  /** Lines under the tables (caveats such as failed jobs). */
  readonly notes: readonly string[];
}

export function comparisonPage(comparison: Comparison, context: PageContext): ReportPage {
  const policies = comparison.results.map((result) => `\`${result.policy.name}\`${result.policy.description === "" ? "" : `: ${result.policy.description}`}`);
  return {
    title: `schedlab report: ${comparison.scenario.name}`,
    lead: [
      comparison.scenario.description,
      context.headline,
      `Policies (the first, \`${comparison.baseline}\`, is the baseline for ratios): ${policies.join("; ")}.`,
      ...context.notes,
    ].filter((line) => line !== ""),
    command: context.command,
    sections: [
      // A scenario of sessions only has no jobs: its scheduling charts would be empty.
      ...(showsJobs(comparison)
        ? [latencyCdfSection(comparison), p95Section(comparison), ratioSection(comparison), timelineSection(comparison), serviceShareSection(comparison)]
        : []),
      ...(hasContext(comparison) ? [contextSection(comparison)] : []),
      tablesSection(context.tables),
    ],
    footer: `schedlab ${context.version}; scenario file \`${context.scenarioFile}\`. Every figure is derived from the event log (\`schedlab run … --events FILE\`) and defined in docs/metrics.md.`,
  };
}
