// What one case of a parallel run is, and the function that runs it. Worker threads call it through the pool
// (src/experiment/parallel.ts); with --jobs 1 the same function runs in-process, so both paths compute alike.

import { type SwarmCase, runCase } from "../check/swarm.ts";
import type { PolicySpec, Scenario } from "../scenario/types.ts";
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

export function runTask(task: CaseTask): ChartedRun | CheckBatch {
  switch (task.kind) {
    case "charted_run":
      return runCharted({ scenario: task.scenario, policy: task.policy, seed: task.seed, timeline: task.timeline });
    case "check_batch":
      return task.cases.map((swarm) => runCase(task.scenario, task.policy, swarm));
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

/** The pool's entry point (tinypool calls a worker module's default export). */
export default answerTask;
