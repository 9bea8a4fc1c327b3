// What one case of a parallel run is, and the function that runs it. Worker threads call it through the pool
// (src/experiment/parallel.ts); with --jobs 1 the same function runs in-process, so both paths compute alike.

import type { MessagePort } from "node:worker_threads";
import type { SwarmCase, runCase } from "../check/swarm.ts";
import type { PolicySpec, Scenario } from "../scenario/types.ts";
import { assertionFailed } from "../policies/assert.ts";
import { EventLimitError } from "../sim/engine.ts";
import type { RunCharts } from "./charts.ts";
import type { RunSummary } from "../metrics/collector.ts";
import { runCharted } from "./run.ts";

/** One policy on one seed, with the data report.html draws (the time series only when `timeline`). */
export interface ChartedRunTask {
  readonly kind: "charted_run";
  readonly scenario: Scenario;
  readonly policy: PolicySpec;
  readonly seed: number;
  readonly timeline: boolean;
}

export interface ChartedRun {
  readonly summary: RunSummary;
  readonly charts: RunCharts;
}

/** A batch of generated check cases of one policy, each checked against every property. */
export interface CheckBatchTask {
  readonly kind: "check_batch";
  readonly scenario: Scenario;
  readonly policy: PolicySpec;
  readonly cases: readonly SwarmCase[];
}

export type CheckBatch = readonly ReturnType<typeof runCase>[];

export type CaseTask = ChartedRunTask | CheckBatchTask;

export type CaseOutcome<T extends CaseTask> = T extends ChartedRunTask ? ChartedRun : T extends CheckBatchTask ? CheckBatch : never;

/**
 * A worker's answer. A user error (a run over its event limit) travels as data because an Error crossing a
 * thread loses its class, and the CLI tells user errors from bugs by class.
 */
export type WorkerAnswer<T extends CaseTask> =
  | { readonly ok: true; readonly value: CaseOutcome<T> }
  | { readonly ok: false; readonly eventLimit: { readonly maxEvents: number; readonly atMs: number } };

/**
 * The swarm checker (and fast-check under it), loaded only by a run that has check batches: a comparison's
 * threads skip its loading, part of the start-up that no second thread can share.
 */
let checkCase: typeof runCase | undefined;

/** Loads what these tasks need beyond the simulator; call before answerTask in every thread that runs them. */
export async function loadFor(tasks: readonly CaseTask[]): Promise<void> {
  if (checkCase === undefined && tasks.some((task) => task.kind === "check_batch")) checkCase = (await import("../check/swarm.ts")).runCase;
}

export function runTask(task: CaseTask): ChartedRun | CheckBatch {
  switch (task.kind) {
    case "charted_run":
      return runCharted({ scenario: task.scenario, policy: task.policy, seed: task.seed, timeline: task.timeline });
    case "check_batch":
      return task.cases.map((swarm) => (checkCase ?? assertionFailed("check batches run after loadFor"))(task.scenario, task.policy, swarm));
    default: {
      const unknown: never = task;
      throw new Error(`unknown case kind: ${JSON.stringify(unknown)}`);
    }
  }
}

export function answerTask<T extends CaseTask>(task: T): WorkerAnswer<T> {
  try {
    // runTask's switch pairs each kind with its outcome; the type system cannot follow a switch into T.
    return { ok: true, value: runTask(task) as CaseOutcome<T> };
  } catch (error) {
    if (error instanceof EventLimitError) return { ok: false, eventLimit: { maxEvents: error.maxEvents, atMs: error.atMs } };
    throw error;
  }
}

/** The slots of a run's shared claim counter: the next case to take, and a flag that stops every lane. */
const NEXT = 0;
const STOP = 1;
export const CLAIM_SLOTS = 2;

/** Takes the next case for a lane, or undefined when none is left or the run is stopping. */
export function claimCase(claims: Int32Array, total: number): number | undefined {
  if (Atomics.load(claims, STOP) !== 0) return undefined;
  const index = Atomics.add(claims, NEXT, 1);
  return index < total ? index : undefined;
}

/** Stops every lane after the case it is running. */
export function stopLanes(claims: Int32Array): void {
  Atomics.store(claims, STOP, 1);
}

/** A case's answer as a worker posts it on a lane's port. */
export interface LaneAnswer<T extends CaseTask> {
  readonly index: number;
  readonly answer: WorkerAnswer<T>;
}

/**
 * What a worker thread is handed once per run: every case (the scenario they share is cloned once), the
 * shared counter that this thread and the workers claim cases from, and the port to post each answer on.
 */
export interface LaneOrder {
  readonly tasks: readonly CaseTask[];
  readonly claims: Int32Array;
  readonly answers: MessagePort;
}

/**
 * A worker's lane: claims and runs cases until none is left, posting each answer as it is done. Claiming
 * in the worker means it never waits for the main thread (busy with cases of its own) to hand it the next.
 * Returns how many cases it posted.
 */
export async function runLane(order: LaneOrder): Promise<number> {
  await loadFor(order.tasks);
  let posted = 0;
  for (let index = claimCase(order.claims, order.tasks.length); index !== undefined; index = claimCase(order.claims, order.tasks.length)) {
    const message: LaneAnswer<CaseTask> = { index, answer: answerTask(order.tasks[index] as CaseTask) };
    order.answers.postMessage(message);
    posted += 1;
  }
  return posted;
}

/** The pool's entry point (tinypool calls a worker module's default export). */
export default runLane;
