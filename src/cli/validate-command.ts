// schedlab validate: check scenario files without running them.

import { loadScenario } from "../scenario/load.ts";
import { UsageError, parseCommand, resolveScenario } from "./args.ts";

export const VALIDATE_HELP = `Usage: schedlab validate SCENARIO...

Checks each scenario file against the format (docs/scenario-format.md) and
prints "ok" for it, or one line naming the bad value's path. Exit code 2 if
any file is invalid.

Options:
  -h, --help  show this help`;

export function validateCommand(argv: readonly string[]): void {
  const { values, positionals } = parseCommand("validate", argv, {});
  if (values.help === true) {
    process.stdout.write(`${VALIDATE_HELP}\n`);
    return;
  }
  if (positionals.length === 0) throw new UsageError("validate: missing SCENARIO (see 'schedlab validate --help')");
  for (const argument of positionals) {
    const file = resolveScenario(argument);
    const scenario = loadScenario(file);
    process.stdout.write(`${file}: ok (${scenario.name}, ${scenario.policies.length} policies)\n`);
  }
}
