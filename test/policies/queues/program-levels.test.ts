// MLFQ and least attained service: demotion exactly when a quantum is used up, lanes strictly above levels,
// the boost (MLFQ) and the starvation guard (LAS) bounding how long a demoted job waits behind an endless
// stream of fresh jobs, LAS ordering by attained service, yields after a demotion, and per-job state dropped
// when jobs finish. Each property fails on a planted bug.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MlfqQueue } from "../../../src/policies/queues/mlfq.ts";
import type { ProgramLevelsQueue } from "../../../src/policies/queues/program-levels.ts";
import type { ReadyQueue } from "../../../src/policies/ready-queue.ts";
import { DEMANDS, ManualClock, type QTask, buildQueue, contextFor, task } from "./harness.ts";

const LANE_RANK: Record<string, number> = { interactive: 0, batch: 1, background: 2 };

/** Runs `task` once, charging it `tokens` of output. */
function run(queue: ReadyQueue<QTask>, running: QTask, tokens: number): void {
  queue.enqueue(running);
  const chosen = queue.select((candidate) => candidate === running);
  if (chosen !== running) throw new Error("the task to run was not selectable");
  queue.commit(running);
  queue.charge?.(running, { inputTokens: 0, outputTokens: tokens, providerMs: tokens });
  queue.released?.(running);
}

/**
 * A job that has used a lot of service queues one more task; then every tick a fresh job arrives and one task
 * is served. Returns the time at which the old job's task was served, or undefined within `limitTicks`.
 */
function demotedJobWait(queue: ReadyQueue<QTask>, clock: ManualClock, tickMs: number, limitTicks: number): number | undefined {
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

describe("mlfq", () => {
  it("the boost bounds starvation: a demoted job runs within one boost period behind an endless stream of fresh jobs", () => {
    const bounded = (boost: boolean) =>
      fc.property(fc.integer({ min: 1000, max: 60_000 }), fc.integer({ min: 10, max: 1000 }), (periodMs, tickMs) => {
        const clock = new ManualClock(0);
        const queue = buildQueue("mlfq", boost ? { boost_period_ms: periodMs } : { boost_period_ms: 1e12 }, clock);
        const waited = demotedJobWait(queue, clock, tickMs, Math.ceil(periodMs / tickMs) + 5);
        return waited !== undefined && waited <= periodMs + tickMs;
      });
    fc.assert(bounded(true), { numRuns: 60, seed: 5_001 });
    // Planted bug: no boost. The demoted job starves.
    expect(fc.check(bounded(false), { numRuns: 20, seed: 5_002 }).failed).toBe(true);
  });

  /** After each charge the job's level is the number of quanta its total service has used up, capped at the lane's last level. */
  const demotesOnQuantum = (make: (clock: ManualClock) => ProgramLevelsQueue<QTask>) =>
    fc.property(fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 20 }), (charges) => {
      const queue = make(new ManualClock());
      let total = 0;
      return charges.every((tokens) => {
        run(queue, task("g", { job: 7, lane: "interactive" }), tokens);
        total += tokens;
        let expected = 0;
        let used = 8000;
        while (expected < 3 && total >= used) {
          expected += 1;
          used += 8000 * 2 ** expected;
        }
        return queue.levelOfJob(7) === Math.min(expected, 2);
      });
    });

  it("demotes a job exactly when it has used up its level's quantum (base × ratio^level)", () => {
    fc.assert(demotesOnQuantum(() => buildQueue("mlfq", { boost_period_ms: 1e12 }) as ProgramLevelsQueue<QTask>), { numRuns: 100, seed: 5_003 });
  });

  it("a queue whose quanta do not grow by the ratio fails that (planted bug)", () => {
    class FlatQuantaMlfq extends MlfqQueue<QTask> {
      override quantumOf(): number {
        return 8000;
      }
    }
    const flat = (clock: ManualClock) =>
      new FlatQuantaMlfq(
        { lanes: ["interactive", "batch", "background"], levelsPerLane: 3, service: "tokens", quantumBase: 8000, quantumRatio: 2, boostPeriodMs: 1e12, demoteAbovePerSecond: undefined, rateWindowMs: 10_000 },
        contextFor(clock),
      );
    expect(fc.check(demotesOnQuantum(flat), { numRuns: 100, seed: 5_004 }).failed).toBe(true);
  });

  const lanesStrict = (make: () => ReadyQueue<QTask>) =>
    fc.property(
      fc.array(fc.record({ lane: fc.constantFrom("interactive", "batch", "background"), job: fc.nat(6), tokens: fc.nat(50_000), serve: fc.boolean() }), {
        minLength: 1,
        maxLength: 60,
      }),
      (arrivals) => {
        const queue = make();
        const queued: QTask[] = [];
        for (const arrival of arrivals) {
          const arriving = task("g", { job: arrival.job * 3 + LANE_RANK[arrival.lane]!, lane: arrival.lane });
          queue.enqueue(arriving);
          queued.push(arriving);
          if (!arrival.serve) continue;
          const next = queue.select(() => true) as QTask;
          const best = Math.min(...queued.map((candidate) => LANE_RANK[candidate.lane] as number));
          if ((LANE_RANK[next.lane] as number) > best) return false;
          queue.commit(next);
          queued.splice(queued.indexOf(next), 1);
          queue.charge?.(next, { inputTokens: 0, outputTokens: arrival.tokens, providerMs: arrival.tokens });
          queue.released?.(next);
        }
        return true;
      },
    );

  it("lanes are strict: a task of a lower lane never goes before a queued task of a higher one, however demoted", () => {
    fc.assert(lanesStrict(() => buildQueue("mlfq")), { numRuns: 100, seed: 5_005 });
  });

  it("LAS, which ignores lanes, fails that (the property can fail)", () => {
    expect(fc.check(lanesStrict(() => buildQueue("las")), { numRuns: 100, seed: 5_006 }).failed).toBe(true);
  });

  it("a job demoted while its task runs is asked to yield; one that was not, is not", () => {
    const queue = buildQueue("mlfq", { quantum_base: 100 });
    const first = task("g", { job: 3, lane: "batch" });
    queue.enqueue(first);
    queue.commit(first);
    queue.charge?.(first, { inputTokens: 0, outputTokens: 50, providerMs: 50 });
    expect(queue.shouldYield?.(first)).toBe(false);
    queue.charge?.(first, { inputTokens: 0, outputTokens: 60, providerMs: 60 });
    expect(queue.shouldYield?.(first)).toBe(true);
  });

  it("a running task yields to a job waiting at a better level for the same resources, not for others", () => {
    const queue = buildQueue("mlfq", { quantum_base: 100 });
    const running = task("g", { job: 4, lane: "batch" });
    run(queue, task("g", { job: 4, lane: "batch" }), 500);
    queue.enqueue(running);
    queue.commit(running);
    expect(queue.shouldYield?.(running)).toBe(false);
    queue.enqueue(task("g", { job: 5, lane: "batch", demand: DEMANDS.y }));
    expect(queue.shouldYield?.(running)).toBe(false);
    queue.enqueue(task("g", { job: 6, lane: "interactive" }));
    expect(queue.shouldYield?.(running)).toBe(true);
  });

  it("rate-aware demotion: jobs of a group arriving faster than the limit start one level down", () => {
    const clock = new ManualClock(0);
    const queue = buildQueue("mlfq", { demote_above_per_second: 1, rate_window_ms: 1000 }, clock) as ProgramLevelsQueue<QTask>;
    queue.enqueue(task("calm", { job: 1, lane: "batch" }));
    queue.enqueue(task("storm", { job: 2, lane: "batch" }));
    queue.enqueue(task("storm", { job: 3, lane: "batch" }));
    expect([queue.levelOfJob(1), queue.levelOfJob(2), queue.levelOfJob(3)]).toEqual([3, 3, 4]);
    clock.timeMs = 5000;
    queue.enqueue(task("storm", { job: 4, lane: "batch" }));
    expect(queue.levelOfJob(4)).toBe(3);
  });
});

describe("las", () => {
  const leastServiceFirst = (make: () => ReadyQueue<QTask>, levelOf: (service: number) => number) =>
    fc.property(
      fc.array(fc.record({ job: fc.nat(5), tokens: fc.nat(100_000), serve: fc.boolean() }), { minLength: 1, maxLength: 80 }),
      (steps) => {
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
      },
    );
  const thresholds = [4000, 16_000, 64_000, 256_000];
  const levelOf = (service: number): number => thresholds.filter((threshold) => service >= threshold).length;

  it("serves a job of the least attained-service level first (all tasks of a job share one counter)", () => {
    fc.assert(leastServiceFirst(() => buildQueue("las"), levelOf), { numRuns: 200, seed: 5_101 });
  });

  it("FIFO fails that (the property can fail)", () => {
    expect(fc.check(leastServiceFirst(() => buildQueue("fifo"), levelOf), { numRuns: 200, seed: 5_102 }).failed).toBe(true);
  });

  it("the starvation guard bounds a long job's wait behind an endless stream of short ones; without it, it starves", () => {
    const bounded = (guard: boolean) =>
      fc.property(fc.integer({ min: 1000, max: 60_000 }), fc.integer({ min: 10, max: 1000 }), (starvationMs, tickMs) => {
        const clock = new ManualClock(0);
        const queue = buildQueue("las", { starvation_ms: guard ? starvationMs : 1e12 }, clock);
        const waited = demotedJobWait(queue, clock, tickMs, Math.ceil(starvationMs / tickMs) + 5);
        return waited !== undefined && waited <= starvationMs + tickMs;
      });
    fc.assert(bounded(true), { numRuns: 60, seed: 5_103 });
    expect(fc.check(bounded(false), { numRuns: 20, seed: 5_104 }).failed).toBe(true);
  });

  it("keeps state only for live jobs: 10,000 finished jobs leave nothing behind; a charge for an unknown job is ignored", () => {
    const queue = buildQueue("las") as ProgramLevelsQueue<QTask>;
    for (let job = 1; job <= 10_000; job += 1) {
      run(queue, task("g", { job }), 100);
      queue.jobFinished?.(job);
    }
    expect(queue.trackedJobs).toBe(0);
    queue.charge?.(task("g", { job: 99_999 }), { inputTokens: 1, outputTokens: 1, providerMs: 1 });
    expect(queue.trackedJobs).toBe(0);
  });

  it("rejects thresholds that do not ascend, naming the option", () => {
    expect(() => buildQueue("las", { thresholds: [10, 5] })).toThrow(/thresholds/);
    expect(() => buildQueue("mlfq", { levels: 0 })).toThrow(/levels/);
  });
});
