// The files of a sweep's report folder: summary.md (a table per figure against the parameters, per policy),
// runs.csv (one row per point × policy × seed), summary.csv (one row per point × policy, mean and 95%
// interval), summary.json (every aggregated figure of every point, and the per-seed values) and report.html.

import { stringify } from "csv-stringify/sync";
import type { PolicyResult } from "../experiment/compare.ts";
import { type Sweep, describeAssignments } from "../experiment/sweep.ts";
import { formatValue } from "../experiment/sweep-parameters.ts";
import type { RunSummary } from "../metrics/collector.ts";
import { metricRows, rowKey } from "../metrics/rows.ts";
import { formatEstimate } from "./format.ts";
import { renderPage } from "./html/page.ts";
import { sweepPage } from "./html/sweep-page.ts";
import { type ReportContext, aggregateRowJson, policyLines, reproduceLines } from "./summary.ts";
import { type SweepMetric, metricEstimate, sweepMetrics } from "./sweep-metrics.ts";
import { type Table, renderMarkdown, renderText } from "./table.ts";

function resultOf(point: Sweep["points"][number], policy: string): PolicyResult | undefined {
  return point.comparison.results.find((result) => result.policy.name === policy);
}

/** One figure against the parameters: a row per point, a column per policy, mean ± 95% interval. */
export function sweepTable(sweep: Sweep, metric: SweepMetric): Table {
  const seedText = sweep.seeds.length === 1 ? "one seed" : `mean ± 95% CI over ${sweep.seeds.length} seeds`;
  return {
    title: `${metric.title} (${metric.unit}), ${seedText}`,
    headers: [...sweep.parameters.map((parameter) => parameter.path), ...sweep.policies],
    numeric: [...sweep.parameters.map(() => true), ...sweep.policies.map(() => true)],
    keyColumns: sweep.parameters.length,
    rows: sweep.points.map((point) => [
      ...point.assignments.map((assignment) => formatValue(assignment.value)),
      ...sweep.policies.map((policy) => formatEstimate(metricEstimate(resultOf(point, policy), metric), metric.scale)),
    ]),
  };
}

export function sweepTables(sweep: Sweep): Table[] {
  return sweepMetrics(sweep).map((metric) => sweepTable(sweep, metric));
}

export function sweepHeadline(sweep: Sweep): string {
  const scenario = sweep.points[0]?.comparison.scenario.name ?? "";
  const { seeds } = sweep;
  const seedText = seeds.length === 1 ? `seed ${seeds[0]}` : `${seeds.length} seeds (${seeds[0]}–${seeds[seeds.length - 1]})`;
  const runs = sweep.points.length * sweep.policies.length * seeds.length;
  return `${scenario}: ${sweep.points.length} points × ${sweep.policies.length} ${sweep.policies.length === 1 ? "policy" : "policies"} × ${seedText} = ${runs} runs`;
}

export function sweepTerminalSummary(sweep: Sweep, width = Number.POSITIVE_INFINITY): string {
  return [sweepHeadline(sweep), ...sweepTables(sweep).flatMap((table) => ["", renderText(table, width)])].join("\n");
}

export function sweepReportFiles(sweep: Sweep, context: ReportContext): Record<string, string> {
  return {
    "summary.md": markdown(sweep, context),
    "summary.csv": summaryCsv(sweep),
    "runs.csv": runsCsv(sweep),
    "summary.json": `${JSON.stringify(summaryJson(sweep, context), null, 2)}\n`,
    "report.html": renderPage(sweepPage(sweep, { ...context, headline: sweepHeadline(sweep), tables: sweepTables(sweep) })),
  };
}

function markdown(sweep: Sweep, context: ReportContext): string {
  const scenario = sweep.points[0]?.comparison.scenario;
  const results = sweep.points[0]?.comparison.results ?? [];
  return [
    `# schedlab sweep: ${scenario?.name ?? ""}`,
    "",
    scenario?.description ?? "",
    "",
    sweepHeadline(sweep),
    "",
    "Parameters (the first varies slowest):",
    "",
    ...sweep.parameters.map((parameter) => `- \`${parameter.path}\`: ${parameter.values.map(formatValue).join(", ")}`),
    "",
    ...reproduceLines(context.command),
    "",
    "Policies:",
    "",
    ...policyLines(results),
    "",
    ...sweepTables(sweep).flatMap((table) => [renderMarkdown(table), ""]),
    "## How to read this",
    "",
    "- Each point is the scenario with the parameters set to the point's values, checked as a scenario file is; its figures are those `schedlab compare` gives that scenario on the same seeds.",
    "- Each cell is the mean over seeds ± the half-width of its 95% confidence interval (Student's t). Every policy at every point runs the same seeds.",
    "- Latency counts completed jobs only; `Throughput while jobs arrive` covers the arrival window (the steady state), `whole run` includes the drain after arrivals stop. Definitions are in docs/metrics.md.",
    "- runs.csv has one row per point × policy × seed; summary.csv one per point × policy; summary.json has every figure of compare's summary for every point.",
    "",
    `schedlab ${context.version}; scenario file \`${context.scenarioFile}\`.`,
    "",
  ].join("\n");
}

function parameterColumns(sweep: Sweep, point: Sweep["points"][number]): Record<string, string> {
  return Object.fromEntries(point.assignments.map((assignment, index) => [sweep.parameters[index]?.path ?? assignment.path, formatValue(assignment.value)]));
}

function runsCsv(sweep: Sweep): string {
  const metrics = sweepMetrics(sweep);
  const records = sweep.points.flatMap((point) =>
    point.comparison.results.flatMap((result) =>
      result.runs.map((run) => {
        const values = runValues(run, metrics).map(([column, value]) => [column, csvNumber(value)]);
        return { ...parameterColumns(sweep, point), policy: result.policy.name, seed: run.seed, ...Object.fromEntries(values) };
      }),
    ),
  );
  return stringify(records, { header: true });
}

function summaryCsv(sweep: Sweep): string {
  const metrics = sweepMetrics(sweep);
  const records = sweep.points.flatMap((point) =>
    sweep.policies.map((policy) => {
      const result = resultOf(point, policy);
      const values = metrics.flatMap((metric) => {
        const estimate = metricEstimate(result, metric);
        return [
          [`${metric.column}_mean`, csvNumber(estimate.mean)],
          [`${metric.column}_ci95`, csvNumber(estimate.ci95)],
        ];
      });
      return { ...parameterColumns(sweep, point), policy, seeds: sweep.seeds.length, ...Object.fromEntries(values) };
    }),
  );
  return stringify(records, { header: true });
}

/** One run's value of each figure; undefined where the run has none. */
function runValues(run: RunSummary, metrics: readonly SweepMetric[]): [string, number | undefined][] {
  const rows = new Map(metricRows(run).map((row) => [rowKey(row), row.value]));
  return metrics.map((metric) => [metric.column, rows.get(rowKey(metric))]);
}

function csvNumber(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? "" : String(value);
}

function summaryJson(sweep: Sweep, context: ReportContext): unknown {
  const scenario = sweep.points[0]?.comparison.scenario;
  const metrics = sweepMetrics(sweep);
  return {
    tool: "schedlab",
    kind: "sweep",
    version: context.version,
    command: context.command,
    ...(context.request === undefined ? {} : { request: context.request }),
    scenario: { name: scenario?.name ?? "", file: context.scenarioFile, description: scenario?.description ?? "" },
    parameters: sweep.parameters.map((parameter) => ({ path: parameter.path, values: parameter.values })),
    seeds: sweep.seeds,
    baseline: sweep.policies[0] ?? "",
    points: sweep.points.map((point) => ({
      name: describeAssignments(point.assignments),
      values: Object.fromEntries(point.assignments.map((assignment) => [assignment.path, assignment.value])),
      policies: point.comparison.results.map((result) => ({
        name: result.policy.name,
        metrics: result.rows.map(aggregateRowJson),
        runs: result.runs.map((run) => ({ seed: run.seed, ...Object.fromEntries(runValues(run, metrics).map(([column, value]) => [column, value ?? null])) })),
      })),
    })),
  };
}
