// The sections of a run's or a comparison's report page, built from the comparison (figures over seeds) and the
// chart data its runs brought (latency distributions, one seed's time series). Each function returns one section,
// so another report can reuse any of them.

import { type Comparison, type PolicyResult, findRow } from "../../experiment/compare.ts";
import type { Estimate } from "../../metrics/confidence.ts";
import { IMPORTANCE_BANDS, LENGTH_BANDS } from "../../metrics/context.ts";
import { cdfPoints, type HistogramData } from "../../metrics/latency-histogram.ts";
import type { Scope } from "../../metrics/rows.ts";
import type { SeriesKind, TimelineData, TimelineSeries } from "../../metrics/timeline.ts";
import type { Table } from "../table.ts";
import type { Axis, ChartSpec, ChoiceOption, IntervalValue, LineSeries, Section } from "./model.ts";

const SECONDS = 1 / 1000;

function groupsOf(comparison: Comparison, scope: Scope): string[] {
  const groups = new Set<string>();
  for (const result of comparison.results) for (const row of result.rows) if (row.scope === scope) groups.add(row.group);
  return [...groups].sort();
}

/**
 * A chart value with its 95% interval. `range` is what the quantity can take (a share: 0 to 1): Student's
 * interval is symmetric, so near a bound it reaches past it (retention 99% ± 3), and is cut there.
 */
function intervalValue(estimate: Estimate | undefined, scale = 1, range?: { readonly min: number; readonly max: number }): IntervalValue | null {
  if (estimate === undefined || Number.isNaN(estimate.mean)) return null;
  const low = Math.max(range?.min ?? -Infinity, estimate.mean - estimate.ci95);
  const high = Math.min(range?.max ?? Infinity, estimate.mean + estimate.ci95);
  const interval = estimate.n >= 2 && Number.isFinite(estimate.ci95) ? { low: low * scale, high: high * scale } : null;
  return { value: estimate.mean * scale, interval };
}

function seedText(comparison: Comparison): string {
  const { seeds } = comparison;
  return seeds.length === 1 ? `seed ${seeds[0]}` : `${seeds.length} seeds (${seeds[0]}–${seeds[seeds.length - 1]})`;
}

/** Latency CDF per policy, overall or for one lane or tenant, from every seed's completed jobs. */
export function latencyCdfSection(comparison: Comparison): Section {
  const charted = comparison.results.filter((result) => result.charts !== undefined);
  const lanes = [...new Set(charted.flatMap((result) => Object.keys(result.charts?.latency.by_lane ?? {})))].sort();
  const tenants = [...new Set(charted.flatMap((result) => Object.keys(result.charts?.latency.by_tenant ?? {})))].sort();
  const cdf = (id: string, title: string, pick: (result: PolicyResult) => HistogramData | undefined): ChartSpec => ({
    type: "lines",
    id,
    title,
    x: { label: "job latency (s)", min: 0 },
    y: { label: "completed jobs at or below", percent: true, min: 0, max: 1 },
    series: comparison.results.flatMap((result, color): LineSeries[] => {
      const histogram = pick(result);
      if (histogram === undefined || histogram.count === 0) return [];
      return [{ label: result.policy.name, color, points: cdfPoints(histogram).map(([ms, fraction]) => [ms * SECONDS, fraction]) }];
    }),
  });
  const options: ChoiceOption[] = [
    { label: "all jobs", charts: [cdf("cdf-all", "Latency CDF, all jobs", (result) => result.charts?.latency.overall)] },
    ...lanes.map((lane) => ({ label: `lane: ${lane}`, charts: [cdf(`cdf-lane-${lane}`, `Latency CDF, lane ${lane}`, (result) => result.charts?.latency.by_lane[lane])] })),
    ...tenants.map((tenant) => ({
      label: `tenant: ${tenant}`,
      charts: [cdf(`cdf-tenant-${tenant}`, `Latency CDF, tenant ${tenant}`, (result) => result.charts?.latency.by_tenant[tenant])],
    })),
  ];
  return {
    id: "latency-cdf",
    title: "Latency distribution",
    paragraphs: [
      `The share of completed jobs that finished within a given latency (job_finished − job_arrived), per policy, over the completed jobs of all ${seedText(comparison)} together. Read from histograms with buckets 1% wide. A curve further left is faster; where two curves cross, one policy trades its tail for its median.`,
    ],
    blocks: charted.length === 0 ? [{ kind: "note", text: "These runs carry no latency distributions." }] : [{ kind: "choice", label: "jobs", options }],
  };
}

/** P95 per policy for each lane (or tenant) and overall, with its 95% interval over seeds. */
export function p95Section(comparison: Comparison): Section {
  const chart = (scope: "lane" | "tenant"): ChartSpec => {
    const groups: [Scope, string][] = [...groupsOf(comparison, scope).map((group): [Scope, string] => [scope, group]), ["overall", "all"]];
    return {
      type: "intervals",
      id: `p95-${scope}`,
      title: `P95 latency by ${scope} (s)`,
      categories: groups.map(([, group]) => group),
      y: { label: "P95 latency (s)", min: 0 },
      base: 0,
      series: comparison.results.map((result, color) => ({
        label: result.policy.name,
        color,
        values: groups.map(([scope, group]) => intervalValue(findRow(result, scope, group, "latency_ms_p95")?.estimate, SECONDS)),
      })),
    };
  };
  return {
    id: "p95",
    title: "P95 latency with its 95% interval",
    paragraphs: [
      comparison.seeds.length > 1
        ? `Bars are the mean over ${seedText(comparison)} of each run's P95; whiskers its 95% confidence interval (Student's t). Overlapping whiskers mean these runs cannot tell the two apart; the paired ratio below is tighter.`
        : "One seed: the bars are that run's P95, with no interval. Run a comparison over several seeds for intervals.",
    ],
    blocks: [
      { kind: "choice", label: "groups", options: [{ label: "by lane", charts: [chart("lane")] }, { label: "by tenant", charts: [chart("tenant")] }] },
    ],
  };
}

/** Per-seed P95 ratio of each policy to the baseline, with its interval, overall, per lane and per tenant. */
export function ratioSection(comparison: Comparison): Section {
  const others = comparison.results.filter((result) => result.policy.name !== comparison.baseline);
  const groups: [Scope, string, string][] = [
    ["overall", "all", "all"],
    ...groupsOf(comparison, "lane").map((lane): [Scope, string, string] => ["lane", lane, `lane ${lane}`]),
    ...groupsOf(comparison, "tenant").map((tenant): [Scope, string, string] => ["tenant", tenant, `tenant ${tenant}`]),
  ];
  const chart: ChartSpec = {
    type: "intervals",
    id: "ratio-p95",
    title: `P95 relative to ${comparison.baseline} (paired, per seed)`,
    categories: groups.map(([, , label]) => label),
    y: { label: `P95 ÷ ${comparison.baseline}'s` },
    base: 1,
    series: others.map((result) => ({
      label: result.policy.name,
      color: comparison.results.indexOf(result),
      values: groups.map(([scope, group]) => intervalValue(findRow(result, scope, group, "latency_ms_p95")?.ratioToBaseline)),
    })),
  };
  return {
    id: "ratio",
    title: "Change against the baseline",
    paragraphs: [
      `Every seed gives every policy the same jobs, so each seed's P95 is divided by ${comparison.baseline}'s on that seed, and the ratios are averaged: a bar below 1 is faster than the baseline. Whiskers are the 95% interval of the mean ratio; one that does not reach 1 is a difference these seeds can see.`,
    ],
    blocks: others.length === 0 ? [{ kind: "note", text: "One policy: there is nothing to compare with." }] : [{ kind: "chart", chart }],
  };
}

function seriesOf(data: TimelineData, kind: SeriesKind): TimelineSeries[] {
  return data.series.filter((series) => series.kind === kind);
}

function timePoints(data: TimelineData, values: readonly number[], scale = 1): [number, number][] {
  return values.map((value, bucket) => [((bucket + 0.5) * data.bucket_ms) / 1000, value * scale]);
}

function timelineCharts(policy: string, data: TimelineData): ChartSpec[] {
  const time = { label: "time (s)", min: 0 };
  const resources = Object.keys(data.capacities);
  const colorOf = (key: string): number => Math.max(0, resources.indexOf(key)) + 1;
  const queued = seriesOf(data, "queued").map((series, index): LineSeries => ({
    label: series.key === "all" ? "ready, not leased (all)" : `ready, lane ${series.key}`,
    points: timePoints(data, series.values),
    dashed: series.key !== "all",
    color: series.key === "all" ? 0 : resources.length + index + 1,
  }));
  const waiting = seriesOf(data, "waiting").map((series): LineSeries => ({
    label: `waiting for ${series.key}`,
    points: timePoints(data, series.values),
    color: colorOf(series.key),
  }));
  const held = seriesOf(data, "held").map((series): LineSeries => ({ label: `held ${series.key}`, points: timePoints(data, series.values), color: colorOf(series.key) }));
  const inFlight = seriesOf(data, "in_flight").map((series): LineSeries => ({
    label: `requests in flight, ${series.key}`,
    points: timePoints(data, series.values),
    dashed: true,
    color: colorOf(`provider:${series.key}`),
  }));
  const providers = seriesOf(data, "in_flight").map((series) => series.key);
  const utilization = providers.flatMap((provider): LineSeries[] => {
    const heldSeries = data.series.find((series) => series.kind === "held" && series.key === `provider:${provider}`);
    const capacity = data.capacities[`provider:${provider}`];
    if (heldSeries === undefined || capacity === undefined || capacity <= 0) return [];
    return [{ label: `${provider} utilization`, points: timePoints(data, heldSeries.values, 1 / capacity), color: colorOf(`provider:${provider}`) }];
  });
  const limited = seriesOf(data, "rate_limited").map((series): LineSeries => ({
    label: `${series.key} 429s per second`,
    points: timePoints(data, series.values),
    axis: "y2",
    dashed: true,
    stepped: true,
    color: colorOf(`provider:${series.key}`),
  }));
  const charts: ChartSpec[] = [
    { type: "lines", id: `queue-${policy}`, title: `Queue depth: ${policy}`, x: time, y: { label: "tasks (time average)", min: 0 }, series: [...queued, ...waiting] },
    { type: "lines", id: `held-${policy}`, title: `In flight per resource: ${policy}`, x: time, y: { label: "held (time average)", min: 0 }, series: [...held, ...inFlight] },
    {
      type: "lines",
      id: `providers-${policy}`,
      title: `Provider utilization and 429s: ${policy}`,
      x: time,
      y: { label: "slots held / provider cap", percent: true, min: 0 },
      y2: { label: "429s per second", min: 0 },
      series: [...utilization, ...limited],
    },
  ];
  const limits = seriesOf(data, "limit");
  if (limits.length > 0) {
    charts.push({
      type: "lines",
      id: `limits-${policy}`,
      title: `Concurrency limits: ${policy}`,
      x: time,
      y: { label: "slots", min: 0 },
      series: limits.flatMap((series): LineSeries[] => {
        const heldSeries = data.series.find((candidate) => candidate.kind === "held" && candidate.key === series.key);
        return [
          { label: `limit ${series.key}`, points: timePoints(data, series.values), stepped: true, color: colorOf(series.key) },
          ...(heldSeries === undefined ? [] : [{ label: `held ${series.key}`, points: timePoints(data, heldSeries.values), dashed: true, color: colorOf(series.key) }]),
        ];
      }),
    });
  }
  return charts;
}

/** One seed's time series per policy: queue depth, capacity held, provider utilization and 429s, limits. */
export function timelineSection(comparison: Comparison): Section {
  const options = comparison.results.flatMap((result): ChoiceOption[] => {
    const timeline = result.charts?.timeline;
    return timeline === undefined ? [] : [{ label: `${result.policy.name} (seed ${timeline.seed})`, charts: timelineCharts(result.policy.name, timeline.data) }];
  });
  const seeds = [...new Set(comparison.results.map((result) => result.charts?.timeline?.seed).filter((seed) => seed !== undefined))];
  return {
    id: "timeline",
    title: seeds.length === 1 ? `Over time (seed ${seeds[0]})` : "Over time",
    paragraphs: [
      `One run per policy${seeds.length === 1 ? `, on seed ${seeds[0]}, the first of the comparison: every policy sees the same jobs on it` : ""}. The run is cut into at most 240 equal time buckets; levels are time averages over a bucket, 429s a rate. "Waiting for" a resource counts a task from task_ready until its lease, under each resource that lease took. Utilization is slots held over the provider's scheduler cap. Concurrency limits are drawn when the log has limit_changed events.`,
    ],
    blocks: options.length === 0 ? [{ kind: "note", text: "These runs carry no time series." }] : [{ kind: "choice", label: "policy", options }],
  };
}

/** Each tenant's share of the tokens served, per policy. */
export function serviceShareSection(comparison: Comparison): Section {
  const tenants = groupsOf(comparison, "tenant");
  const chart: ChartSpec = {
    type: "stacked",
    id: "service-share",
    title: "Share of tokens served, per tenant",
    categories: comparison.results.map((result) => result.policy.name),
    x: { label: "share of input + output tokens of requests that finished ok", percent: true, min: 0, max: 1 },
    series: tenants.map((tenant, index) => ({
      label: tenant,
      color: index,
      values: comparison.results.map((result) => {
        const share = findRow(result, "tenant", tenant, "service_tokens_share")?.estimate.mean;
        return share === undefined || Number.isNaN(share) ? null : share;
      }),
    })),
  };
  return {
    id: "service-share",
    title: "Service share per tenant",
    paragraphs: ["Mean over seeds of each tenant's share of the tokens served (requests that finished ok). Fairness figures are defined in docs/metrics.md."],
    blocks: tenants.length < 2 ? [{ kind: "note", text: `One tenant (${tenants[0] ?? "none"}): it received all the service.` }] : [{ kind: "chart", chart }],
  };
}

export function tablesSection(tables: readonly Table[]): Section {
  return {
    id: "tables",
    title: "Tables",
    paragraphs: ["The tables of summary.md: each cell is the mean over seeds ± the half-width of its 95% interval."],
    blocks: tables.map((table) => ({ kind: "table", table })),
  };
}

/** Context managers (runs with agent sessions): key-fact retention by group, and the tokens each spent, with intervals. */
export function contextSection(comparison: Comparison): Section {
  /** A category of a chart: its label and the context row (group, metric) it shows. */
  type Category = readonly [label: string, group: string, metric: string];
  const groups = groupsOf(comparison, "context");
  const probed = (group: string): boolean => groups.includes(group) && comparison.results.some((result) => (findRow(result, "context", group, "probes")?.estimate.mean ?? 0) > 0);
  const retention = ([
    ["all probes", "all", "retention"],
    ["pinned facts", "pinned", "retention"],
    ...IMPORTANCE_BANDS.map((band): Category => [`importance ${band.name}`, `importance:${band.name}`, "retention"]),
    ...LENGTH_BANDS.map((band): Category => [`${band.name} turns`, `length:${band.name}`, "retention"]),
  ] satisfies Category[]).filter(([, group]) => probed(group));
  const tokens: Category[] = [
    ["compaction", "all", "compaction_tokens"],
    ["recall", "all", "recall_tokens"],
  ];
  const intervals = (id: string, title: string, categories: readonly Category[], y: Axis, range?: { min: number; max: number }): ChartSpec => ({
    type: "intervals",
    id,
    title,
    categories: categories.map(([label]) => label),
    y,
    base: 0,
    series: comparison.results.map((result, color) => ({
      label: result.policy.name,
      color,
      values: categories.map(([, group, metric]) => intervalValue(findRow(result, "context", group, metric)?.estimate, 1, range)),
    })),
  });
  return {
    id: "context",
    title: "Context managers",
    paragraphs: [
      `Retention is the share of probes whose fact was in the context assembled for that turn, under each policy's context manager: the mean over ${seedText(comparison)} with its 95% interval (docs/metrics.md, "Context"), cut at 0 and 100%, which a share cannot pass. Tokens are those spent per run on compaction (summaries) and on recalls from the cold store.`,
    ],
    blocks: [
      { kind: "chart", chart: intervals("context-retention", "Key-fact retention at probe time", retention, { label: "probes answered from context", percent: true, min: 0, max: 1 }, { min: 0, max: 1 }) },
      { kind: "chart", chart: intervals("context-tokens", "Tokens spent per run", tokens, { label: "tokens per run", min: 0 }) },
    ],
  };
}
