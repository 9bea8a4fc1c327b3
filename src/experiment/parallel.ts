// Runs independent cases (a policy on a seed, a batch of check cases) on worker threads, results in the order
// of the cases whatever the number of threads, so every report is the same for every --jobs.
//
// The pool is tinypool: worker threads with a task queue, AbortSignal cancellation and clean teardown, and
// nothing else. This thread is one of the --jobs lanes, so K lanes take K − 1 workers; with jobs = 1 the cases
// run in this thread only, one per event-loop turn so a Ctrl-C is seen.

import { availableParallelism } from "node:os";
import { setImmediate as nextTurn } from "node:timers/promises";
import Tinypool from "tinypool";
import { EventLimitError } from "../sim/engine.ts";
import { MessageChannel } from "node:worker_threads";
import { CLAIM_SLOTS, type CaseOutcome, type CaseTask, type LaneAnswer, type LaneOrder, type WorkerAnswer, answerTask, claimCase, loadFor, stopLanes } from "./case-worker.ts";

export type { CaseTask, CaseOutcome, ChartedRun, ChartedRunTask, CheckBatch, CheckBatchTask } from "./case-worker.ts";

/** More threads than this only adds memory: a case is CPU-bound. */
export const JOBS_MAX = 256;

export interface RunCasesOptions {
  /** Lanes: this thread and jobs − 1 worker threads; 1 runs every case in this thread. */
  readonly jobs: number;
  /** Threads from startWorkers(jobs), started early; runCases closes them. Without, it starts its own. */
  readonly workers?: Workers | undefined;
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

/**
 * Worker threads started ahead of the cases, so that their start-up (a thread, an isolate, loading the
 * simulator) overlaps what this thread does before it has cases: parsing the scenario, building the cases.
 * Pass them to runCases, which then owns them; `close` is for a command that stops before it runs any.
 */
export interface Workers {
  /** The --jobs they were started for. */
  readonly jobs: number;
  close(): Promise<void>;
}

class StartedWorkers implements Workers {
  private closing: Promise<void> | undefined;
  constructor(
    readonly jobs: number,
    readonly pool: Tinypool,
  ) {}
  close(): Promise<void> {
    this.closing ??= this.pool.destroy();
    return this.closing;
  }
}

/**
 * Starts the threads that --jobs K runs cases on: K − 1, since this thread runs cases as the K-th lane (one
 * isolate fewer to load the modules and warm the JIT in). Undefined for K = 1, which needs none.
 */
export function startWorkers(jobs: number): Workers | undefined {
  checkJobs(jobs);
  if (jobs <= 1) return undefined;
  const threads = jobs - 1;
  const pool = new Tinypool({ filename: workerEntry(), minThreads: threads, maxThreads: threads });
  return new StartedWorkers(jobs, pool);
}

export async function runCases<T extends CaseTask>(tasks: readonly T[], options: RunCasesOptions): Promise<CaseOutcome<T>[]> {
  checkJobs(options.jobs);
  if (options.workers !== undefined && options.workers.jobs !== options.jobs) throw new Error(`workers started for --jobs ${options.workers.jobs}, run with --jobs ${options.jobs}`);
  const workers = options.workers ?? startWorkers(Math.min(options.jobs, tasks.length));
  try {
    await loadFor(tasks);
    if (!(workers instanceof StartedWorkers) || tasks.length <= 1) return await runInThisThread(tasks, options);
    return await runOnLanes(tasks, workers, options);
  } finally {
    await workers?.close();
  }
}

function checkJobs(jobs: number): void {
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > JOBS_MAX) throw new Error(`jobs must be an integer from 1 to ${JOBS_MAX}, got ${jobs}`);
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

/**
 * This thread and the workers take the next case from one shared counter as each finishes its last (so the
 * lanes end together whatever their speed, and a worker never waits for this thread to hand it work); an
 * answer lands at its case's index, so the order of completion changes nothing. This thread yields to the
 * event loop between its cases: the workers' answers, the progress bar and a Ctrl-C are seen there.
 */
async function runOnLanes<T extends CaseTask>(tasks: readonly T[], workers: StartedWorkers, options: RunCasesOptions): Promise<CaseOutcome<T>[]> {
  const results: CaseOutcome<T>[] = new Array<CaseOutcome<T>>(tasks.length);
  const claims = new Int32Array(new SharedArrayBuffer(CLAIM_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  let done = 0;
  let failure: unknown;
  const finished = (index: number, answer: WorkerAnswer<T>): void => {
    try {
      results[index] = valueOf(answer);
    } catch (error) {
      failure ??= error;
      stopLanes(claims);
      return;
    }
    done += 1;
    options.onProgress?.(done, tasks.length);
  };
  const channels = Array.from({ length: workers.jobs - 1 }, () => new MessageChannel());
  let received = 0;
  let allReceived = (): void => undefined;
  for (const channel of channels) {
    channel.port1.on("message", (message: LaneAnswer<T>) => {
      received += 1;
      finished(message.index, message.answer);
      allReceived();
    });
  }
  const runOptions = options.signal === undefined ? {} : { signal: options.signal };
  const workerLanes = channels.map(async (channel) => {
    const order: LaneOrder = { tasks, claims, answers: channel.port2 };
    return (await workers.pool.run(order, { ...runOptions, transferList: [channel.port2] })) as number;
  });
  // Handled now, awaited after this thread's lane: a worker that fails stops the other lanes at once.
  const lanesDone = Promise.all(workerLanes);
  lanesDone.catch(() => stopLanes(claims));
  try {
    for (let index = claimCase(claims, tasks.length); index !== undefined; index = claimCase(claims, tasks.length)) {
      await nextTurn();
      if (options.signal?.aborted === true) throw new CasesInterrupted(done, tasks.length);
      finished(index, answerTask(tasks[index] as T));
    }
    const posted = (await lanesDone).reduce((sum, count) => sum + count, 0);
    // A worker's last answers may arrive on its port after the pool's reply on another.
    await new Promise<void>((resolve) => {
      allReceived = () => {
        if (received >= posted) resolve();
      };
      allReceived();
    });
    if (failure !== undefined) throw failure;
    if (options.signal?.aborted === true) throw new CasesInterrupted(done, tasks.length);
  } catch (error) {
    stopLanes(claims);
    if (options.signal?.aborted === true) throw new CasesInterrupted(done, tasks.length);
    throw error;
  } finally {
    for (const channel of channels) channel.port1.close();
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
