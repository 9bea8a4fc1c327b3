// schedlab schema: the JSON Schema of the scenario format, for editors and other tools.

import { basename, dirname } from "node:path";
import { scenarioJsonSchema } from "../scenario/json-schema.ts";
import { writeFilesAtomically } from "../report/write.ts";
import { UsageError, parseCommand, requireWritableFile } from "./args.ts";

export const SCHEMA_HELP = `Usage: schedlab schema [--out FILE]

Prints the JSON Schema (draft 2020-12) of the scenario format, generated from
the schema schedlab itself validates with. scenarios/schema.json is this
output; a scenario that names it in "$schema" gets completion and checking in
editors. A file with "extends" is checked against a relaxed form (no field
required, null removes an inherited field). The schema checks types, ranges
and field names; 'schedlab validate' checks everything else too.

Options:
  --out FILE  write the schema to FILE (atomically) instead of stdout
  -h, --help  show this help

Regenerate the committed copy with: npm run schema`;

export function schemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}

export function schemaCommand(argv: readonly string[]): void {
  const { values, positionals } = parseCommand("schema", argv, { out: { type: "string" } });
  if (values.help === true) {
    process.stdout.write(`${SCHEMA_HELP}\n`);
    return;
  }
  if (positionals.length > 0) throw new UsageError(`schema: unexpected argument "${positionals[0]}" (see 'schedlab schema --help')`);
  if (values.out === undefined) {
    process.stdout.write(schemaText());
    return;
  }
  requireWritableFile("out", values.out);
  writeFilesAtomically(dirname(values.out), { [basename(values.out)]: schemaText() });
}
