// What run and compare share once the runs are done: print the tables, write the report folder.

import type { Comparison } from "../experiment/compare.ts";
import { reportFiles, terminalSummary } from "../report/summary.ts";
import { DEFAULT_WIDTH } from "../report/table.ts";
import { writeFilesAtomically } from "../report/write.ts";
import { UsageError, packageVersion } from "./args.ts";

export function emitReport(comparison: Comparison, options: { out: string; command: string; scenarioFile: string; json: boolean }): void {
  const files = reportFiles(comparison, { command: options.command, scenarioFile: options.scenarioFile, version: packageVersion() });
  let written: string[];
  try {
    written = writeFilesAtomically(options.out, files);
  } catch (error) {
    throw new UsageError(`--out: cannot write the report to "${options.out}" (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (options.json) {
    process.stdout.write(files["summary.json"] ?? "");
    return;
  }
  process.stdout.write(`${terminalSummary(comparison, terminalWidth())}\n\nWrote ${written.join(", ")}\n`);
}

/** The terminal's width; when stdout is not a terminal, COLUMNS if set, else a width that reads well in a log. */
export function terminalWidth(): number {
  if (process.stdout.isTTY && process.stdout.columns > 0) return process.stdout.columns;
  const columns = Number(process.env.COLUMNS);
  return Number.isInteger(columns) && columns >= 40 ? columns : DEFAULT_WIDTH;
}
