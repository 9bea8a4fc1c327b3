// schedlab validate: check scenario files without running them, listing every problem of each file and
// the warnings about settings that run but probably not as meant.

import { isDeepStrictEqual } from "node:util";
import { readJsonFile } from "../scenario/json-file.ts";
import { scenarioJsonSchema } from "../scenario/json-schema.ts";
import { checkScenarioDocument, isJsonSchemaDocument } from "../scenario/load.ts";
import { type Problem, describeProblem } from "../scenario/problems.ts";
import { scenarioWarnings } from "../scenario/warnings.ts";
import { UsageError, parseCommand, resolveScenario } from "./args.ts";

export const VALIDATE_HELP = `Usage: schedlab validate FILE... [options]

Checks scenario files without running them. Every problem in a file is listed,
one line each, with the JSON path to the bad value and a did-you-mean for a
misspelt field or name:

  schedlab: x.json: providers[0]: unknown field "max_concurent"; did you mean "max_concurrent"?
  schedlab: x.json: policies[0].project_limits.acmee: no template has tenant "acmee"; did you mean "acme"? (have: acme, beta)

A valid file prints "ok", then warnings about settings that run but probably
not as meant: a provider, cap or limit offered more work than it can do (and
by how much), or a reap_after_ms shorter than a working worker's longest
silence. A JSON Schema file (scenarios/schema.json) is checked to be current.
FILE is a path, or the name of a file in scenarios/ (e.g. "default").

Exit code: 0 when every file is valid, 2 when any has an error, and with
--strict 1 when none has an error but some has a warning.

Options:
  --strict    warnings fail too (exit code 1)
  --json      print {"files":[{"file","ok","errors":[{"path","message"}],"warnings":[...]}]}
  -h, --help  show this help`;

interface FileResult {
  readonly file: string;
  readonly summary: string | undefined;
  readonly errors: readonly Problem[];
  readonly warnings: readonly Problem[];
}

export function validateCommand(argv: readonly string[]): number {
  const { values, positionals } = parseCommand("validate", argv, { strict: { type: "boolean" }, json: { type: "boolean" } });
  if (values.help === true) {
    process.stdout.write(`${VALIDATE_HELP}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError("validate: missing FILE (see 'schedlab validate --help')");
  const results = positionals.map((argument) => validateFile(resolveScenario(argument)));
  if (values.json === true) printJson(results);
  else for (const result of results) printText(result);
  if (results.some((result) => result.errors.length > 0)) return 2;
  return values.strict === true && results.some((result) => result.warnings.length > 0) ? 1 : 0;
}

function validateFile(file: string): FileResult {
  const read = readJsonFile(file);
  if (read.ok && isJsonSchemaDocument(read.value)) {
    const current = isDeepStrictEqual(read.value, scenarioJsonSchema());
    return current
      ? { file, summary: "the JSON Schema of the scenario format, current", errors: [], warnings: [] }
      : { file, summary: undefined, errors: [{ path: "", message: "is a JSON Schema, but not the current one of the scenario format; regenerate it with 'schedlab schema --out FILE'" }], warnings: [] };
  }
  const check = checkScenarioDocument(file, read);
  const scenario = check.scenario;
  if (scenario === undefined) return { file, summary: undefined, errors: check.errors, warnings: [] };
  const warnings = scenarioWarnings(scenario);
  const policies = `${scenario.policies.length} ${scenario.policies.length === 1 ? "policy" : "policies"}`;
  const warned = warnings.length === 0 ? "" : `, ${warnings.length} warning${warnings.length === 1 ? "" : "s"}`;
  return { file, summary: `${scenario.name}, ${policies}${warned}`, errors: [], warnings };
}

function printText(result: FileResult): void {
  if (result.summary !== undefined) process.stdout.write(`${result.file}: ok (${result.summary})\n`);
  for (const error of result.errors) process.stderr.write(`schedlab: ${describeProblem(result.file, error)}\n`);
  for (const warning of result.warnings) process.stderr.write(`schedlab: warning: ${describeProblem(result.file, warning)}\n`);
}

function printJson(results: readonly FileResult[]): void {
  const plain = (problem: Problem) => ({ path: problem.path, message: problem.message, ...(problem.origin === undefined ? {} : { origin: problem.origin }) });
  const files = results.map((result) => ({ file: result.file, ok: result.errors.length === 0, errors: result.errors.map(plain), warnings: result.warnings.map(plain) }));
  process.stdout.write(`${JSON.stringify({ files }, null, 2)}\n`);
}
