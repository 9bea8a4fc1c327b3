// schedlab compare: several policies over several seeds, mean ± 95% CI, ratios against the first policy.

import { join } from "node:path";
import { compareCases, comparisonOfCases } from "../experiment/compare.ts";
import { assertionFailed } from "../policies/assert.ts";
import { type ChartedRun, startWorkers } from "../experiment/parallel.ts";
import { type CompareRequestRecord, type Shard, shardCases, shardFiles } from "../experiment/shard.ts";
import { writeFilesAtomically } from "../report/write.ts";
import type { PolicySpec } from "../scenario/types.ts";
import { UsageError, integerFlag, onePositional, packageVersion, parseCommand, requireFolderTarget, resolveScenario, shellQuote } from "./args.ts";
import { JOBS_HELP, jobsFlag, shardFlag } from "./jobs-flag.ts";
import { claimReportFolder, emitReport } from "./report-output.ts";
import { completeReportIn, runCasesFromCli } from "./run-cases.ts";
import { loadScenarioAndWarn } from "./scenario-input.ts";

export const COMPARE_HELP = `Usage: schedlab compare SCENARIO [options]

Runs every policy of a scenario (or those named) on the same consecutive seeds,
prints latency by lane and run-level figures as mean ± 95% confidence interval,
and writes summary.md, summary.csv, runs.csv, summary.json and report.html
(latency CDFs, P95 and paired ratios with intervals, the first seed's time
series; one self-contained file that opens offline).

SCENARIO is a scenario file, or the name of one in scenarios/ (e.g. "default").

Options:
  --policies A,B  policies to compare, the first is the baseline (default: all, in file order)
  --seeds N       number of seeds (default: the scenario's "seeds")
  --seed S        first seed (default: the scenario's "seed")
  --trace-in FILE replay FILE (CSV or JSONL) in place of the scenario's trace, or of
                  its synthetic arrivals when it has none (the layout is then told
                  from the first line: azure_llm, burstgpt or mooncake; docs/traces.md)
  --out DIR       report folder (default: reports/<scenario>-compare, or
                  reports/<scenario>-compare-shard-I-of-N with --shard)
  --force         replace a report of a different request in that folder
  --json          print summary.json to stdout instead of the tables
${JOBS_HELP}
  --shard I/N     run only shard I of N of the runs (policy × seed) and write
                  them with a manifest to --out; 'schedlab merge' combines the
                  N shard folders into the report one unsharded run writes
  -h, --help      show this help

A folder that holds the report of a different request (another scenario,
policies or seeds) is not replaced without --force; the same request replaces
its own report. Warnings about the scenario (see 'schedlab validate') go to
stderr and do not change the exit code. On a terminal a progress bar shows on
stderr; Ctrl-C stops without writing a report (exit code 130). See
docs/running.md.`;

export async function compareCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand("compare", argv, {
    policies: { type: "string" },
    seeds: { type: "string" },
    seed: { type: "string" },
    out: { type: "string" },
    "trace-in": { type: "string" },
    json: { type: "boolean" },
    force: { type: "boolean" },
    jobs: { type: "string" },
    shard: { type: "string" },
  });
  if (values.help === true) {
    process.stdout.write(`${COMPARE_HELP}\n`);
    return 0;
  }
  const scenarioFile = resolveScenario(onePositional("compare", positionals, "SCENARIO"));
  const seedCount = integerFlag("seeds", values.seeds, 1, 10_000);
  const firstSeedFlag = integerFlag("seed", values.seed, 0);
  const jobs = jobsFlag(values.jobs);
  // Started before the scenario is read, the workers load the simulator while this thread reads it and builds
  // the cases; runCases closes them, and so does the finally when the command stops before it runs any.
  const workers = startWorkers(jobs);
  try {
    const shard = shardFlag(values.shard);
    if (shard !== undefined && values.json === true) throw new UsageError("--json: a shard has no summary to print; use --json on 'schedlab merge'");
    const traceIn = values["trace-in"];
    const scenario = loadScenarioAndWarn(scenarioFile, traceIn);
    const names = values.policies === undefined ? scenario.policies.map((policy) => policy.name) : values.policies.split(",").map((name) => name.trim());
    const policies = names.map((name) => {
      const policy = scenario.policies.find((candidate) => candidate.name === name);
      if (policy === undefined) {
        throw new UsageError(`--policies: no policy "${name}" in ${scenarioFile} (have: ${scenario.policies.map((p) => p.name).join(", ")})`);
      }
      return policy;
    });
    const out = values.out ?? join("reports", shard === undefined ? `${scenario.name}-compare` : `${scenario.name}-compare-shard-${shard.index}-of-${shard.count}`);
    requireFolderTarget("out", out);
    const firstSeed = firstSeedFlag ?? scenario.seed;
    const seeds = Array.from({ length: seedCount ?? scenario.seeds }, (_, index) => firstSeed + index);
    // A shard folder holds a manifest, not a report: merge claims the report folder.
    const request = shard === undefined ? claimReportFolder(out, { command: "compare", scenario, policies: names, seeds }, values.force === true) : undefined;
    const cases = compareCases(scenario, policies, seeds);
    const chosen = shard === undefined ? cases.map((_, index) => index) : shardCases(cases.length, shard);
    const runs = await runCasesFromCli(
      chosen.map((index) => cases[index] as (typeof cases)[number]),
      {
        jobs,
        workers,
        label: `compare ${scenario.name}${shard === undefined ? "" : ` shard ${shard.index}/${shard.count}`}`,
        unit: "runs",
        onInterrupt: () => completeReportIn(out, shard === undefined ? "summary.json" : "manifest.json"),
      },
    );
    if (shard !== undefined) {
      writeShard(out, shard, chosen, runs, { scenarioFile, ...(traceIn === undefined ? {} : { traceIn }), scenario, policies, seeds, version: packageVersion() });
      return 0;
    }
    const command = compareCommandLine(scenarioFile, policies, seeds, traceIn);
    if (request === undefined) return assertionFailed("an unsharded comparison claims its report folder before it runs");
    emitReport(comparisonOfCases(scenario, policies, seeds, runs), { out, command, scenarioFile, json: values.json === true, request });
    return 0;
  } finally {
    await workers?.close();
  }
}

/** The command that reproduces a comparison (without --jobs or --shard, which do not change it). */
export function compareCommandLine(scenarioFile: string, policies: readonly PolicySpec[], seeds: readonly number[], traceIn?: string): string {
  return [
    "schedlab",
    "compare",
    scenarioFile,
    "--policies",
    policies.map((policy) => policy.name).join(","),
    "--seeds",
    String(seeds.length),
    "--seed",
    String(seeds[0]),
    ...(traceIn === undefined ? [] : ["--trace-in", traceIn]),
  ]
    .map(shellQuote)
    .join(" ");
}

function writeShard(out: string, shard: Shard, chosen: readonly number[], runs: readonly ChartedRun[], request: CompareRequestRecord): void {
  let written: string[];
  try {
    written = writeFilesAtomically(out, shardFiles(request, shard, chosen, runs));
  } catch (error) {
    throw new UsageError(`--out: cannot write the shard to "${out}" (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  process.stdout.write(
    `Shard ${shard.index}/${shard.count}: ${runs.length} runs. Wrote ${written.join(", ")}\n` +
      `Combine the ${shard.count} shard folders with: schedlab merge DIR... --out DIR\n`,
  );
}
