// The files of a report folder: summary.md (to read), summary.csv and runs.csv (to analyse), summary.json
// (everything, per seed included). All are built from one Comparison; a single run is a comparison of one
// policy on one seed.

import { stringify } from "csv-stringify/sync";
import { type AggregateRow, type Comparison, type PolicyResult, findRow } from "../experiment/compare.ts";
import { metricRows } from "../metrics/rows.ts";
import { formatNumber, formatPercent } from "./format.ts";
import { comparisonPage } from "./html/comparison-page.ts";
import { renderPage } from "./html/page.ts";
import {
  admissionTable,
  contextKindOf,
  contextTable,
  fairnessTable,
  hasContext,
  showsJobs,
  providerTable,
  hasFairnessGroups,
  hasSeveralTenants,
  latencyTable,
  releaseTable,
  retentionTable,
  runTable,
  tenantLaneTable,
  utilizationTable,
} from "./tables.ts";
import { type Table, renderMarkdown, renderText } from "./table.ts";

export interface ReportContext {
  /** The command that reproduces this report. */
  readonly command: string;
  readonly scenarioFile: string;
  readonly version: string;
  /** The report folder's request fingerprint (src/cli/report-output.ts), kept in summary.json. */
  readonly request?: string | undefined;
}

/**
 * The tables in order: latency by lane, runs, utilization, providers, admission, then tenants and fairness, then
 * context. summary.md and report.html (`inReport`) also show lease releases, and the tenant tables even with one
 * tenant.
 */
function tablesOf(comparison: Comparison, inReport: boolean): Table[] {
  const severalTenants = hasSeveralTenants(comparison);
  const scheduling = [
    latencyTable(comparison),
    runTable(comparison),
    utilizationTable(comparison),
    providerTable(comparison),
    admissionTable(comparison),
    ...(inReport ? [releaseTable(comparison), latencyTable(comparison, "tenant")] : severalTenants ? [latencyTable(comparison, "tenant")] : []),
    ...(severalTenants ? [tenantLaneTable(comparison)] : []),
    ...(hasFairnessGroups(comparison) ? [fairnessTable(comparison)] : []),
  ];
  return [...(showsJobs(comparison) ? scheduling : []), ...(hasContext(comparison) ? [contextTable(comparison), retentionTable(comparison)] : [])];
}

/** The tables for a terminal `width` columns wide: a wider table is split into sections of columns. */
export function terminalSummary(comparison: Comparison, width = Number.POSITIVE_INFINITY): string {
  const notes = caveats(comparison);
  return [
    headline(comparison),
    ...tablesOf(comparison, false).flatMap((table) => ["", renderText(table, width)]),
    ...(notes.length > 0 ? ["", ...notes.map((note) => wrap(note, width))] : []),
  ].join("\n");
}

/** Prose broken at spaces into lines no wider than `width` (a word longer than that keeps its own line). */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  return [...lines, line].join("\n");
}

/**
 * Warnings a reader needs to interpret the tables: latency counts completed jobs only, so a policy that
 * fails its slowest jobs looks faster than it is.
 */
export function caveats(comparison: Comparison): string[] {
  const notes: string[] = [];
  for (const result of comparison.results) {
    const failed = findRow(result, "overall", "all", "jobs_failed")?.estimate.mean ?? 0;
    const arrived = findRow(result, "overall", "all", "jobs_arrived")?.estimate.mean ?? 0;
    if (failed <= 0 || arrived <= 0) continue;
    notes.push(
      `Note: ${result.policy.name} failed ${formatNumber(failed)} of ${formatNumber(arrived)} jobs per run (${formatNumber((100 * failed) / arrived)}%). ` +
        "Latency counts completed jobs only, so its percentiles leave out jobs that failed, often the slowest ones.",
    );
  }
  for (const result of comparison.results) {
    const growing = findRow(result, "overall", "all", "backlog_growing")?.estimate.mean ?? 0;
    if (growing <= 0) continue;
    const half = findRow(result, "overall", "all", "backlog_jobs_at_half")?.estimate.mean ?? 0;
    const end = findRow(result, "overall", "all", "backlog_jobs_at_end")?.estimate.mean ?? 0;
    notes.push(
      `Overload: under ${result.policy.name} the backlog grew for the whole arrival window (${formatNumber(half)} jobs in the system at half of it, ${formatNumber(end)} at the last arrival${growing < 1 ? `; in ${formatNumber(100 * growing)}% of the runs` : ""}): ` +
        "arrivals outpace service, so latency grows with the run's length rather than settling.",
    );
  }
  for (const result of comparison.results) {
    const falseReaps = findRow(result, "overall", "all", "false_reaps")?.estimate.mean ?? 0;
    const reaped = findRow(result, "overall", "all", "reaped")?.estimate.mean ?? 0;
    if (falseReaps <= 0) continue;
    notes.push(
      `Note: ${result.policy.name} reaped ${formatNumber(reaped)} workers per run, ${formatNumber(falseReaps)} of them working (false reaps): ` +
        "its reap_after_ms is shorter than the silence of a worker in a long request or a retry wait.",
    );
  }
  const published = publishedContextNote(comparison);
  if (published !== undefined) notes.push(published);
  return notes;
}

/**
 * With a tiered manager beside a sliding window (and a summarize, for compaction tokens), these runs' figures
 * set against the published three-tier manager's: 100% vs 65.1% retention, at about twice the compaction tokens
 * (34,330 vs 17,212; docs/context.md). Our sliding window never compacts, so tiered's tokens are set against summarize's.
 */
function publishedContextNote(comparison: Comparison): string | undefined {
  const byKind = (kind: string) => comparison.results.find((result) => contextKindOf(result) === kind && findRow(result, "context", "all", "retention") !== undefined);
  const tiered = byKind("tiered");
  const sliding = byKind("sliding_window");
  if (tiered === undefined || sliding === undefined) return undefined;
  const retention = (result: typeof tiered) => findRow(result, "context", "all", "retention")?.estimate ?? { n: 0, mean: Number.NaN, ci95: Number.NaN, min: Number.NaN, max: Number.NaN };
  const summarize = byKind("summarize");
  const tokens = (result: typeof tiered) => findRow(result, "context", "all", "compaction_tokens")?.estimate.mean ?? Number.NaN;
  const compaction =
    summarize === undefined ? "" : ` and spent ${formatNumber(tokens(tiered) / tokens(summarize))}× the compaction tokens of ${summarize.policy.name} (${formatNumber(tokens(tiered))} vs ${formatNumber(tokens(summarize))} per run)`;
  const named = (result: typeof tiered) => (result.policy.name === contextKindOf(result) ? result.policy.name : `${result.policy.name} (${contextKindOf(result)})`);
  return (
    `Note: ${named(tiered)} retained ${formatPercent(retention(tiered), 1)} of probed facts against ${formatPercent(retention(sliding), 1)} for ${named(sliding)}${compaction}. ` +
    "The published three-tier manager (OS-style resource manager) reports 100% against 65.1% for a sliding window, at about twice the compaction tokens (34,330 vs 17,212), on its own sessions; these figures depend on the session shapes and costs of this scenario."
  );
}

export function reportFiles(comparison: Comparison, context: ReportContext): Record<string, string> {
  return {
    "summary.md": markdown(comparison, context),
    "summary.csv": summaryCsv(comparison),
    "runs.csv": runsCsv(comparison),
    "summary.json": `${JSON.stringify(summaryJson(comparison, context), null, 2)}\n`,
    "report.html": renderPage(
      comparisonPage(comparison, { ...context, headline: headline(comparison), tables: tablesOf(comparison, true), notes: caveats(comparison) }),
    ),
  };
}

function headline(comparison: Comparison): string {
  const { scenario, seeds, results } = comparison;
  const seedText = seeds.length === 1 ? `seed ${seeds[0]}` : `${seeds.length} seeds (${seeds[0]}–${seeds[seeds.length - 1]}), mean ± 95% CI`;
  const jobs = results[0]?.runs[0]?.jobs.arrived ?? 0;
  const sessions = results[0]?.runs[0]?.context?.sessions;
  const sessionText = sessions === undefined ? "" : `; ${sessions} agent sessions per run`;
  return `${scenario.name}: ${results.length} ${results.length === 1 ? "policy" : "policies"} × ${seedText}; ${jobs} jobs per run${sessionText}`;
}

/** The lines of a report that say how to run it again: the command in a fenced block. */
export function reproduceLines(command: string): string[] {
  return ["Reproduce with:", "", "```sh", command, "```"];
}

/** A report's list of policies, one bullet each with its description. */
export function policyLines(results: readonly PolicyResult[]): string[] {
  return results.map((result) => `- \`${result.policy.name}\`${result.policy.description === "" ? "" : `: ${result.policy.description}`}`);
}

function markdown(comparison: Comparison, context: ReportContext): string {
  const { scenario } = comparison;
  return [
    `# schedlab report: ${scenario.name}`,
    "",
    scenario.description,
    "",
    headline(comparison),
    "",
    ...reproduceLines(context.command),
    "",
    "Policies (the first is the baseline for ratios):",
    "",
    ...policyLines(comparison.results),
    "",
    ...tablesOf(comparison, true).flatMap((table, index) => [renderMarkdown(table), "", ...(index === 1 ? caveats(comparison).flatMap((note) => [`> ${note}`, ""]) : [])]),
    "## How to read this",
    "",
    "- Latency is `job_finished.t − job_arrived.t` of completed jobs; percentiles are nearest-rank on the exact sample of each run.",
    "- With several seeds each cell is the mean over seeds ± the half-width of its 95% confidence interval (Student's t). Two policies whose intervals overlap may not differ.",
    "- Every seed gives every policy the same jobs, so `P95 vs baseline` is the mean of per-seed ratios: a paired comparison, tighter than comparing two means.",
    "- `queue wait` is `lease_acquired.t − task_ready.t`; `util` is the time-average share of a resource's limit held by leases. `arriving` figures cover the arrival window only (from the start to the last job_arrived), the steady state; `whole run` ones include the drain after arrivals stop, which dilutes them.",
    "- `hidden waiters` are spawned workers blocked on scheduler capacity (`worker_wait_started` … `worker_wait_ended`); `ready→lease` runs from `task_ready` until the task holds every resource it needs, so it includes hidden waiting that `queue wait` cannot see.",
    "- Fairness: a group (tenant, lane) is *backlogged* while it has a ready task not yet leased; time is *contended* while two or more groups are. `Jain` is Jain's index over each group's token rate while it was backlogged during contention, divided by its weight: 1 when every backlogged group got service in proportion to its weight, 1/n when one of n got it all. Groups that ask for less than their share also score low, so read it with `lag max`: the most tokens (per unit of weight) one backlogged group got ahead of another while both waited. `token share` is the group's share of all tokens served (requests that finished `ok`).",
    "- Every figure is recomputed from the event log (`schedlab run … --events FILE`); definitions are in docs/metrics.md.",
    "",
    `schedlab ${context.version}; scenario file \`${context.scenarioFile}\`.`,
    "",
  ].join("\n");
}

function summaryCsv(comparison: Comparison): string {
  const records = comparison.results.flatMap((result) =>
    result.rows.map((row) => ({
      policy: result.policy.name,
      scope: row.scope,
      group: row.group,
      metric: row.metric,
      n: row.estimate.n,
      mean: csvNumber(row.estimate.mean),
      ci95: csvNumber(row.estimate.ci95),
      min: csvNumber(row.estimate.min),
      max: csvNumber(row.estimate.max),
      ratio_to_baseline: csvNumber(row.ratioToBaseline.mean),
      ratio_to_baseline_ci95: csvNumber(row.ratioToBaseline.ci95),
    })),
  );
  return stringify(records, { header: true });
}

function runsCsv(comparison: Comparison): string {
  const records = comparison.results.flatMap((result) =>
    result.runs.flatMap((run) =>
      metricRows(run).map((row) => ({
        policy: result.policy.name,
        seed: run.seed,
        scope: row.scope,
        group: row.group,
        metric: row.metric,
        value: csvNumber(row.value),
      })),
    ),
  );
  return stringify(records, { header: true });
}

function csvNumber(value: number): string {
  return Number.isNaN(value) ? "" : String(value);
}

/** An aggregated figure as summary.json gives it. */
export function aggregateRowJson(row: AggregateRow): Record<string, unknown> {
  return {
    scope: row.scope,
    group: row.group,
    metric: row.metric,
    ...row.estimate,
    ratio_to_baseline: row.ratioToBaseline.mean,
    ratio_to_baseline_ci95: row.ratioToBaseline.ci95,
  };
}

function summaryJson(comparison: Comparison, context: ReportContext): unknown {
  return {
    tool: "schedlab",
    version: context.version,
    command: context.command,
    ...(context.request === undefined ? {} : { request: context.request }),
    scenario: { name: comparison.scenario.name, file: context.scenarioFile, description: comparison.scenario.description },
    seeds: comparison.seeds,
    baseline: comparison.baseline,
    policies: comparison.results.map((result) => ({
      name: result.policy.name,
      description: result.policy.description,
      metrics: result.rows.map(aggregateRowJson),
      runs: result.runs,
    })),
  };
}
