// The schedlab command line. User mistakes (bad flags, bad scenario files, runs over their limits) are
// printed in one line with exit code 2; anything else is a bug and keeps its stack.

import { EventLimitError } from "../sim/engine.ts";
import { ScenarioError } from "../scenario/load.ts";
import { UsageError, packageVersion } from "./args.ts";
import { checkCommand } from "./check-command.ts";
import { compareCommand } from "./compare-command.ts";
import { listCommand } from "./list-command.ts";
import { runCommand } from "./run-command.ts";
import { validateCommand } from "./validate-command.ts";

const HELP = `schedlab: a deterministic simulator for the schedulers between LLM agents and
rate-limited model providers.

Usage: schedlab COMMAND [options]

Commands:
  run SCENARIO        simulate one policy on one seed; write a report (and --events)
  compare SCENARIO    compare policies over many seeds with 95% confidence intervals
  list                list scenarios and their policies
  validate FILE...    check scenario files
  check SCENARIO      swarm-test policies under random faults; replay a failure

Run 'schedlab COMMAND --help' for a command's options. Docs: README.md, docs/.`;

export function main(argv: readonly string[]): number {
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
      runCommand(rest);
      return 0;
    case "compare":
      compareCommand(rest);
      return 0;
    case "list":
      return listCommand(rest);
    case "check":
      return checkCommand(rest);
    case "validate":
      validateCommand(rest);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}" (commands: run, compare, list, validate, check; see 'schedlab --help')`);
  }
}

function isUserError(error: unknown): error is Error {
  return error instanceof UsageError || error instanceof ScenarioError || error instanceof EventLimitError;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (!isUserError(error)) throw error;
  process.stderr.write(`schedlab: ${error.message}\n`);
  process.exitCode = 2;
}
