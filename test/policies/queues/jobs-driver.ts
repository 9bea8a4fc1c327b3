// Shared by the MLFQ and LAS tests: run one task of a job to completion with a given service, and measure how
// long a job that has already received a lot of service waits behind an endless stream of fresh jobs.

import type { MlfqOptions } from "../../../src/policies/queues/mlfq.ts";
import type { ReadyQueue } from "../../../src/policies/ready-queue.ts";
import { type ManualClock, type QTask, task } from "./harness.ts";

/** MLFQ's options as the scenario defaults give them, without a boost: for tests that build an MlfqQueue directly. */
export const MLFQ_DEFAULTS: MlfqOptions = {
  lanes: ["interactive", "batch", "background"],
  levelsPerLane: 3,
  service: "tokens",
  quantumBase: 8000,
  quantumRatio: 2,
  boostPeriodMs: undefined,
  demoteAbovePerSecond: undefined,
  rateWindowMs: 10_000,
};

/** Enqueues `running`, commits it, charges it `tokens` (as output tokens and as provider ms) and releases it. */
export function run(queue: ReadyQueue<QTask>, running: QTask, tokens: number): void {
  queue.enqueue(running);
  const chosen = queue.select((candidate) => candidate === running);
  if (chosen !== running) throw new Error("the task to run was not selectable");
  queue.commit(running);
  queue.charge?.(running, { inputTokens: 0, outputTokens: tokens, providerMs: tokens });
  queue.released?.(running);
}

/**
 * Job 1 receives a million tokens of service, then queues one more task; every tick a fresh job arrives and one
 * task is served (and charged 10 tokens). Returns the time at which job 1's task was served, or undefined if it
 * was not within `limitTicks`.
 */
export function demotedJobWait(queue: ReadyQueue<QTask>, clock: ManualClock, tickMs: number, limitTicks: number): number | undefined {
  run(queue, task("g", { job: 1, lane: "batch" }), 1_000_000);
  const waiting = task("g", { job: 1, lane: "batch" });
  queue.enqueue(waiting);
  for (let tick = 0; tick < limitTicks; tick += 1) {
    queue.enqueue(task("g", { job: 1000 + tick, lane: "batch" }));
    const next = queue.select(() => true) as QTask;
    queue.commit(next);
    if (next === waiting) return clock.timeMs;
    queue.charge?.(next, { inputTokens: 0, outputTokens: 10, providerMs: 10 });
    queue.released?.(next);
    queue.jobFinished?.(next.job);
    clock.timeMs += tickMs;
  }
  return undefined;
}
