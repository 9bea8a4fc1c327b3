// The schedlab command line. User mistakes (bad flags, bad scenario files, runs over their limits) are
// printed in one line with exit code 2; anything else is a bug and keeps its stack. Each command's module is
// imported only when that command runs, so `schedlab list` does not pay to load the simulator and fast-check.

import { config as zodConfig } from "zod";
import { EventLimitError } from "../sim/engine.ts";
import { ScenarioError } from "../scenario/load.ts";
import { UsageError, packageVersion } from "./args.ts";
import { INTERRUPTED_EXIT_CODE, Interrupted } from "./interrupt.ts";

// A command parses each scenario once: zod's compiled fast path costs more to build than it saves here
// (about 20 ms of the start-up of \`schedlab list\`).
zodConfig({ jitless: true });

const HELP = `schedlab: a deterministic simulator for the schedulers between LLM agents and
rate-limited model providers.

Usage: schedlab COMMAND [options]

Commands:
  run SCENARIO        simulate one policy on one seed; write a report (and --events)
  compare SCENARIO    compare policies over many seeds with 95% confidence intervals
  sweep SCENARIO      every policy at every point of a grid of scenario values (--param)
  merge DIR...        combine the shard folders of 'compare --shard' into one report
  list                list scenarios and their policies
  validate FILE...    check scenario files: every problem, with warnings
  schema              print the JSON Schema of the scenario format
  check SCENARIO      swarm-test policies under random faults; replay a failure
  bench               performance suites; compare with a saved baseline (--baseline)

Run 'schedlab COMMAND --help' for a command's options. Docs: README.md, docs/.`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${HELP}\n`);
      return 0;
    case "--version":
    case "-v":
      process.stdout.write(`${packageVersion()}\n`);
      return 0;
    case "run":
      (await import("./run-command.ts")).runCommand(rest);
      return 0;
    case "compare":
      return (await import("./compare-command.ts")).compareCommand(rest);
    case "sweep":
      (await import("./sweep-command.ts")).sweepCommand(rest);
      return 0;
    case "merge":
      return (await import("./merge-command.ts")).mergeCommand(rest);
    case "list":
      return (await import("./list-command.ts")).listCommand(rest);
    case "check":
      return (await import("./check-command.ts")).checkCommand(rest);
    case "validate":
      return (await import("./validate-command.ts")).validateCommand(rest);
    case "schema":
      (await import("./schema-command.ts")).schemaCommand(rest);
      return 0;
    case "bench":
      return (await import("./bench-command.ts")).benchCommand(rest);
    default:
      throw new UsageError(`unknown command "${command}" (commands: run, compare, sweep, merge, list, validate, schema, check, bench; see 'schedlab --help')`);
  }
}

function isUserError(error: unknown): error is Error {
  return error instanceof UsageError || error instanceof ScenarioError || error instanceof EventLimitError;
}

/** Runs a command as the schedlab binary does: the exit code, with a user error printed in one line. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (error) {
    if (error instanceof Interrupted) {
      process.stderr.write(`schedlab: ${error.message}\n`);
      return INTERRUPTED_EXIT_CODE;
    }
    if (!isUserError(error)) throw error;
    process.stderr.write(`schedlab: ${error.message}\n`);
    return 2;
  }
}

// Imported by a test harness (test/fuzz), this module only defines; run as the binary, it runs.
if (process.env.SCHEDLAB_CLI_IMPORTED !== "1") process.exitCode = await runCli(process.argv.slice(2));
