// schedlab list: the scenarios in a folder, with their policies.

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { readJsonFile } from "../scenario/json-file.ts";
import { ScenarioError, isJsonSchemaDocument, loadScenario } from "../scenario/load.ts";
import { PACKAGE_SCENARIOS, UsageError, parseCommand } from "./args.ts";

export const LIST_HELP = `Usage: schedlab list [options]

Lists every scenario file in the scenarios folder with its policies.

Options:
  --dir DIR   folder to list (default: ./scenarios, or the package's own
              scenarios when there is none here)
  --json      print {"scenarios":[{"name","file","policies":[...]}]}
  -h, --help  show this help

A file that does not validate is reported on stderr and the exit code is 2.`;

interface Listed {
  readonly name: string;
  readonly file: string;
  readonly policies: readonly string[];
}

export function listCommand(argv: readonly string[]): number {
  const { values, positionals } = parseCommand("list", argv, { dir: { type: "string" }, json: { type: "boolean" } });
  if (values.help === true) {
    process.stdout.write(`${LIST_HELP}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`list: unexpected argument "${positionals[0]}" (see 'schedlab list --help')`);
  const directory = values.dir ?? (existsSync("scenarios") ? "scenarios" : PACKAGE_SCENARIOS);
  let names: string[];
  try {
    names = readdirSync(directory).filter((name) => name.endsWith(".json")).sort();
  } catch {
    throw new UsageError(`--dir: cannot read folder "${directory}"`);
  }
  const listed: Listed[] = [];
  const problems: string[] = [];
  for (const name of names) {
    const file = join(directory, name);
    if (isSchemaFile(file)) continue;
    try {
      const scenario = loadScenario(file);
      listed.push({ name: scenario.name, file, policies: scenario.policies.map((policy) => policy.name) });
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      problems.push(error.message);
    }
  }
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify({ scenarios: listed }, null, 2)}\n`);
  } else {
    const width = Math.max(4, ...listed.map((entry) => entry.name.length));
    for (const entry of listed) process.stdout.write(`${entry.name.padEnd(width)}  ${entry.file}  policies: ${entry.policies.join(", ")}\n`);
  }
  for (const problem of problems) process.stderr.write(`schedlab: ${problem}\n`);
  return problems.length > 0 ? 2 : 0;
}

/** scenarios/schema.json sits beside the scenarios for editors; it is not one. */
function isSchemaFile(file: string): boolean {
  const read = readJsonFile(file);
  return read.ok && isJsonSchemaDocument(read.value);
}
