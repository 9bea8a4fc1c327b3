// Multi-level feedback queue with lanes (REFERENCE §4, §7): lanes are the top tiers (interactive above batch
// above background, configurable), each with `levels` levels. A job starts at its lane's top level and is
// demoted one level when it has used its level's quantum of attained service (quantum_base × ratio^level, as
// FastServe); FIFO within a level; every boost period all jobs go back to their lane's top level, which bounds
// starvation; and, when configured, jobs of a group arriving faster than a rate start one level lower
// (rate-aware demotion, to damp throttle cascades). The published paper gives no parameters: these defaults
// are schedlab's own, chosen for agent requests of a few thousand tokens (see docs/queues.md).

import { z } from "zod";
import { Deque } from "../deque.ts";
import type { Queueable } from "../ready-queue.ts";
import { type JobState, ProgramLevelsQueue } from "./program-levels.ts";
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

export class MlfqQueue<T extends Queueable> extends ProgramLevelsQueue<T> {
  private nextBoostMs: number;
  /** Per group, the arrival times of its jobs within the rate window. */
  private readonly arrivalsByGroup = new Map<string, Deque<number>>();

  constructor(
    private readonly options: MlfqOptions,
    context: QueueContext<T>,
  ) {
    super(context, { service: options.service, starvationMs: undefined }, (options.lanes.length + 1) * options.levelsPerLane);
    this.nextBoostMs = options.boostPeriodMs ?? Infinity;
  }

  quantumOf(level: number): number {
    return this.options.quantumBase * this.options.quantumRatio ** (level % this.options.levelsPerLane);
  }

  protected initialLevel(task: T): number {
    const top = this.laneTop(task);
    return this.arrivingTooFast(task) ? top + Math.min(1, this.options.levelsPerLane - 1) : top;
  }

  /** Demotes one level per quantum used up, never below the lane's last level; a demotion starts a new quantum. */
  protected levelAfterService(job: JobState<T>): number {
    const bottom = this.laneTop(job.sample) + this.options.levelsPerLane - 1;
    let level = job.level;
    while (level < bottom && job.service >= this.quantumOf(level)) {
      job.service -= this.quantumOf(level);
      level += 1;
    }
    return level;
  }

  protected topLevelFor(job: JobState<T>): number {
    return this.laneTop(job.sample);
  }

  protected override onTime(nowMs: number): void {
    if (nowMs < this.nextBoostMs) return;
    for (const job of this.jobs.values()) {
      job.service = 0;
      this.moveJob(job, this.laneTop(job.sample));
    }
    this.nextBoostMs = nowMs + (this.options.boostPeriodMs as number);
  }

  private laneTop(task: T): number {
    const rank = this.options.lanes.indexOf(this.context.lane(task));
    return (rank < 0 ? this.options.lanes.length : rank) * this.options.levelsPerLane;
  }

  /** Counts the job's arrival for its group, and says whether the group is over the rate. */
  private arrivingTooFast(task: T): boolean {
    const limit = this.options.demoteAbovePerSecond;
    if (limit === undefined) return false;
    const group = this.context.group(task);
    let times = this.arrivalsByGroup.get(group);
    if (times === undefined) {
      times = new Deque<number>();
      this.arrivalsByGroup.set(group, times);
    }
    const now = this.context.clock.now();
    times.push(now);
    while ((times.peek() as number) <= now - this.options.rateWindowMs) times.shift();
    return times.size / (this.options.rateWindowMs / 1000) > limit;
  }
}

export const mlfqKind = defineQueueKind({
  kind: "mlfq",
  summary: "lanes over levels; a job that uses its quantum is demoted, a periodic boost lifts every job back",
  options: {
    lanes: z.array(z.string().min(1)).min(1).default(["interactive", "batch", "background"]),
    levels: z.number().int().min(1).max(16).default(3),
    service: z.enum(["tokens", "provider_ms"]).default("tokens"),
    /** 8,000 tokens (about two agent calls of a few thousand tokens) or 10 s of provider time. */
    quantum_base: z.number().positive().optional(),
    quantum_ratio: z.number().min(1).default(2),
    boost_period_ms: z.number().positive().optional().default(60_000),
    demote_above_per_second: z.number().positive().optional(),
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
