// schedlab run: one policy, one seed, a report and optionally the event log.

import { join } from "node:path";
import { runCharted } from "../experiment/run.ts";
import { compareFromRuns } from "../experiment/compare.ts";
import { UsageError, integerFlag, onePositional, parseCommand, requireWritableFile, resolveScenario, shellQuote } from "./args.ts";
import { claimReportFolder, emitReport } from "./report-output.ts";
import { RunProgressSink } from "./run-progress.ts";
import { loadScenarioAndWarn } from "./scenario-input.ts";

export const RUN_HELP = `Usage: schedlab run SCENARIO [options]

Simulates one policy of a scenario on one seed, prints the summary and writes
summary.md, summary.csv, runs.csv, summary.json and report.html (charts, opens
offline) into the output folder.

SCENARIO is a scenario file, or the name of one in scenarios/ (e.g. "default").

Options:
  --policy NAME   policy to run (default: the scenario's first policy)
  --seed N        random seed, an integer ≥ 0 (default: the scenario's "seed")
  --trace-in FILE replay FILE (CSV or JSONL) in place of the scenario's trace, or of
                  its synthetic arrivals when it has none (the layout is then told
                  from the first line: azure_llm, burstgpt or mooncake; docs/traces.md)
  --out DIR       report folder (default: reports/<scenario>-<policy>)
  --force         replace a report of a different request (scenario, policy,
                  seed) in that folder
  --events FILE   also write the JSONL event log to FILE
  --trace FILE    also write a Chrome trace-event file (open it in ui.perfetto.dev
                  or chrome://tracing): a track per provider slot with each task's
                  lease and its requests, 429s, reaps and yields; a track per lane
                  with each job; queue depth as a counter
  --json          print summary.json to stdout instead of the tables
  -h, --help      show this help

Same scenario, seed and code give a byte-identical event log. Warnings about
the scenario (an overloaded provider, a reaper shorter than a working worker's
silence; see 'schedlab validate') go to stderr and do not change the exit code. A run that takes more than a second
shows a progress bar on stderr when it is a terminal (not with CI=true).`;

export function runCommand(argv: readonly string[]): void {
  const { values, positionals } = parseCommand("run", argv, {
    policy: { type: "string" },
    seed: { type: "string" },
    out: { type: "string" },
    "trace-in": { type: "string" },
    events: { type: "string" },
    trace: { type: "string" },
    json: { type: "boolean" },
    force: { type: "boolean" },
  });
  if (values.help === true) {
    process.stdout.write(`${RUN_HELP}\n`);
    return;
  }
  const scenarioFile = resolveScenario(onePositional("run", positionals, "SCENARIO"));
  const seedFlag = integerFlag("seed", values.seed, 0);
  const scenario = loadScenarioAndWarn(scenarioFile, values["trace-in"]);
  const policyName = values.policy ?? scenario.policies[0]?.name;
  const policy = scenario.policies.find((candidate) => candidate.name === policyName);
  if (policy === undefined) {
    throw new UsageError(`--policy: no policy "${policyName}" in ${scenarioFile} (have: ${scenario.policies.map((p) => p.name).join(", ")})`);
  }
  const seed = seedFlag ?? scenario.seed;
  const out = values.out ?? join("reports", `${scenario.name}-${policy.name}`);
  const request = claimReportFolder(out, { command: "run", scenario, policies: [policy.name], seeds: [seed] }, values.force === true);
  if (values.events !== undefined) requireWritableFile("events", values.events);
  if (values.trace !== undefined) requireWritableFile("trace", values.trace);
  if (values.trace !== undefined && values.trace === values.events) throw new UsageError(`--trace: "${values.trace}" is also the --events file`);
  const progress = RunProgressSink.forRun(`run ${scenario.name} ${policy.name}`, scenario);
  let run: ReturnType<typeof runCharted>;
  try {
    run = runCharted({ scenario, policy, seed, eventsFile: values.events, traceFile: values.trace, timeline: true, sinks: progress === undefined ? [] : [progress] });
  } finally {
    progress?.stop();
  }
  const { summary, charts } = run;
  const command = [
    "schedlab",
    "run",
    scenarioFile,
    "--policy",
    policy.name,
    "--seed",
    String(seed),
    ...(values["trace-in"] === undefined ? [] : ["--trace-in", values["trace-in"]]),
    ...(values.events === undefined ? [] : ["--events", values.events]),
    ...(values.trace === undefined ? [] : ["--trace", values.trace]),
  ]
    .map(shellQuote)
    .join(" ");
  emitReport(compareFromRuns(scenario, [{ policy, runs: [summary], charts: [charts] }], [seed]), { out, command, scenarioFile, json: values.json === true, request });
  for (const file of [values.events, values.trace]) if (file !== undefined && values.json !== true) process.stdout.write(`Wrote ${file}\n`);
}
