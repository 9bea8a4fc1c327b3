// What run and compare share once the runs are done: print the tables, write the report folder.

import type { Comparison } from "../experiment/compare.ts";
import { reportFiles, terminalSummary } from "../report/summary.ts";
import { writeFilesAtomically } from "../report/write.ts";
import { packageVersion } from "./args.ts";

export function emitReport(comparison: Comparison, options: { out: string; command: string; scenarioFile: string; json: boolean }): void {
  const files = reportFiles(comparison, { command: options.command, scenarioFile: options.scenarioFile, version: packageVersion() });
  const written = writeFilesAtomically(options.out, files);
  if (options.json) {
    process.stdout.write(files["summary.json"] ?? "");
    return;
  }
  process.stdout.write(`${terminalSummary(comparison)}\n\nWrote ${written.join(", ")}\n`);
}
