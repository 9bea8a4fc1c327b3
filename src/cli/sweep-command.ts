// schedlab sweep: a grid over scenario values, every chosen policy at every point on the same seeds; tables and
// charts of P95, throughput, cost and 429s against the parameter. The grid is checked whole (every path,
// every value, every point's scenario) and its size is shown before the first run.

import { join } from "node:path";
import { type SweepRequest, describeAssignments, pointCount, sweep, sweepCases, sweepPoints } from "../experiment/sweep.ts";
import { type SweepParameter, SweepParameterError, formatValue, parseParameter } from "../experiment/sweep-parameters.ts";
import { UsageError, integerFlag, onePositional, parseCommand, resolveScenario, shellQuote } from "./args.ts";
import { claimReportFolder, emitSweepReport } from "./report-output.ts";
import { loadScenarioAndWarn, warnAboutVariant } from "./scenario-input.ts";

/** Cases (points × policies × seeds) a sweep runs without --max-cases: a few minutes on one core. */
export const SWEEP_CASES_DEFAULT_MAX = 1000;

export const SWEEP_HELP = `Usage: schedlab sweep SCENARIO --param PATH=v1,v2,... [--param ...] [options]

Runs every chosen policy at every point of a grid of scenario values, on the
same seeds at every point, and writes summary.md (a table per figure against
the parameters: P95 overall and per lane, throughput, cost per job, 429s,
failed jobs, each mean ± 95% CI per policy), runs.csv (one row per point ×
policy × seed), summary.csv (one per point × policy), summary.json and
report.html (each figure against the first parameter, a line per policy with
its 95% band; with more parameters, pick the others' values from a list).

SCENARIO is a scenario file, or the name of one in scenarios/ (e.g. "default").

PATH addresses a value of the scenario file: fields by name, list elements by
their "name" or their index, e.g.
  --param providers[fast].max_concurrent=4,8,16,32
  --param arrivals.rate_per_second=1,2,4
  --param policies[0].retry.on_rate_limit=retry_after,fixed
Values are JSON (4, true, {"kind":"fixed","value":3}); a value that is not
JSON is a string. Several --param flags make a grid (the first varies
slowest). Every point's scenario is checked as a file would be.

Options:
  --param PATH=V,...  a swept value and its values (at least one)
  --policies A,B      policies to run, the first is the baseline (default: all)
  --seeds N           seeds per point and policy (default: the scenario's "seeds")
  --seed S            first seed (default: the scenario's "seed")
  --max-cases N       refuse a grid of more runs than N (default: ${SWEEP_CASES_DEFAULT_MAX})
  --out DIR           report folder (default: reports/<scenario>-sweep)
  --force             replace a report of a different request in that folder
  --json              print summary.json to stdout instead of the tables
  -h, --help          show this help`;

export function sweepCommand(argv: readonly string[]): void {
  const { values, positionals } = parseCommand("sweep", argv, {
    param: { type: "string", multiple: true },
    policies: { type: "string" },
    seeds: { type: "string" },
    seed: { type: "string" },
    "max-cases": { type: "string" },
    out: { type: "string" },
    force: { type: "boolean" },
    json: { type: "boolean" },
  });
  if (values.help === true) {
    process.stdout.write(`${SWEEP_HELP}\n`);
    return;
  }
  const scenarioFile = resolveScenario(onePositional("sweep", positionals, "SCENARIO"));
  const seedCount = integerFlag("seeds", values.seeds, 1, 10_000);
  const firstSeedFlag = integerFlag("seed", values.seed, 0);
  const maxCases = integerFlag("max-cases", values["max-cases"], 1) ?? SWEEP_CASES_DEFAULT_MAX;
  const parameterTexts = values.param ?? [];
  if (parameterTexts.length === 0) throw new UsageError("sweep: give at least one --param PATH=v1,v2,... (see 'schedlab sweep --help')");
  const parameters = parameterTexts.map((text) => asUsageError(() => parseParameter(text)));
  const scenario = loadScenarioAndWarn(scenarioFile);
  const policies = values.policies === undefined ? scenario.policies.map((policy) => policy.name) : values.policies.split(",").map((name) => name.trim());
  for (const name of policies) {
    if (!scenario.policies.some((policy) => policy.name === name)) {
      throw new UsageError(`--policies: no policy "${name}" in ${scenarioFile} (have: ${scenario.policies.map((p) => p.name).join(", ")})`);
    }
  }
  const firstSeed = firstSeedFlag ?? scenario.seed;
  const seeds = Array.from({ length: seedCount ?? scenario.seeds }, (_, index) => firstSeed + index);
  const points = pointCount(parameters);
  const cases = points * policies.length * seeds.length;
  const size = `${points} points × ${policies.length} ${policies.length === 1 ? "policy" : "policies"} × ${seeds.length} ${seeds.length === 1 ? "seed" : "seeds"} = ${cases} runs`;
  if (cases > maxCases) throw new UsageError(`sweep: ${size}, more than --max-cases ${maxCases}; raise --max-cases or sweep fewer values`);
  const out = values.out ?? join("reports", `${scenario.name}-sweep`);
  const sweepRequest: SweepRequest = { parameters, points: asUsageError(() => sweepPoints(scenarioFile, parameters)), policies, seeds };
  asUsageError(() => sweepCases(sweepRequest));
  for (const point of sweepRequest.points) warnAboutVariant(scenarioFile, scenario, point.scenario, describeAssignments(point.assignments));
  const swept = parameters.map((parameter) => ({ path: parameter.path, values: parameter.values }));
  const request = claimReportFolder(out, { command: "sweep", scenario, policies, seeds, parameters: swept }, values.force === true);
  process.stderr.write(`schedlab: sweep ${size}\n`);
  const progress = process.stderr.isTTY === true && values.json !== true;
  const result = asUsageError(() =>
    sweep(
      sweepRequest,
      progress ? (sweepCase, index, total) => process.stderr.write(`\r\x1b[K[${index + 1}/${total}] point ${sweepCase.point + 1}, ${sweepCase.policy.name}, seed ${sweepCase.seed}`) : undefined,
    ),
  );
  if (progress) process.stderr.write("\r\x1b[K");
  emitSweepReport(result, { out, command: reproduce(scenarioFile, parameters, policies, seeds), scenarioFile, json: values.json === true, request });
}

function reproduce(scenarioFile: string, parameters: readonly SweepParameter[], policies: readonly string[], seeds: readonly number[]): string {
  return [
    "schedlab",
    "sweep",
    scenarioFile,
    ...parameters.flatMap((parameter) => ["--param", `${parameter.path}=${parameter.values.map(formatValue).join(",")}`]),
    "--policies",
    policies.join(","),
    "--seeds",
    String(seeds.length),
    "--seed",
    String(seeds[0] ?? 0),
  ]
    .map(shellQuote)
    .join(" ");
}

/** A --param the scenario cannot take is a user mistake, printed in one line. */
function asUsageError<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof SweepParameterError) throw new UsageError(error.message);
    throw error;
  }
}
