// schedlab compare: several policies over several seeds, mean ± 95% CI, ratios against the first policy.

import { join } from "node:path";
import { compare } from "../experiment/compare.ts";
import { UsageError, integerFlag, onePositional, parseCommand, requireFolderTarget, resolveScenario, shellQuote } from "./args.ts";
import { emitReport } from "./report-output.ts";
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
  --out DIR       report folder (default: reports/<scenario>-compare)
  --json          print summary.json to stdout instead of the tables
  -h, --help      show this help

Warnings about the scenario (see 'schedlab validate') go to stderr and do not
change the exit code.`;

export function compareCommand(argv: readonly string[]): void {
  const { values, positionals } = parseCommand("compare", argv, {
    policies: { type: "string" },
    seeds: { type: "string" },
    seed: { type: "string" },
    out: { type: "string" },
    "trace-in": { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help === true) {
    process.stdout.write(`${COMPARE_HELP}\n`);
    return;
  }
  const scenarioFile = resolveScenario(onePositional("compare", positionals, "SCENARIO"));
  const seedCount = integerFlag("seeds", values.seeds, 1, 10_000);
  const firstSeedFlag = integerFlag("seed", values.seed, 0);
  const scenario = loadScenarioAndWarn(scenarioFile, values["trace-in"]);
  const names = values.policies === undefined ? scenario.policies.map((policy) => policy.name) : values.policies.split(",").map((name) => name.trim());
  const policies = names.map((name) => {
    const policy = scenario.policies.find((candidate) => candidate.name === name);
    if (policy === undefined) {
      throw new UsageError(`--policies: no policy "${name}" in ${scenarioFile} (have: ${scenario.policies.map((p) => p.name).join(", ")})`);
    }
    return policy;
  });
  const out = values.out ?? join("reports", `${scenario.name}-compare`);
  requireFolderTarget("out", out);
  const firstSeed = firstSeedFlag ?? scenario.seed;
  const seeds = Array.from({ length: seedCount ?? scenario.seeds }, (_, index) => firstSeed + index);
  const progress = process.stderr.isTTY === true && values.json !== true;
  const comparison = compare({
    scenario,
    policies,
    seeds,
    onRun: progress
      ? (policy, seed, index, total) => process.stderr.write(`\r\x1b[K[${index + 1}/${total}] ${policy.name}, seed ${seed}`)
      : undefined,
  });
  if (progress) process.stderr.write("\r\x1b[K");
  const command = [
    "schedlab",
    "compare",
    scenarioFile,
    "--policies",
    policies.map((policy) => policy.name).join(","),
    "--seeds",
    String(seeds.length),
    "--seed",
    String(firstSeed),
    ...(values["trace-in"] === undefined ? [] : ["--trace-in", values["trace-in"]]),
  ]
    .map(shellQuote)
    .join(" ");
  emitReport(comparison, { out, command, scenarioFile, json: values.json === true });
}
