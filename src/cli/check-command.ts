// schedlab check: swarm-test a scenario's policies under random fault sets, stop at the first violated
// property, shrink it to a minimal case and print the command that replays it.

import { type SwarmCase, type SwarmReport, FAULT_KINDS, RATE_CONTROL_ACTIONS, caseSize, printableCase, readSwarmCase, runCase, sampleSwarmCases, swarmReportOf } from "../check/swarm.ts";
import type { CheckBatchTask } from "../experiment/parallel.ts";
import { VARIATION_AXES } from "../check/vary.ts";
import { ADMISSION_DESIGNS, type AdmissionDesign } from "../policies/dag-scheduler.ts";
import { RELEASE_REASONS } from "../policies/lease-ledger.ts";
import { loadScenario } from "../scenario/load.ts";
import type { PolicySpec } from "../scenario/types.ts";
import type { Scenario } from "../scenario/types.ts";
import { UsageError, integerFlag, onePositional, parseCommand, resolveScenario, shellQuote } from "./args.ts";
import { JOBS_HELP, jobsFlag } from "./jobs-flag.ts";
import { runCasesFromCli } from "./run-cases.ts";

/** Cases per task on a worker thread: enough to make a message's cost small, few enough to spread evenly. */
const CASES_PER_BATCH = 10;

export const CHECK_HELP = `Usage: schedlab check SCENARIO [options]

Runs generated cases of the scenario through each policy. A case is a seed, a job
count, a random subset of the faults
${wrapList(FAULT_KINDS)}
and a random variation of the scenario itself along the axes
${wrapList(VARIATION_AXES)}
Each run is checked from its event log: capacity never exceeded, every lease released
exactly once and only after its worker stopped, nothing held or lost at the end, job
statuses consistent, the same case twice gives the same log, and, for designs that
lease before they spawn (lease, reject_backoff), no hidden waiters. spawn_then_wait's
hidden waiters are reported as a finding. The first failing case is shrunk to a
minimal one and printed with the command that replays it.

Options:
  --runs N        cases per policy (default 100)
  --seed S        seed of the case generator (default 1)
  --policy NAME   check only this policy (default: every policy)
  --max-jobs N    jobs per case at most (default 300)
  --design D      check the policies as if their admission design were D (lease,
                  spawn_then_wait or reject_backoff): what would spawning first cost?
  --no-vary       keep the scenario as written; vary only faults, seed and job count
  --replay JSON   run exactly this case (as printed by a failure) and report it
${JOBS_HELP}
  -h, --help      show this help

On a terminal a progress bar shows on stderr. Exit code: 0 when every property
held, 1 on a violation, 2 on bad input, 130 when stopped by Ctrl-C.`;

/** Names, comma-separated, indented and wrapped to fit a terminal. */
function wrapList(names: readonly string[], width = 80): string {
  const lines: string[] = [];
  let line = " ";
  for (const [index, name] of names.entries()) {
    const word = ` ${name}${index < names.length - 1 ? "," : ""}`;
    if (line.length + word.length > width) {
      lines.push(line);
      line = " ";
    }
    line += word;
  }
  lines.push(line);
  return lines.join("\n");
}

export async function checkCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand("check", argv, {
    runs: { type: "string" },
    seed: { type: "string" },
    policy: { type: "string" },
    "max-jobs": { type: "string" },
    "no-vary": { type: "boolean" },
    design: { type: "string" },
    replay: { type: "string" },
    jobs: { type: "string" },
  });
  if (values.help === true) {
    process.stdout.write(`${CHECK_HELP}\n`);
    return 0;
  }
  const scenarioFile = resolveScenario(onePositional("check", positionals, "SCENARIO"));
  const runs = integerFlag("runs", values.runs, 1, 1_000_000) ?? 100;
  const seed = integerFlag("seed", values.seed, 0) ?? 1;
  const maxJobs = integerFlag("max-jobs", values["max-jobs"], 1, 1_000_000) ?? 300;
  const replay = values.replay === undefined ? undefined : parseReplay(values.replay, maxJobs);
  const vary = values["no-vary"] !== true;
  const jobs = jobsFlag(values.jobs);
  const scenario = loadScenario(scenarioFile);
  const design = values.design === undefined ? undefined : designFlag(values.design);
  const policies = choosePolicies(scenario.policies, values.policy, scenarioFile).map((policy) =>
    design === undefined ? policy : { ...policy, admission: design },
  );

  if (replay !== undefined) {
    let failed = false;
    for (const policy of policies) {
      const result = runCase(scenario, policy, replay);
      failed ||= result.violations.length > 0;
      process.stdout.write(`${policy.name}: ${result.violations.length === 0 ? "every property held" : "VIOLATED"} (${result.events} events)\n`);
      for (const violation of result.violations) process.stdout.write(`  ${violation.property}: ${violation.message}${violation.seq >= 0 ? ` (seq ${violation.seq})` : ""}\n`);
    }
    return failed ? 1 : 0;
  }

  const cases = sampleSwarmCases({ runs, seed, maxJobs, vary });
  const batches = policies.flatMap((policy) => batchesOf(scenario, policy, cases));
  const results = (await runCasesFromCli(batches, {
    jobs,
    label: `check ${scenario.name}`,
    unit: `batches of ${CASES_PER_BATCH} cases`,
    onInterrupt: () => "no results: a policy is reported once all its cases have run",
  })).flat();
  for (const [policyIndex, policy] of policies.entries()) {
    const own = results.slice(policyIndex * cases.length, (policyIndex + 1) * cases.length);
    const report = swarmReportOf(scenario, policy, cases, own, { runs, seed, maxJobs, vary });
    process.stdout.write(summaryOf(policy, report));
    if (report.failure !== undefined) {
      const { swarm, violations, shrinkSteps } = report.failure;
      const size = caseSize(swarm);
      process.stdout.write(
        `\nViolated by policy ${policy.name}. The case, shrunk in ${shrinkSteps} steps to ${size.jobs} jobs, ${size.faults} faults ` +
          `and ${size.axes} varied axes:\n  ${JSON.stringify(printableCase(swarm))}\n`,
      );
      for (const violation of violations) process.stdout.write(`  ${violation.property}: ${violation.message}${violation.seq >= 0 ? ` (seq ${violation.seq})` : ""}\n`);
      const command = [
        "schedlab",
        "check",
        scenarioFile,
        "--policy",
        policy.name,
        ...(design === undefined ? [] : ["--design", design]),
        "--replay",
        JSON.stringify(printableCase(swarm)),
      ];
      process.stdout.write(`Replay with:\n  ${command.map(shellQuote).join(" ")}\n`);
      return 1;
    }
  }
  return 0;
}

function batchesOf(scenario: Scenario, policy: PolicySpec, cases: readonly SwarmCase[]): CheckBatchTask[] {
  const batches: CheckBatchTask[] = [];
  for (let start = 0; start < cases.length; start += CASES_PER_BATCH) {
    batches.push({ kind: "check_batch", scenario, policy, cases: cases.slice(start, start + CASES_PER_BATCH) });
  }
  return batches;
}

function summaryOf(policy: PolicySpec, report: SwarmReport): string {
  const counts = (entries: Readonly<Record<string, number>>): string =>
    Object.entries(entries)
      .map(([name, count]) => `${name} ${count}`)
      .join(", ");
  const hidden =
    report.casesWithHiddenWaiters === 0
      ? "hidden waiters: none"
      : `hidden waiters: in ${report.casesWithHiddenWaiters} of ${report.cases} cases, up to ${report.hiddenWaitersMax} at once`;
  const unseen = RELEASE_REASONS.filter((reason) => !report.releaseReasons.includes(reason));
  const unseenControl = RATE_CONTROL_ACTIONS.filter((action) => !report.rateControlSeen.includes(action));
  return (
    `${policy.name} (${policy.admission}): ${report.cases} cases, ${report.events.toLocaleString("en-US")} events, ` +
    `${report.failure === undefined ? "every property held" : "VIOLATION"}; ${hidden}\n` +
    `  faults exercised (cases): ${counts(report.faultsExercised)}\n` +
    (Object.values(report.axesExercised).some((count) => count > 0) ? `  scenario axes varied (cases): ${counts(report.axesExercised)}\n` : "") +
    `  release reasons seen: ${report.releaseReasons.join(", ")}${unseen.length === 0 ? " (all)" : `; never seen: ${unseen.join(", ")}`}\n` +
    (report.rateControlSeen.length > 0 ? `  rate control seen: ${report.rateControlSeen.join(", ")}${unseenControl.length === 0 ? " (all)" : `; never seen: ${unseenControl.join(", ")}`}\n` : "") +
    `  deadlocks detected and ended: in ${report.casesWithDeadlocks} cases\n`
  );
}

function choosePolicies(policies: readonly PolicySpec[], name: string | undefined, file: string): readonly PolicySpec[] {
  if (name === undefined) return policies;
  const policy = policies.find((candidate) => candidate.name === name);
  if (policy === undefined) throw new UsageError(`--policy: no policy "${name}" in ${file} (have: ${policies.map((p) => p.name).join(", ")})`);
  return [policy];
}

function designFlag(text: string): AdmissionDesign {
  const design = ADMISSION_DESIGNS.find((candidate) => candidate === text);
  if (design === undefined) throw new UsageError(`--design: expected one of ${ADMISSION_DESIGNS.join(", ")}, got "${text}"`);
  return design;
}

function parseReplay(text: string, maxJobs: number): SwarmCase {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--replay: not valid JSON: ${text.slice(0, 60)}`);
  }
  const swarm = readSwarmCase(parsed, maxJobs);
  if (typeof swarm === "string") throw new UsageError(`--replay: ${swarm}`);
  return swarm;
}
