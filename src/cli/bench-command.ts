// schedlab bench: the performance suites, calibrated against a loop measured in the same run; saves a
// baseline and fails (exit 1) naming each figure that regressed against one.

import { cpus } from "node:os";
import { basename, dirname } from "node:path";
import { BaselineError, type BaselineComparison, compareToBaseline, readBaseline } from "../bench/baseline.ts";
import { type BenchReport, type Figure, median, relativeSpread } from "../bench/figures.ts";
import { Sampler } from "../bench/sampler.ts";
import { SUITES, type Suite, measure, probesOf, remeasure } from "../bench/suites.ts";
import { targetChecks } from "../bench/targets.ts";
import { QUEUE_KINDS } from "../policies/queues/registry.ts";
import { writeFilesAtomically } from "../report/write.ts";
import { UsageError, integerFlag, parseCommand, requireWritableFile } from "./args.ts";

const DEFAULT_MAX_REGRESSION_PCT = 25;
const DEFAULT_ROUNDS = 5;
const DEFAULT_SAMPLE_TIME_MS = 100;

export const BENCH_HELP = `Usage: schedlab bench [options]

Runs the performance suites with tinybench: event heap and engine dispatch (engine), simulated jobs per
wall second (simulate), lease-ledger acquire + release (ledger), the 1M-job scenario in a fresh process
(one-million) and every ready-queue kind at 1k-1M queued tasks x 1-256 groups (queues). Each figure is
the median of --rounds rounds; each round also samples a fixed calibration loop, and the figure is kept
as a ratio to it, so a slower or busier machine does not read as a regression. A figure that looks
regressed is measured once more and fails only if that measurement is worse than the threshold too.

Options:
  --baseline FILE       compare with a saved run; exit 1 naming every figure that regressed
  --max-regression PCT  how much worse a figure may get before it counts as regressed (default ${DEFAULT_MAX_REGRESSION_PCT})
  --save FILE           write this run as a baseline (JSON; written atomically)
  --only SUITES         comma-separated: ${SUITES.join(", ")} (default: all)
  --queue-kinds KINDS   comma-separated queue kinds for the queues suite (default: all)
  --rounds N            rounds per figure (default ${DEFAULT_ROUNDS})
  --time-ms MS          tinybench CPU time per sample (default ${DEFAULT_SAMPLE_TIME_MS})
  --check               also exit 1 when an absolute performance target is missed
  -h, --help            show this help

Exit codes: 0 all good, 1 a regression (or a missed target with --check), 2 a bad flag or baseline file.
See docs/benchmarks.md.`;

interface BenchOptions {
  readonly suites: readonly Suite[];
  readonly queueKinds: readonly string[];
  readonly rounds: number;
  readonly sampleTimeMs: number;
  readonly maxRegression: number;
  readonly save: string | undefined;
  readonly baseline: BenchReport | undefined;
  readonly check: boolean;
}

export function benchCommand(argv: readonly string[]): number {
  const { values, positionals } = parseCommand("bench", argv, {
    baseline: { type: "string" },
    "max-regression": { type: "string" },
    save: { type: "string" },
    only: { type: "string" },
    "queue-kinds": { type: "string" },
    rounds: { type: "string" },
    "time-ms": { type: "string" },
    check: { type: "boolean" },
  });
  if (values.help === true) {
    process.stdout.write(`${BENCH_HELP}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`bench: unexpected argument "${positionals[0]}" (see 'schedlab bench --help')`);
  if (values.save !== undefined) requireWritableFile("save", values.save);
  const options: BenchOptions = {
    suites: listFlag("only", values.only, SUITES) ?? SUITES,
    queueKinds: listFlag("queue-kinds", values["queue-kinds"], QUEUE_KINDS.map((definition) => definition.kind)) ?? [],
    rounds: integerFlag("rounds", values.rounds, 1, 100) ?? DEFAULT_ROUNDS,
    sampleTimeMs: integerFlag("time-ms", values["time-ms"], 10, 60_000) ?? DEFAULT_SAMPLE_TIME_MS,
    maxRegression: percentFlag(values["max-regression"]) / 100,
    save: values.save,
    baseline: values.baseline === undefined ? undefined : loadBaseline(values.baseline),
    check: values.check === true,
  };
  return runBench(options);
}

function loadBaseline(file: string): BenchReport {
  try {
    return readBaseline(file);
  } catch (error) {
    if (error instanceof BaselineError) throw new UsageError(error.message);
    throw error;
  }
}

function listFlag<T extends string>(flag: string, text: string | undefined, allowed: readonly T[]): T[] | undefined {
  if (text === undefined) return undefined;
  const names = text.split(",").map((name) => name.trim());
  for (const name of names) {
    if (!allowed.includes(name as T)) throw new UsageError(`--${flag}: unknown "${name}" (expected one or more of ${allowed.join(", ")})`);
  }
  return names as T[];
}

function percentFlag(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MAX_REGRESSION_PCT;
  const value = Number(text.replace(/%$/, ""));
  if (text.trim() === "" || !Number.isFinite(value) || value < 0 || value >= 100) {
    throw new UsageError(`--max-regression: expected a percentage from 0 to 99, got "${text}"`);
  }
  return value;
}

function runBench(options: BenchOptions): number {
  const sampler = new Sampler({ rounds: options.rounds, sampleTimeMs: options.sampleTimeMs });
  const cpu = cpus()[0]?.model ?? "unknown cpu";
  process.stdout.write(`schedlab bench (node ${process.version}, ${cpus().length} × ${cpu}; ${options.rounds} rounds per figure)\n`);
  process.stdout.write(`${"figure".padEnd(52)}${"median".padStart(16)} ${"unit".padEnd(8)}${"÷ calibration".padStart(14)}${"spread".padStart(8)}\n`);
  const record = (figure: Figure): void => void process.stdout.write(`${formatFigure(figure)}\n`);
  const queueKinds = options.queueKinds.length > 0 ? options.queueKinds : QUEUE_KINDS.map((definition) => definition.kind);
  const probes = SUITES.filter((suite) => options.suites.includes(suite)).flatMap((suite) => probesOf(suite, queueKinds));
  const measured = measure(probes, sampler, record);
  let figures = measured.figures;
  const partial = options.suites.length < SUITES.length || options.queueKinds.length > 0;
  const judge = (current: readonly Figure[]): BaselineComparison | undefined =>
    options.baseline === undefined ? undefined : compareToBaseline(current, options.baseline.figures, options.maxRegression, partial);
  const suspects = judge(figures)?.figures.filter((figure) => figure.verdict === "regressed").map((figure) => figure.name) ?? [];
  if (suspects.length > 0) {
    process.stdout.write(`\nmeasuring again the ${suspects.length} figure(s) that look regressed:\n`);
    figures = remeasure(measured, suspects, sampler, record);
  }
  const report: BenchReport = {
    schema_version: 1,
    node: process.version,
    cpu: `${cpus().length} × ${cpu}`,
    calibration_ops_per_s: median(sampler.calibrationSamples),
    rounds: options.rounds,
    figures,
  };
  process.stdout.write(
    `calibration loop: ${Math.round(report.calibration_ops_per_s).toLocaleString("en-US")} ops/s (median of ${sampler.calibrationSamples.length} samples, spread ${percent(relativeSpread(sampler.calibrationSamples))})\n`,
  );
  if (options.save !== undefined) {
    writeFilesAtomically(dirname(options.save), { [basename(options.save)]: `${JSON.stringify(report, null, 2)}\n` });
    process.stdout.write(`saved ${figures.length} figures to ${options.save}\n`);
  }
  let status = 0;
  const comparison = judge(figures);
  if (comparison !== undefined) {
    process.stdout.write(formatComparison(comparison, options.maxRegression));
    if (comparison.failed.length > 0) status = 1;
  }
  if (options.check) {
    const missed = targetChecks(figures, queueKinds).filter((target) => !target.met);
    for (const target of missed) {
      process.stdout.write(`target missed: ${target.name}: ${formatValue(target.value)} ${target.unit} (target ${target.atLeast ? "≥" : "≤"} ${target.target.toLocaleString("en-US")})\n`);
    }
    process.stdout.write(`${missed.length === 0 ? "every performance target met" : `${missed.length} target(s) missed`}\n`);
    if (missed.length > 0) status = 1;
  }
  return status;
}

function formatValue(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(2);
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(0)}%`;
}

function formatFigure(figure: Figure): string {
  const ratio = figure.ratio === undefined ? "raw" : figure.ratio.toPrecision(4);
  return `${figure.name.padEnd(52)}${formatValue(figure.value).padStart(16)} ${figure.unit.padEnd(8)}${ratio.padStart(14)}${percent(figure.spread).padStart(8)}`;
}

function formatComparison(comparison: BaselineComparison, maxRegression: number): string {
  const lines = [`\nagainst the baseline (a figure regresses when more than ${percent(maxRegression)} worse, calibrated):`];
  for (const figure of comparison.figures) {
    if (figure.verdict === "ok") continue;
    const change = figure.change === undefined ? "" : ` ${figure.change >= 0 ? "+" : "−"}${percent(Math.abs(figure.change))}`;
    lines.push(`  ${figure.verdict.padEnd(9)} ${figure.name}${change}`);
  }
  const compared = comparison.figures.filter((figure) => figure.change !== undefined);
  const changes = compared.map((figure) => figure.change as number);
  const range = changes.length === 0 ? "" : `; changes from ${signed(Math.min(...changes))} to ${signed(Math.max(...changes))}`;
  lines.push(`${compared.length} figures compared${range}`);
  lines.push(
    comparison.failed.length === 0
      ? "no regression"
      : `REGRESSED (${comparison.failed.length}): ${comparison.failed.join("; ")}`,
  );
  return `${lines.join("\n")}\n`;
}

function signed(fraction: number): string {
  return `${fraction >= 0 ? "+" : "−"}${percent(Math.abs(fraction))}`;
}
