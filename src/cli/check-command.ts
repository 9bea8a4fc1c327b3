// schedlab check: swarm-test a scenario's policies under random fault sets, stop at the first violated
// property, shrink it to a minimal case and print the command that replays it.

import { type SwarmCase, FAULT_KINDS, runCase, runSwarm } from "../check/swarm.ts";
import { loadScenario } from "../scenario/load.ts";
import type { PolicySpec } from "../scenario/types.ts";
import { UsageError, integerFlag, onePositional, parseCommand, resolveScenario, shellQuote } from "./args.ts";

export const CHECK_HELP = `Usage: schedlab check SCENARIO [options]

Runs generated cases of the scenario through each policy: every case is a seed plus
a random subset of faults (${FAULT_KINDS.join(", ")}). Each run is checked from its
event log: capacity never exceeded, every lease released exactly once, nothing held
or lost at the end, job statuses consistent, the same case twice gives the same log,
and, for lease-before-spawn policies, no hidden waiters. The first failing case is
shrunk to a minimal fault set and printed with the command that replays it.

Options:
  --runs N        cases per policy (default 100)
  --seed S        seed of the case generator (default 1)
  --policy NAME   check only this policy (default: every policy)
  --max-jobs N    jobs per case at most (default 300)
  --replay JSON   run exactly this case (as printed by a failure) and report it
  -h, --help      show this help

Exit code: 0 when every property held, 1 on a violation, 2 on bad input.`;

export function checkCommand(argv: readonly string[]): number {
  const { values, positionals } = parseCommand("check", argv, {
    runs: { type: "string" },
    seed: { type: "string" },
    policy: { type: "string" },
    "max-jobs": { type: "string" },
    replay: { type: "string" },
  });
  if (values.help === true) {
    process.stdout.write(`${CHECK_HELP}\n`);
    return 0;
  }
  const scenarioFile = resolveScenario(onePositional("check", positionals, "SCENARIO"));
  const runs = integerFlag("runs", values.runs, 1, 1_000_000) ?? 100;
  const seed = integerFlag("seed", values.seed, 0) ?? 1;
  const maxJobs = integerFlag("max-jobs", values["max-jobs"], 1, 1_000_000) ?? 300;
  const replay = values.replay === undefined ? undefined : parseReplay(values.replay);
  const scenario = loadScenario(scenarioFile);
  const policies = choosePolicies(scenario.policies, values.policy, scenarioFile);

  if (replay !== undefined) {
    let failed = false;
    for (const policy of policies) {
      const result = runCase(scenario, policy, replay, { maxJobs });
      failed ||= result.violations.length > 0;
      process.stdout.write(`${policy.name}: ${result.violations.length === 0 ? "every property held" : "VIOLATED"} (${result.events} events)\n`);
      for (const violation of result.violations) process.stdout.write(`  ${violation.property}: ${violation.message}${violation.seq >= 0 ? ` (seq ${violation.seq})` : ""}\n`);
    }
    return failed ? 1 : 0;
  }

  const progress = process.stderr.isTTY === true;
  for (const policy of policies) {
    const report = runSwarm(scenario, policy, {
      runs,
      seed,
      maxJobs,
      onCase: progress ? (index) => process.stderr.write(`\r\x1b[K${policy.name}: case ${index}/${runs}`) : undefined,
    });
    if (progress) process.stderr.write("\r\x1b[K");
    const faults = FAULT_KINDS.map((kind) => `${kind} ${report.faultsExercised[kind]}`).join(", ");
    const hidden =
      report.casesWithHiddenWaiters === 0
        ? "hidden waiters: none"
        : `hidden waiters: in ${report.casesWithHiddenWaiters} of ${report.cases} cases, up to ${report.hiddenWaitersMax} at once`;
    process.stdout.write(
      `${policy.name} (${policy.admission}): ${report.cases} cases, ${report.events.toLocaleString("en-US")} events, ` +
        `${report.failure === undefined ? "every property held" : "VIOLATION"}; ${hidden}\n` +
        `  faults exercised (cases): ${faults}\n  release reasons seen: ${report.releaseReasons.join(", ")}\n`,
    );
    if (report.failure !== undefined) {
      const { swarm, violations, shrinkSteps } = report.failure;
      const on = FAULT_KINDS.filter((kind) => swarm.faults[kind]);
      process.stdout.write(`\nViolated by policy ${policy.name}, case shrunk in ${shrinkSteps} steps to seed ${swarm.seed} with faults: ${on.length === 0 ? "none" : on.join(", ")}\n`);
      for (const violation of violations) process.stdout.write(`  ${violation.property}: ${violation.message}${violation.seq >= 0 ? ` (seq ${violation.seq})` : ""}\n`);
      const command = ["schedlab", "check", scenarioFile, "--policy", policy.name, "--max-jobs", String(maxJobs), "--replay", JSON.stringify(swarm)];
      process.stdout.write(`Replay with:\n  ${command.map(shellQuote).join(" ")}\n`);
      return 1;
    }
  }
  return 0;
}

function choosePolicies(policies: readonly PolicySpec[], name: string | undefined, file: string): readonly PolicySpec[] {
  if (name === undefined) return policies;
  const policy = policies.find((candidate) => candidate.name === name);
  if (policy === undefined) throw new UsageError(`--policy: no policy "${name}" in ${file} (have: ${policies.map((p) => p.name).join(", ")})`);
  return [policy];
}

function parseReplay(text: string): SwarmCase {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--replay: not valid JSON: ${text.slice(0, 60)}`);
  }
  const candidate = parsed as Partial<SwarmCase>;
  if (typeof candidate !== "object" || candidate === null || !Number.isSafeInteger(candidate.seed) || typeof candidate.faults !== "object" || candidate.faults === null) {
    throw new UsageError(`--replay: expected {"seed": N, "faults": {...}} as printed by a failure, got ${text.slice(0, 60)}`);
  }
  const faults = candidate.faults as Record<string, unknown>;
  for (const key of Object.keys(faults)) {
    if (!(FAULT_KINDS as readonly string[]).includes(key)) throw new UsageError(`--replay: faults.${key}: unknown fault kind (have: ${FAULT_KINDS.join(", ")})`);
    if (typeof faults[key] !== "boolean") throw new UsageError(`--replay: faults.${key}: expected true or false, got ${JSON.stringify(faults[key])}`);
  }
  const complete = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, faults[kind] === true])) as SwarmCase["faults"];
  return { seed: candidate.seed as number, faults: complete };
}
