// MLFQ: the boost bounds how long a demoted job waits behind an endless stream of fresh jobs, demotion happens
// exactly when a level's quantum is used up, lanes are strict; plus yields, rate-aware demotion, lanes not
// listed, bounded memory and option errors. Each property is also run on a planted bug and must fail there.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MlfqQueue, type MlfqOptions } from "../../../src/policies/queues/mlfq.ts";
import type { JobRecord, ProgramLevelsQueue } from "../../../src/policies/queues/program-levels.ts";
import type { ReadyQueue } from "../../../src/policies/ready-queue.ts";
import { DEMANDS, ManualClock, type QTask, buildQueue, contextFor, task } from "./harness.ts";
import { MLFQ_DEFAULTS, demotedJobWait, run } from "./jobs-driver.ts";

const LANE_RANK: Record<string, number> = { interactive: 0, batch: 1, background: 2 };
const DEFAULTS: MlfqOptions = { ...MLFQ_DEFAULTS, boostPeriodMs: 1e12 };

/** Planted bug: every level has the base quantum (the ratio is ignored). */
class FlatQuantaMlfq extends MlfqQueue<QTask> {
  override quantumOf(): number {
    return 8000;
  }
}

/** Planted bug: a job is demoted only once it has received more than its quantum, not when it has used it up. */
class LateDemotionMlfq extends MlfqQueue<QTask> {
  protected override levelAfterService(job: JobRecord<QTask>): number {
    const bottom = job.topLevel + 2;
    let level = job.level;
    while (level < bottom && job.service > this.quantumOf(level)) {
      job.service -= this.quantumOf(level);
      level += 1;
    }
    return level;
  }
}

/** Planted bug: demotion does not stop at the lane's last level, so a job sinks into the lane below. */
class LaneLeakingMlfq extends MlfqQueue<QTask> {
  protected override levelAfterService(job: JobRecord<QTask>): number {
    let level = job.level;
    while (level < 11 && job.service >= this.quantumOf(level)) {
      job.service -= this.quantumOf(level);
      level += 1;
    }
    return level;
  }
}

describe("mlfq", () => {
  it("the boost bounds starvation: a demoted job runs within one boost period behind an endless stream of fresh jobs", () => {
    const bounded = (boost: boolean) =>
      fc.property(fc.integer({ min: 1000, max: 60_000 }), fc.integer({ min: 10, max: 1000 }), (periodMs, tickMs) => {
        const clock = new ManualClock(0);
        const queue = buildQueue("mlfq", { boost_period_ms: boost ? periodMs : 1e12 }, clock);
        const waited = demotedJobWait(queue, clock, tickMs, Math.ceil(periodMs / tickMs) + 5);
        return waited !== undefined && waited <= periodMs + tickMs;
      });
    fc.assert(bounded(true), { numRuns: 60, seed: 5_001 });
    // Planted bug: no boost. The demoted job starves.
    expect(fc.check(bounded(false), { numRuns: 20, seed: 5_002 }).failed).toBe(true);
  });

  /**
   * After each charge the job's level is the number of quanta (8000 × 2^level) its total service has used up,
   * capped at the lane's last level. Charges include exact quantum boundaries.
   */
  const demotesOnQuantum = (make: (clock: ManualClock) => ProgramLevelsQueue<QTask>) =>
    fc.property(fc.array(fc.oneof(fc.integer({ min: 1, max: 40_000 }), fc.constantFrom(8000, 16_000, 24_000, 32_000)), { minLength: 1, maxLength: 20 }), (charges) => {
      const queue = make(new ManualClock());
      let total = 0;
      return charges.every((tokens) => {
        run(queue, task("g", { job: 7, lane: "interactive" }), tokens);
        total += tokens;
        let expected = 0;
        let used = 8000;
        while (expected < 2 && total >= used) {
          expected += 1;
          used += 8000 * 2 ** expected;
        }
        return queue.levelOfJob(7) === expected;
      });
    });

  it("demotes a job exactly when it has used up its level's quantum (base × ratio^level)", () => {
    fc.assert(demotesOnQuantum(() => buildQueue("mlfq", { boost_period_ms: 1e12 }) as ProgramLevelsQueue<QTask>), { numRuns: 200, seed: 5_003 });
  });

  it("fails that on planted bugs: quanta that do not grow, and demotion one token late", () => {
    expect(fc.check(demotesOnQuantum((clock) => new FlatQuantaMlfq(DEFAULTS, contextFor(clock))), { numRuns: 200, seed: 5_004 }).failed).toBe(true);
    expect(fc.check(demotesOnQuantum((clock) => new LateDemotionMlfq(DEFAULTS, contextFor(clock))), { numRuns: 200, seed: 5_004 }).failed).toBe(true);
  });

  /**
   * The exact rule: a task is selected only when no eligible task of a lane listed before its own waits. Here all
   * tasks are eligible, so a selection's lane is the best lane among queued tasks, however demoted its job is.
   */
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
          const arriving = task("g", { job: arrival.job * 3 + (LANE_RANK[arrival.lane] as number), lane: arrival.lane });
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
    fc.assert(lanesStrict(() => buildQueue("mlfq", { quantum_base: 1000, boost_period_ms: 1e12 })), { numRuns: 200, seed: 5_005 });
  });

  it("fails that on a planted bug: demotion past the lane's last level", () => {
    expect(fc.check(lanesStrict(() => new LaneLeakingMlfq({ ...DEFAULTS, quantumBase: 1000 }, contextFor(new ManualClock()))), { numRuns: 200, seed: 5_006 }).failed).toBe(true);
  });

  it("puts lanes not listed below every listed lane, together", () => {
    const queue = buildQueue("mlfq", { lanes: ["batch"] }) as ProgramLevelsQueue<QTask>;
    const other = task("g", { lane: "interactive" });
    const listed = task("g", { lane: "batch" });
    queue.enqueue(other);
    queue.enqueue(listed);
    expect(queue.select(() => true)).toBe(listed);
    expect([queue.levelOfJob(listed.job), queue.levelOfJob(other.job)]).toEqual([0, 3]);
    expect(queue.select((candidate) => candidate !== listed)).toBe(other);
  });

  it("is FIFO within a level, and a demoted job's queued tasks go behind those already at the lower level", () => {
    const queue = buildQueue("mlfq", { quantum_base: 100 });
    const [first, second, third, fourth, fifth] = [1, 2, 1, 2, 3].map((job) => task("g", { job })) as [QTask, QTask, QTask, QTask, QTask];
    for (const each of [first, second, third, fourth]) queue.enqueue(each);
    expect(queue.ordered()).toEqual([first, second, third, fourth]);
    expect(queue.select(() => true)).toBe(first);
    queue.commit(first);
    queue.charge?.(first, { inputTokens: 40, outputTokens: 60, providerMs: 0 });
    queue.enqueue(fifth);
    expect(queue.ordered()).toEqual([second, fourth, fifth, third]);
    expect(queue.remove(fourth)).toBe(true);
    expect(queue.select(() => true)).toBe(second);
    queue.commit(second);
    expect(queue.select(() => true)).toBe(fifth);
    expect(queue.size).toBe(2);
  });

  it("the boost lifts every demoted job back to its lane's first level and restarts its quantum", () => {
    const clock = new ManualClock(0);
    const queue = buildQueue("mlfq", { quantum_base: 100, boost_period_ms: 1000 }, clock) as ProgramLevelsQueue<QTask>;
    run(queue, task("g", { job: 1, lane: "interactive" }), 150);
    expect(queue.levelOfJob(1)).toBe(1);
    clock.timeMs = 999;
    queue.jobFinished(99);
    expect(queue.levelOfJob(1)).toBe(1);
    clock.timeMs = 1000;
    queue.jobFinished(99);
    expect(queue.levelOfJob(1)).toBe(0);
    // The 50 tokens left over from before the boost do not count: 60 more do not use up the new quantum.
    run(queue, task("g", { job: 1, lane: "interactive" }), 60);
    expect(queue.levelOfJob(1)).toBe(0);
  });

  it("the boost also lifts jobs that started one level down for arriving too fast", () => {
    const clock = new ManualClock(0);
    const queue = buildQueue("mlfq", { demote_above_per_second: 1, rate_window_ms: 1000, boost_period_ms: 1000 }, clock) as ProgramLevelsQueue<QTask>;
    queue.enqueue(task("storm", { job: 1, lane: "batch" }));
    queue.enqueue(task("storm", { job: 2, lane: "batch" }));
    queue.enqueue(task("storm", { job: 3, lane: "batch" }));
    expect([queue.levelOfJob(1), queue.levelOfJob(2), queue.levelOfJob(3)]).toEqual([3, 4, 4]);
    clock.timeMs = 1000;
    queue.jobFinished(99);
    expect([queue.levelOfJob(1), queue.levelOfJob(2), queue.levelOfJob(3)]).toEqual([3, 3, 3]);
  });

  it("a job demoted while its task runs is asked to yield; one that was not, is not", () => {
    const queue = buildQueue("mlfq", { quantum_base: 100 });
    const first = task("g", { job: 3, lane: "batch" });
    queue.enqueue(first);
    expect(queue.shouldYield?.(first)).toBe(false);
    queue.commit(first);
    queue.charge?.(first, { inputTokens: 0, outputTokens: 50, providerMs: 50 });
    expect(queue.shouldYield?.(first)).toBe(false);
    queue.charge?.(first, { inputTokens: 0, outputTokens: 60, providerMs: 60 });
    expect(queue.shouldYield?.(first)).toBe(true);
    queue.released?.(first);
    expect(queue.shouldYield?.(first)).toBe(false);
  });

  it("a running task yields to a task waiting at a better level for the same resources, not for others, not at its own level", () => {
    const queue = buildQueue("mlfq", { quantum_base: 100 });
    run(queue, task("g", { job: 4, lane: "batch" }), 500);
    const running = task("g", { job: 4, lane: "batch" });
    queue.enqueue(running);
    queue.commit(running);
    expect(queue.shouldYield?.(running)).toBe(false);
    queue.enqueue(task("g", { job: 5, lane: "batch", demand: DEMANDS.y }));
    queue.enqueue(task("g", { job: 6, lane: "background" }));
    expect(queue.shouldYield?.(running)).toBe(false);
    const better = task("g", { job: 7, lane: "interactive" });
    queue.enqueue(better);
    expect(queue.shouldYield?.(running)).toBe(true);
    queue.remove(better);
    expect(queue.shouldYield?.(running)).toBe(false);
  });

  it("rate-aware demotion: jobs of a group arriving faster than the limit start one level down, within their lane", () => {
    const clock = new ManualClock(0);
    const queue = buildQueue("mlfq", { demote_above_per_second: 1, rate_window_ms: 1000 }, clock) as MlfqQueue<QTask>;
    queue.enqueue(task("calm", { job: 1, lane: "batch" }));
    queue.enqueue(task("storm", { job: 2, lane: "batch" }));
    queue.enqueue(task("storm", { job: 3, lane: "batch" }));
    queue.enqueue(task("storm", { job: 3, lane: "batch" }));
    expect([queue.levelOfJob(1), queue.levelOfJob(2), queue.levelOfJob(3)]).toEqual([3, 3, 4]);
    expect(queue.trackedGroups).toBe(2);
    clock.timeMs = 5000;
    queue.enqueue(task("storm", { job: 4, lane: "batch" }));
    expect(queue.levelOfJob(4)).toBe(3);
    // The window forgets groups that stopped arriving: memory is bounded by the arrivals within one window.
    expect(queue.trackedGroups).toBe(1);
    const single = buildQueue("mlfq", { levels: 1, demote_above_per_second: 1, rate_window_ms: 1000 }, clock) as MlfqQueue<QTask>;
    for (let job = 10; job < 13; job += 1) single.enqueue(task("storm", { job, lane: "batch" }));
    expect(single.levelOfJob(12)).toBe(1);
  });

  it("rate-aware demotion: an arrival leaves the window exactly rate_window_ms later, and the rate is per second", () => {
    const clock = new ManualClock(0);
    const queue = buildQueue("mlfq", { demote_above_per_second: 1, rate_window_ms: 1000 }, clock) as MlfqQueue<QTask>;
    const levelsAt = (timeMs: number, job: number): number => {
      clock.timeMs = timeMs;
      queue.enqueue(task("storm", { job, lane: "batch" }));
      return queue.levelOfJob(job) ?? -1;
    };
    // More than one arrival within the window (one second) is over the limit.
    expect([levelsAt(0, 1), levelsAt(500, 2)]).toEqual([3, 4]);
    // At 1000 the arrival at 0 has left; the one at 500 is still counted.
    expect(levelsAt(1000, 3)).toBe(4);
    // At 2000 the arrivals at 500 and 1000 have both left.
    expect(levelsAt(2000, 4)).toBe(3);
    expect(queue.trackedGroups).toBe(1);
    // Over a two-second window the same limit allows two arrivals; the third is over it.
    const wide = buildQueue("mlfq", { demote_above_per_second: 1, rate_window_ms: 2000 }, clock) as MlfqQueue<QTask>;
    for (const job of [11, 12, 13]) wide.enqueue(task("storm", { job, lane: "batch" }));
    expect([wide.levelOfJob(11), wide.levelOfJob(12), wide.levelOfJob(13)]).toEqual([3, 3, 4]);
  });

  it("counts no arrivals when rate-aware demotion is off", () => {
    const queue = buildQueue("mlfq") as MlfqQueue<QTask>;
    for (let job = 1; job <= 3; job += 1) queue.enqueue(task("storm", { job, lane: "batch" }));
    expect([queue.trackedGroups, queue.levelOfJob(3)]).toEqual([0, 3]);
  });

  it("keeps state only for live jobs: 10,000 finished jobs leave nothing behind; unknown jobs and tasks are ignored", () => {
    const clock = new ManualClock(0);
    const queue = buildQueue("mlfq", { quantum_base: 100, boost_period_ms: 500 }, clock) as ProgramLevelsQueue<QTask>;
    for (let job = 1; job <= 10_000; job += 1) {
      run(queue, task("g", { job }), 1000);
      queue.jobFinished(job);
      clock.timeMs += 1;
    }
    expect([queue.trackedJobs, queue.trackedTasks, queue.size]).toEqual([0, 0, 0]);
    const stranger = task("g", { job: 99_999 });
    queue.charge(stranger, { inputTokens: 1, outputTokens: 1, providerMs: 1 });
    queue.released(stranger);
    queue.jobFinished(99_999);
    expect(queue.commit(stranger)).toBe(false);
    expect(queue.remove(stranger)).toBe(false);
    expect([queue.trackedJobs, queue.trackedTasks]).toEqual([0, 0]);
  });

  it("keeps a job that is reported finished while a task still waits until that task leaves", () => {
    const queue = buildQueue("mlfq") as ProgramLevelsQueue<QTask>;
    const waiting = task("g", { job: 5 });
    queue.enqueue(waiting);
    queue.jobFinished(5);
    expect(queue.trackedJobs).toBe(1);
    queue.commit(waiting);
    expect(queue.trackedJobs).toBe(1);
    queue.released(waiting);
    expect([queue.trackedJobs, queue.trackedTasks]).toEqual([0, 0]);
  });

  it("rejects bad options, naming them", () => {
    expect(() => buildQueue("mlfq", { levels: 0 })).toThrow(/levels/);
    expect(() => buildQueue("mlfq", { quantum_ratio: 0.5 })).toThrow(/quantum_ratio/);
    expect(() => buildQueue("mlfq", { quantum_base: 0 })).toThrow(/quantum_base/);
    expect(() => buildQueue("mlfq", { lanes: [] })).toThrow(/lanes/);
    expect(() => buildQueue("mlfq", { service: "requests" })).toThrow(/service/);
    expect(() => buildQueue("mlfq", { quantum: 5 })).toThrow(/quantum/);
  });

  it("built directly, asserts whole levels per lane, a positive base quantum and a ratio of at least 1", () => {
    const context = contextFor(new ManualClock());
    expect(() => new MlfqQueue({ ...MLFQ_DEFAULTS, levelsPerLane: 1.5 }, context)).toThrow(/mlfq needs at least one level per lane/);
    expect(() => new MlfqQueue({ ...MLFQ_DEFAULTS, quantumBase: 0 }, context)).toThrow(/mlfq quanta must be positive and must not shrink/);
    expect(() => new MlfqQueue({ ...MLFQ_DEFAULTS, quantumRatio: 0.5 }, context)).toThrow(/mlfq quanta must be positive and must not shrink/);
    // A ratio of exactly 1 is allowed: every level has the base quantum.
    const flat = new MlfqQueue({ ...MLFQ_DEFAULTS, quantumRatio: 1 }, context);
    expect([flat.quantumOf(0), flat.quantumOf(2)]).toEqual([8000, 8000]);
  });

  it("in provider_ms, charges provider time and defaults the base quantum to 10 s", () => {
    const queue = buildQueue("mlfq", { service: "provider_ms" }) as ProgramLevelsQueue<QTask>;
    const first = task("g", { job: 8, lane: "batch" });
    queue.enqueue(first);
    queue.commit(first);
    queue.charge(first, { inputTokens: 1e9, outputTokens: 1e9, providerMs: 9_999 });
    expect(queue.levelOfJob(8)).toBe(3);
    queue.charge(first, { inputTokens: 0, outputTokens: 0, providerMs: 1 });
    expect(queue.levelOfJob(8)).toBe(4);
  });
});
