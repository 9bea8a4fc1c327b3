// The report page as data: sections of blocks (charts, choices between charts, tables, notes), with charts
// described by what they show rather than how a library draws them. page.ts turns a ReportPage into one
// self-contained HTML file; client.ts draws it in the browser. A new report (a sweep, say) builds its own
// sections from these blocks and needs no code in the page.

import type { Table } from "../table.ts";

export interface ReportPage {
  readonly title: string;
  /** Lines under the title: what ran, how to reproduce it. */
  readonly lead: readonly string[];
  /** Shown as a code block: the command that reproduces the report. */
  readonly command: string;
  readonly sections: readonly Section[];
  readonly footer: string;
}

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly paragraphs: readonly string[];
  readonly blocks: readonly Block[];
}

export type Block =
  | { readonly kind: "chart"; readonly chart: ChartSpec }
  /** One set of charts at a time, picked from a list (a lane, a policy). */
  | { readonly kind: "choice"; readonly label: string; readonly options: readonly ChoiceOption[] }
  | { readonly kind: "table"; readonly table: Table }
  | { readonly kind: "note"; readonly text: string };

export interface ChoiceOption {
  readonly label: string;
  readonly charts: readonly ChartSpec[];
}

export interface Axis {
  readonly label: string;
  /** Values are fractions drawn as percentages. */
  readonly percent?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** A logarithmic scale, for figures that span orders of magnitude (P95 from a saturated point to an idle one). */
  readonly log?: boolean;
  /** Labels for the positions 0, 1, 2, …: an x axis of values that are not numbers (a swept string). */
  readonly ticks?: readonly string[];
}

export type ChartSpec = LinesChart | IntervalsChart | StackedChart;

/** Lines over a numeric x axis: CDFs, time series, a figure against a swept parameter. */
export interface LinesChart {
  readonly type: "lines";
  readonly id: string;
  readonly title: string;
  readonly x: Axis;
  readonly y: Axis;
  /** A second y axis, on the right, for series with `axis: "y2"`. */
  readonly y2?: Axis;
  readonly series: readonly LineSeries[];
}

export interface LineSeries {
  readonly label: string;
  /** [x, y]; null y leaves a gap. */
  readonly points: readonly (readonly [number, number | null])[];
  readonly axis?: "y" | "y2";
  readonly dashed?: boolean;
  readonly stepped?: boolean;
  /** Draws points, e.g. one per parameter value. */
  readonly markers?: boolean;
  /** Per point, a 95% interval drawn as a whisker, or as a shaded band with `band`. */
  readonly intervals?: readonly (Interval | null)[];
  readonly band?: boolean;
  /** Index into the page palette, so a policy keeps its colour across charts. */
  readonly color: number;
}

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** Bars per category with their 95% intervals: P95 per lane, ratios to a baseline. */
export interface IntervalsChart {
  readonly type: "intervals";
  readonly id: string;
  readonly title: string;
  readonly categories: readonly string[];
  readonly y: Axis;
  /** Bars start here: 0 for amounts, 1 for ratios (a bar then shows the change). */
  readonly base: number;
  readonly series: readonly IntervalSeries[];
}

export interface IntervalSeries {
  readonly label: string;
  readonly color: number;
  /** Per category; null where the figure is absent. */
  readonly values: readonly (IntervalValue | null)[];
}

export interface IntervalValue {
  readonly value: number;
  /** Absent with one seed. */
  readonly interval: Interval | null;
}

/** Horizontal bars of shares that add up to 1 per category: service share per tenant, per policy. */
export interface StackedChart {
  readonly type: "stacked";
  readonly id: string;
  readonly title: string;
  readonly categories: readonly string[];
  readonly x: Axis;
  readonly series: readonly { readonly label: string; readonly color: number; readonly values: readonly (number | null)[] }[];
}
