// Runs independent cases (a policy on a seed, a batch of check cases) on worker threads, results in the order
// of the cases whatever the number of threads, so every report is the same for every --jobs.
//
// The pool is tinypool: worker threads with a task queue, AbortSignal cancellation and clean teardown, and
// nothing else. With jobs = 1 the cases run in this thread, one per event-loop turn so a Ctrl-C is seen.

import { availableParallelism } from "node:os";
import { setImmediate as nextTurn } from "node:timers/promises";
import Tinypool from "tinypool";
import { EventLimitError } from "../sim/engine.ts";
import { type CaseOutcome, type CaseTask, type WorkerAnswer, answerTask } from "./case-worker.ts";

export type { CaseTask, CaseOutcome, ChartedRun, ChartedRunTask, CheckBatch, CheckBatchTask } from "./case-worker.ts";

/** More threads than this only adds memory: a case is CPU-bound. */
export const JOBS_MAX = 256;

export interface RunCasesOptions {
  /** Worker threads; 1 runs every case in this thread. */
  readonly jobs: number;
  /** Called after each case finishes, in completion order. */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
  /** Aborting stops the run: queued cases never start, running workers are terminated. */
  readonly signal?: AbortSignal | undefined;
}

/** The run was stopped through its signal; `done` cases had finished, whose results are dropped. */
export class CasesInterrupted extends Error {
  override name = "CasesInterrupted";
  constructor(
    readonly done: number,
    readonly total: number,
  ) {
    super(`interrupted after ${done} of ${total} cases`);
  }
}

/** `--jobs auto`: the cores this process may use. */
export function autoJobs(): number {
  return Math.min(availableParallelism(), JOBS_MAX);
}

export async function runCases<T extends CaseTask>(tasks: readonly T[], options: RunCasesOptions): Promise<CaseOutcome<T>[]> {
  if (!Number.isInteger(options.jobs) || options.jobs < 1 || options.jobs > JOBS_MAX) throw new Error(`jobs must be an integer from 1 to ${JOBS_MAX}, got ${options.jobs}`);
  const threads = Math.min(options.jobs, tasks.length);
  return threads <= 1 ? runInThisThread(tasks, options) : runOnPool(tasks, threads, options);
}

async function runInThisThread<T extends CaseTask>(tasks: readonly T[], options: RunCasesOptions): Promise<CaseOutcome<T>[]> {
  const results: CaseOutcome<T>[] = [];
  for (const task of tasks) {
    await nextTurn();
    if (options.signal?.aborted === true) throw new CasesInterrupted(results.length, tasks.length);
    results.push(valueOf(answerTask(task)));
    options.onProgress?.(results.length, tasks.length);
  }
  return results;
}

async function runOnPool<T extends CaseTask>(tasks: readonly T[], threads: number, options: RunCasesOptions): Promise<CaseOutcome<T>[]> {
  const pool = new Tinypool({ filename: workerEntry(), minThreads: threads, maxThreads: threads });
  const results: CaseOutcome<T>[] = new Array<CaseOutcome<T>>(tasks.length);
  const runOptions = options.signal === undefined ? {} : { signal: options.signal };
  let next = 0;
  let done = 0;
  // One lane per thread, each taking the next case when its last one is back: at most `threads` cases are
  // in flight, so an abort has few listeners to reach and a failure stops the rest from starting.
  const lane = async (): Promise<void> => {
    while (next < tasks.length && options.signal?.aborted !== true) {
      const index = next;
      next += 1;
      results[index] = valueOf((await pool.run(tasks[index], runOptions)) as WorkerAnswer<T>);
      done += 1;
      options.onProgress?.(done, tasks.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: threads }, lane));
    if (options.signal?.aborted === true) throw new CasesInterrupted(done, tasks.length);
  } catch (error) {
    if (options.signal?.aborted === true) throw new CasesInterrupted(done, tasks.length);
    throw error;
  } finally {
    await pool.destroy();
  }
  return results;
}

/** The compiled worker beside this module in dist/; from the sources, an entry that loads it through tsx. */
function workerEntry(): string {
  const fromSources = import.meta.url.endsWith(".ts");
  return new URL(fromSources ? "./case-worker-tsx.mjs" : "./case-worker.js", import.meta.url).href;
}

function valueOf<T extends CaseTask>(answer: WorkerAnswer<T>): CaseOutcome<T> {
  if (answer.ok) return answer.value;
  throw new EventLimitError(answer.eventLimit.maxEvents, answer.eventLimit.atMs);
}
