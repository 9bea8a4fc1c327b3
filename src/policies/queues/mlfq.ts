// Multi-level feedback queue with lanes (REFERENCE §4, §7): lanes are the top tiers (interactive above batch
// above background, configurable), each with `levels` levels. A job starts at its lane's top level and is
// demoted one level when it has used its level's quantum of attained service (quantum_base × ratio^level, as
// FastServe); FIFO within a level; every boost period all jobs go back to their lane's top level, which bounds
// starvation; and, when configured, jobs of a group arriving faster than a rate start one level lower
// (rate-aware demotion, to damp throttle cascades). The published paper gives no parameters: these defaults
// are schedlab's own, chosen for agent requests of a few thousand tokens (see docs/queues.md).

import { z } from "zod";
import { assert } from "../assert.ts";
import { Deque } from "../deque.ts";
import type { Queueable } from "../ready-queue.ts";
import { type JobRecord, ProgramLevelsQueue } from "./program-levels.ts";
import type { QueueContext } from "./queue-context.ts";
import { defineQueueKind } from "./queue-kind.ts";

export interface MlfqOptions {
  /** Lanes from the highest tier down; a lane not listed goes below them all. */
  readonly lanes: readonly string[];
  readonly levelsPerLane: number;
  readonly service: "tokens" | "provider_ms";
  /** Quantum of a lane's top level; level k's is quantumBase × quantumRatio^k. */
  readonly quantumBase: number;
  readonly quantumRatio: number;
  /** Every this often, every job goes back to its lane's top level; undefined: no boost. */
  readonly boostPeriodMs: number | undefined;
  /** A group whose jobs arrive faster than this (per second, over rateWindowMs) has new jobs start a level lower. */
  readonly demoteAbovePerSecond: number | undefined;
  readonly rateWindowMs: number;
}

/** A group's job arrivals within the rate window. */
interface GroupArrivals {
  readonly group: string;
  count: number;
}

export class MlfqQueue<T extends Queueable> extends ProgramLevelsQueue<T> {
  private nextBoostMs: number;
  private boostEpoch = 0;
  /** Job arrivals within the rate window, oldest first, and a count per group: O(1) amortised, bounded by the window. */
  private readonly recentArrivals = new Deque<GroupArrivals>();
  private readonly recentArrivalTimesMs = new Deque<number>();
  private readonly arrivalsByGroup = new Map<string, GroupArrivals>();

  constructor(
    private readonly options: MlfqOptions,
    context: QueueContext<T>,
  ) {
    super(context, { service: options.service, starvationMs: undefined }, (options.lanes.length + 1) * options.levelsPerLane);
    assert(Number.isInteger(options.levelsPerLane) && options.levelsPerLane >= 1, "mlfq needs at least one level per lane");
    assert(options.quantumBase > 0 && options.quantumRatio >= 1, "mlfq quanta must be positive and must not shrink");
    this.nextBoostMs = options.boostPeriodMs ?? Infinity;
  }

  /** Attained service a job may receive at `level` before it is demoted: quantumBase × quantumRatio^(level within its lane). */
  quantumOf(level: number): number {
    return this.options.quantumBase * this.options.quantumRatio ** (level % this.options.levelsPerLane);
  }

  /** Groups whose job arrivals within the rate window the queue counts (0 when rate-aware demotion is off). */
  get trackedGroups(): number {
    return this.arrivalsByGroup.size;
  }

  /** A lane's first level: lanes in the order given, then one tier for every lane not listed. */
  protected topLevelOf(task: T): number {
    const rank = this.options.lanes.indexOf(this.context.lane(task));
    return (rank < 0 ? this.options.lanes.length : rank) * this.options.levelsPerLane;
  }

  /** The lane's first level, or the one below it when the task's group is arriving too fast. */
  protected initialLevel(task: T, topLevel: number): number {
    return this.arrivingTooFast(task) && this.options.levelsPerLane > 1 ? topLevel + 1 : topLevel;
  }

  /** Demotes one level per quantum used up, never below the lane's last level; each demotion starts a new quantum. */
  protected levelAfterService(job: JobRecord<T>): number {
    const bottom = job.topLevel + this.options.levelsPerLane - 1;
    let level = job.level;
    while (level < bottom && job.service >= this.quantumOf(level)) {
      job.service -= this.quantumOf(level);
      level += 1;
    }
    return level;
  }

  /** A job the last boost lifted starts a new quantum: its service is reset lazily, at its next charge. */
  protected override beforeCharge(job: JobRecord<T>): void {
    if (job.boostEpoch === this.boostEpoch) return;
    job.boostEpoch = this.boostEpoch;
    job.service = 0;
  }

  protected override onTime(nowMs: number): void {
    if (nowMs < this.nextBoostMs) return;
    // Stryker disable next-line AssignmentOperator: epochs are only compared for equality; counting down starts a new one too.
    this.boostEpoch += 1;
    this.liftDisplacedJobs();
    this.nextBoostMs = nowMs + (this.options.boostPeriodMs as number);
  }

  /** Counts the job's arrival for its group, and says whether the group is over the rate. */
  private arrivingTooFast(task: T): boolean {
    const limit = this.options.demoteAbovePerSecond;
    if (limit === undefined) return false;
    const nowMs = this.context.clock.now();
    while (this.recentArrivals.size > 0 && (this.recentArrivalTimesMs.peek() as number) <= nowMs - this.options.rateWindowMs) {
      const expired = this.recentArrivals.shift() as GroupArrivals;
      this.recentArrivalTimesMs.shift();
      expired.count -= 1;
      if (expired.count === 0) this.arrivalsByGroup.delete(expired.group);
    }
    const group = this.context.group(task);
    let arrivals = this.arrivalsByGroup.get(group);
    if (arrivals === undefined) {
      arrivals = { group, count: 0 };
      this.arrivalsByGroup.set(group, arrivals);
    }
    arrivals.count += 1;
    this.recentArrivals.push(arrivals);
    this.recentArrivalTimesMs.push(nowMs);
    return arrivals.count / (this.options.rateWindowMs / 1000) > limit;
  }
}

export const mlfqKind = defineQueueKind({
  kind: "mlfq",
  summary: "lanes over levels; a job that uses its quantum is demoted, a periodic boost lifts every job back",
  options: {
    /** Highest tier first. Default: the three lanes a job can have; a lane not listed goes below them all. */
    lanes: z.array(z.string().min(1)).min(1).default(["interactive", "batch", "background"]),
    /** Levels per lane. 3 (schedlab's choice): short, medium, long programs; more levels only add boost work. */
    levels: z.number().int().min(1).max(16).default(3),
    /** What attained service counts: tokens (input + output) or provider time. */
    service: z.enum(["tokens", "provider_ms"]).default("tokens"),
    /** Default 8,000 tokens (about two agent calls of a few thousand tokens) or 10 s of provider time: schedlab's choice. */
    quantum_base: z.number().positive().optional(),
    /** 2, as FastServe (REFERENCE §7): each level's quantum doubles, so a long job is demoted a logarithmic number of times. */
    quantum_ratio: z.number().min(1).default(2),
    /** 60 s (schedlab's choice): a few times a long agent call, so a demoted job waits at most about a minute. */
    boost_period_ms: z.number().positive().optional().default(60_000),
    /** Off by default: a group starting jobs faster than this (per second, over the window) has new jobs start a level down. */
    demote_above_per_second: z.number().positive().optional(),
    /** 10 s: long enough to see a burst, short enough to forget it soon after it ends. */
    rate_window_ms: z.number().positive().default(10_000),
  },
  create: (options, context) =>
    new MlfqQueue(
      {
        lanes: options.lanes,
        levelsPerLane: options.levels,
        service: options.service,
        quantumBase: options.quantum_base ?? (options.service === "tokens" ? 8000 : 10_000),
        quantumRatio: options.quantum_ratio,
        boostPeriodMs: options.boost_period_ms,
        demoteAbovePerSecond: options.demote_above_per_second,
        rateWindowMs: options.rate_window_ms,
      },
      context,
    ),
});
