// Least attained service per job: a selection is always of the least attained-service level among queued tasks
// (all tasks of a job share one counter), and the starvation guard bounds how long a long job waits behind an
// endless stream of short ones; plus yields, bounded memory and option errors. Each property also runs on a
// planted bug and must fail there.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LasQueue, type LasOptions } from "../../../src/policies/queues/las.ts";
import type { JobRecord, ProgramLevelsQueue } from "../../../src/policies/queues/program-levels.ts";
import type { ReadyQueue } from "../../../src/policies/ready-queue.ts";
import { DEMANDS, ManualClock, type QTask, buildQueue, contextFor, task } from "./harness.ts";
import { demotedJobWait, run } from "./jobs-driver.ts";

const THRESHOLDS = [4000, 16_000, 64_000, 256_000];
const DEFAULTS: LasOptions = { service: "tokens", thresholds: THRESHOLDS, starvationMs: 60_000 };
const levelOf = (service: number): number => THRESHOLDS.filter((threshold) => service >= threshold).length;

/** Planted bug: a job's level is updated, but its tasks already queued stay where they were. */
class StrandedTasksLas extends LasQueue<QTask> {
  protected override moveJob(job: JobRecord<QTask>, level: number): void {
    job.level = level;
  }
}

/** Planted bug: the starvation guard promotes a task's job one level, not to the top. */
class OneStepPromotionLas extends LasQueue<QTask> {
  protected override moveJob(job: JobRecord<QTask>, level: number): void {
    super.moveJob(job, level === 0 ? Math.max(0, job.level - 1) : level);
  }
}

describe("las", () => {
  /** Every selection (all tasks eligible) is of a job whose attained service puts it at the least level queued. */
  const leastServiceFirst = (make: () => ReadyQueue<QTask>) =>
    fc.property(fc.array(fc.record({ job: fc.nat(5), tokens: fc.nat(100_000), serve: fc.boolean() }), { minLength: 1, maxLength: 80 }), (steps) => {
      const queue = make();
      const service = new Map<number, number>();
      const queued: QTask[] = [];
      for (const step of steps) {
        const arriving = task("g", { job: step.job });
        queue.enqueue(arriving);
        queued.push(arriving);
        if (!step.serve) continue;
        const next = queue.select(() => true) as QTask;
        const best = Math.min(...queued.map((candidate) => levelOf(service.get(candidate.job) ?? 0)));
        if (levelOf(service.get(next.job) ?? 0) !== best) return false;
        queue.commit(next);
        queued.splice(queued.indexOf(next), 1);
        queue.charge?.(next, { inputTokens: 0, outputTokens: step.tokens, providerMs: step.tokens });
        service.set(next.job, (service.get(next.job) ?? 0) + step.tokens);
        queue.released?.(next);
      }
      return true;
    });

  it("serves a job of the least attained-service level first (all tasks of a job share one counter)", () => {
    fc.assert(leastServiceFirst(() => buildQueue("las")), { numRuns: 200, seed: 5_101 });
  });

  it("fails that on a planted bug: a demoted job's queued tasks left at their old level", () => {
    expect(fc.check(leastServiceFirst(() => new StrandedTasksLas(DEFAULTS, contextFor(new ManualClock()))), { numRuns: 200, seed: 5_102 }).failed).toBe(true);
  });

  const starvationBounded = (make: (clock: ManualClock, starvationMs: number) => ReadyQueue<QTask>) =>
    fc.property(fc.integer({ min: 1000, max: 60_000 }), fc.integer({ min: 10, max: 1000 }), (starvationMs, tickMs) => {
      const clock = new ManualClock(0);
      const waited = demotedJobWait(make(clock, starvationMs), clock, tickMs, Math.ceil(starvationMs / tickMs) + 5);
      return waited !== undefined && waited <= starvationMs + tickMs;
    });

  it("the starvation guard bounds a long job's wait behind an endless stream of short ones", () => {
    fc.assert(
      starvationBounded((clock, starvationMs) => buildQueue("las", { starvation_ms: starvationMs }, clock)),
      { numRuns: 60, seed: 5_103 },
    );
  });

  it("fails that on planted bugs: no guard, and a guard that promotes one level instead of to the top", () => {
    expect(fc.check(starvationBounded((clock) => buildQueue("las", { starvation_ms: 1e12 }, clock)), { numRuns: 20, seed: 5_104 }).failed).toBe(true);
    const oneStep = (clock: ManualClock, starvationMs: number) => new OneStepPromotionLas({ ...DEFAULTS, starvationMs }, contextFor(clock));
    expect(fc.check(starvationBounded(oneStep), { numRuns: 20, seed: 5_104 }).failed).toBe(true);
  });

  it("guards a promoted task again when a charge sends its job back down while it still waits", () => {
    const clock = new ManualClock(0);
    const queue = buildQueue("las", { thresholds: [100], starvation_ms: 1000 }, clock) as ProgramLevelsQueue<QTask>;
    const running = task("g", { job: 1 });
    const waiting = task("g", { job: 1 });
    queue.enqueue(running);
    queue.commit(running);
    queue.charge(running, { inputTokens: 0, outputTokens: 100, providerMs: 0 });
    queue.enqueue(waiting);
    expect(queue.levelOfJob(1)).toBe(1);
    clock.timeMs = 1000;
    queue.jobFinished(99);
    expect(queue.levelOfJob(1)).toBe(0);
    queue.charge(running, { inputTokens: 0, outputTokens: 1, providerMs: 0 });
    expect(queue.levelOfJob(1)).toBe(1);
    clock.timeMs = 1999;
    queue.jobFinished(99);
    expect(queue.levelOfJob(1)).toBe(1);
    clock.timeMs = 2000;
    queue.jobFinished(99);
    expect(queue.levelOfJob(1)).toBe(0);
    expect(queue.select(() => true)).toBe(waiting);
  });

  it("a task whose job crosses a threshold while it runs is asked to yield; a waiter at a better level on its resources also makes it yield", () => {
    const queue = buildQueue("las", { thresholds: [100, 1000] }) as ProgramLevelsQueue<QTask>;
    const running = task("g", { job: 2 });
    queue.enqueue(running);
    queue.commit(running);
    queue.charge(running, { inputTokens: 50, outputTokens: 49, providerMs: 0 });
    expect(queue.shouldYield(running)).toBe(false);
    queue.charge(running, { inputTokens: 0, outputTokens: 1, providerMs: 0 });
    expect(queue.shouldYield(running)).toBe(true);
    queue.released(running);
    queue.enqueue(running);
    queue.commit(running);
    expect(queue.shouldYield(running)).toBe(false);
    queue.enqueue(task("g", { job: 3, demand: DEMANDS.y }));
    expect(queue.shouldYield(running)).toBe(false);
    queue.enqueue(task("g", { job: 4 }));
    expect(queue.shouldYield(running)).toBe(true);
  });

  it("keeps state only for live jobs: 10,000 finished jobs leave nothing behind; unknown jobs and tasks are ignored", () => {
    const clock = new ManualClock(0);
    const queue = buildQueue("las", { thresholds: [50], starvation_ms: 100 }, clock) as ProgramLevelsQueue<QTask>;
    for (let job = 1; job <= 10_000; job += 1) {
      run(queue, task("g", { job }), 100);
      queue.jobFinished(job);
      clock.timeMs += 1;
    }
    expect([queue.trackedJobs, queue.trackedTasks, queue.size]).toEqual([0, 0, 0]);
    expect(queue.guardEntries).toBe(0);
    const stranger = task("g", { job: 99_999 });
    queue.charge(stranger, { inputTokens: 1, outputTokens: 1, providerMs: 1 });
    queue.released(stranger);
    expect(queue.shouldYield(stranger)).toBe(false);
    expect([queue.trackedJobs, queue.trackedTasks]).toEqual([0, 0]);
  });

  it("keeps a job's service while it lives, across tasks, and forgets it once finished", () => {
    const queue = buildQueue("las", { thresholds: [100] }) as ProgramLevelsQueue<QTask>;
    run(queue, task("g", { job: 6 }), 60);
    run(queue, task("g", { job: 6 }), 60);
    expect(queue.levelOfJob(6)).toBe(1);
    queue.jobFinished(6);
    expect(queue.levelOfJob(6)).toBeUndefined();
    run(queue, task("g", { job: 6 }), 60);
    expect(queue.levelOfJob(6)).toBe(0);
  });

  it("sweeps per-demand lists of demands no longer waiting, and stale entries of moved jobs", () => {
    const clock = new ManualClock(0);
    const queue = buildQueue("las", { thresholds: [10], starvation_ms: 1 }, clock) as ProgramLevelsQueue<QTask>;
    const ledgerDemands = Array.from({ length: 200 }, (_, index) => ({ ...DEMANDS.x, key: `d${index}` }));
    for (const demand of ledgerDemands) run(queue, task("g", { job: 1, demand }), 0);
    const waiting = Array.from({ length: 100 }, () => task("g", { job: 2 }));
    for (const each of waiting) queue.enqueue(each);
    const running = task("g", { job: 2 });
    queue.enqueue(running);
    queue.commit(running);
    // Each round the charge sends job 2 down and the starvation guard brings it back: 100 stale entries a round.
    for (let round = 0; round < 50; round += 1) {
      queue.charge(running, { inputTokens: 0, outputTokens: 10, providerMs: 0 });
      expect(queue.levelOfJob(2)).toBe(1);
      clock.timeMs += 1;
      queue.jobFinished(99);
      expect(queue.levelOfJob(2)).toBe(0);
    }
    expect(queue.ordered()).toEqual(waiting);
    expect(queue.select(() => true)).toBe(waiting[0]);
  });

  it("rejects bad options, naming them", () => {
    expect(() => buildQueue("las", { thresholds: [10, 5] })).toThrow(/thresholds/);
    expect(() => buildQueue("las", { thresholds: [10, 10] })).toThrow(/thresholds/);
    expect(() => buildQueue("las", { thresholds: [1, 10, 10] })).toThrow(/thresholds must ascend/);
    expect(() => buildQueue("las", { thresholds: [] })).toThrow(/thresholds/);
    expect(() => buildQueue("las", { starvation_ms: -1 })).toThrow(/starvation_ms/);
    expect(() => buildQueue("las", { service: "requests" })).toThrow(/service/);
  });

  it("in provider_ms, charges provider time against thresholds in ms", () => {
    const queue = buildQueue("las", { service: "provider_ms" }) as ProgramLevelsQueue<QTask>;
    run(queue, task("g", { job: 9 }), 0);
    const running = task("g", { job: 9 });
    queue.enqueue(running);
    queue.commit(running);
    queue.charge(running, { inputTokens: 1e9, outputTokens: 1e9, providerMs: 4999 });
    expect(queue.levelOfJob(9)).toBe(0);
    queue.charge(running, { inputTokens: 0, outputTokens: 0, providerMs: 1 });
    expect(queue.levelOfJob(9)).toBe(1);
  });
});
