// The report.html of a sweep: P95 (overall and per lane), throughput, cost per job and 429s against the first
// parameter, a line per policy with its 95% interval as a band; with more parameters, a choice picks the values
// of the others. Then the tables of summary.md.

import type { Sweep } from "../../experiment/sweep.ts";
import { formatValue } from "../../experiment/sweep-parameters.ts";
import type { Table } from "../table.ts";
import {
  COST_PER_JOB,
  RATE_LIMITED,
  THROUGHPUT_ARRIVING,
  THROUGHPUT_WHOLE_RUN,
  type SweepMetric,
  metricEstimate,
  p95Metric,
  sweepLanes,
} from "../sweep-metrics.ts";
import type { Axis, Block, ChartSpec, ChoiceOption, Interval, LineSeries, ReportPage, Section } from "./model.ts";
import { tablesSection } from "./sections.ts";

export interface SweepPageContext {
  readonly headline: string;
  readonly command: string;
  readonly scenarioFile: string;
  readonly version: string;
  readonly tables: readonly Table[];
}

/** A slice of the grid: the points where every parameter but the first has the values of `label`. */
interface Slice {
  readonly id: string;
  /** e.g. `arrivals.rate_per_second=2`; empty with one parameter. */
  readonly label: string;
  /** Point indexes, one per value of the first parameter, in its order. */
  readonly points: readonly number[];
}

/** The first parameter varies slowest, so the slice of the others' combination `c` is points c, c + n, c + 2n, … */
function slices(sweep: Sweep): Slice[] {
  const firstValues = sweep.parameters[0]?.values.length ?? 0;
  const per = firstValues === 0 ? 0 : sweep.points.length / firstValues;
  return Array.from({ length: per }, (_, combination) => {
    const points = Array.from({ length: firstValues }, (_, step) => step * per + combination);
    const assignments = sweep.points[points[0] as number]?.assignments.slice(1) ?? [];
    return { id: `s${combination}`, label: assignments.map((assignment) => `${assignment.path}=${formatValue(assignment.value)}`).join(", "), points };
  });
}

/** The first parameter as the x axis: its values when all are numbers, else positions labelled with them. */
function xAxis(sweep: Sweep): { axis: Axis; positions: number[] } {
  const parameter = sweep.parameters[0];
  const values = parameter?.values ?? [];
  if (values.every((value) => typeof value === "number" && Number.isFinite(value))) {
    return { axis: { label: parameter?.path ?? "" }, positions: values as number[] };
  }
  return { axis: { label: parameter?.path ?? "", ticks: values.map(formatValue) }, positions: values.map((_, index) => index) };
}

function chart(sweep: Sweep, metric: SweepMetric, slice: Slice, idPrefix: string): ChartSpec {
  const { axis, positions } = xAxis(sweep);
  const series = sweep.policies.map((policy, color): LineSeries => {
    const estimates = slice.points.map((point) =>
      metricEstimate(sweep.points[point]?.comparison.results.find((result) => result.policy.name === policy), metric),
    );
    return {
      label: policy,
      color,
      markers: true,
      band: true,
      points: estimates.map((estimate, index) => [positions[index] as number, Number.isNaN(estimate.mean) ? null : estimate.mean * metric.scale]),
      intervals: estimates.map((estimate): Interval | null =>
        estimate.n >= 2 && Number.isFinite(estimate.ci95) ? { low: (estimate.mean - estimate.ci95) * metric.scale, high: (estimate.mean + estimate.ci95) * metric.scale } : null,
      ),
    };
  });
  return {
    type: "lines",
    id: `${idPrefix}-${slice.id}`,
    title: `${metric.title} against ${axis.label}${slice.label === "" ? "" : ` (${slice.label})`}`,
    x: axis,
    y: spansDecades(series) ? { label: `${metric.title} (${metric.unit}, log scale)`, log: true, min: lowestLow(series) } : { label: `${metric.title} (${metric.unit})`, min: 0 },
    series,
  };
}

/** What a choice offers per slice: all jobs, a lane. */
interface ChartKind {
  readonly label: string;
  readonly charts: (slice: Slice) => ChartSpec[];
}

/** Values all above 0 whose largest is at least LOG_SCALE_SPAN times the smallest read better on a log scale. */
const LOG_SCALE_SPAN = 20;

function spansDecades(series: readonly LineSeries[]): boolean {
  const values = series.flatMap((line) => line.points.flatMap(([, y]) => (y === null ? [] : [y])));
  if (values.length === 0 || values.some((value) => value <= 0)) return false;
  return Math.max(...values) >= LOG_SCALE_SPAN * Math.min(...values);
}

/** The bottom of a log axis: low enough for every band's positive low end and every value. */
function lowestLow(series: readonly LineSeries[]): number {
  const lows = series.flatMap((line) => [
    ...line.points.flatMap(([, y]) => (y === null ? [] : [y])),
    ...(line.intervals ?? []).flatMap((interval) => (interval === null || interval.low <= 0 ? [] : [interval.low])),
  ]);
  return 0.9 * Math.min(...lows);
}

/** One chart set per kind and slice: drawn directly when there is one, picked from a list when there are more. */
function sliceBlocks(sweep: Sweep, kinds: readonly ChartKind[]): Block[] {
  const all = slices(sweep);
  const label = all.length > 1 && kinds.length > 1 ? "jobs and point" : all.length > 1 ? "point" : "jobs";
  const options: ChoiceOption[] = all.flatMap((slice) =>
    kinds.map((kind) => ({ label: [kind.label, slice.label].filter((part) => part !== "").join(" · "), charts: kind.charts(slice) })),
  );
  if (options.length === 1) return (options[0] as ChoiceOption).charts.map((spec) => ({ kind: "chart", chart: spec }));
  return [{ kind: "choice", label, options }];
}

function section(id: string, title: string, paragraph: string, blocks: Block[]): Section {
  return { id, title, paragraphs: [paragraph], blocks };
}

export function sweepPage(sweep: Sweep, context: SweepPageContext): ReportPage {
  const scenario = sweep.points[0]?.comparison.scenario;
  const against = sweep.parameters[0]?.path ?? "";
  const lanes = sweepLanes(sweep);
  const p95Kinds: ChartKind[] = [
    { label: "all jobs", charts: (slice) => [chart(sweep, p95Metric(undefined), slice, "sweep-p95-all")] },
    ...lanes.map((lane) => ({ label: `lane ${lane}`, charts: (slice: Slice) => [chart(sweep, p95Metric(lane), slice, `sweep-p95-lane-${lane}`)] })),
  ];
  const only = (label: string, charts: (slice: Slice) => ChartSpec[]): ChartKind[] => [{ label, charts }];
  const band = "Each line is a policy; the band around it is the 95% interval over seeds (none with one seed).";
  return {
    title: `schedlab sweep: ${scenario?.name ?? ""}`,
    lead: [scenario?.description ?? "", context.headline, `Parameters: ${sweep.parameters.map((parameter) => `\`${parameter.path}\` = ${parameter.values.map(formatValue).join(", ")}`).join("; ")}.`].filter(
      (line) => line !== "",
    ),
    command: context.command,
    sections: [
      section("sweep-p95", `P95 latency against ${against}`, `${band} Pick all jobs or a lane.`, sliceBlocks(sweep, p95Kinds)),
      section(
        "sweep-throughput",
        `Throughput against ${against}`,
        `${band} While jobs arrive is the steady state; the whole run includes the drain after arrivals stop.`,
        sliceBlocks(
          sweep,
          only("", (slice) => [chart(sweep, THROUGHPUT_ARRIVING, slice, "sweep-throughput-arriving"), chart(sweep, THROUGHPUT_WHOLE_RUN, slice, "sweep-throughput-whole")]),
        ),
      ),
      section("sweep-cost", `Cost per completed job against ${against}`, band, sliceBlocks(sweep, only("", (slice) => [chart(sweep, COST_PER_JOB, slice, "sweep-cost")]))),
      section("sweep-429s", `429 responses against ${against}`, band, sliceBlocks(sweep, only("", (slice) => [chart(sweep, RATE_LIMITED, slice, "sweep-429s")]))),
      tablesSection(context.tables),
    ],
    footer: `schedlab ${context.version}; scenario file \`${context.scenarioFile}\`. Every point's figures are those \`schedlab compare\` gives its scenario, defined in docs/metrics.md.`,
  };
}
