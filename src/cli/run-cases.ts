// How a command runs its cases: on --jobs threads, with a progress bar on a terminal, stopped by Ctrl-C.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { type CaseOutcome, type CaseTask, CasesInterrupted, type Workers, runCases } from "../experiment/parallel.ts";
import { Interrupted, interruptible } from "./interrupt.ts";
import { startProgress } from "./progress.ts";

export interface CliRunOptions {
  readonly jobs: number;
  /** Workers started early with startWorkers(jobs); without, runCases starts its own. */
  readonly workers?: Workers | undefined;
  /** Before the bar, e.g. "compare default". */
  readonly label: string;
  /** What a case is called in the bar and the interruption message, e.g. "runs". */
  readonly unit: string;
  /** What complete results exist when Ctrl-C stops the cases, e.g. "no report written". */
  readonly onInterrupt: () => string;
}

export async function runCasesFromCli<T extends CaseTask>(tasks: readonly T[], options: CliRunOptions): Promise<CaseOutcome<T>[]> {
  const progress = startProgress(options.label, tasks.length, options.unit);
  try {
    return await interruptible((signal) => runCases(tasks, { jobs: options.jobs, workers: options.workers, signal, onProgress: (done) => progress.update(done) }));
  } catch (error) {
    if (!(error instanceof CasesInterrupted)) throw error;
    throw new Interrupted(`interrupted after ${error.done} of ${error.total} ${options.unit}; ${options.onInterrupt()}`);
  } finally {
    progress.stop();
  }
}

/** For an interruption message: what stands in a report folder that this command did not get to replace. */
export function completeReportIn(folder: string, markerFile: string): string {
  return existsSync(join(folder, markerFile)) ? `nothing written; the complete report already in ${folder} is unchanged` : `nothing written; no complete report exists in ${folder}`;
}
