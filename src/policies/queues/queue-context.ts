// What a grouped ready queue is told about the tasks it orders, and the options every grouped kind shares.
// The orchestrator supplies these: a queue never reaches into a task's payload itself.

import type { Clock } from "../clock.ts";

/** The task fields a fair queue can group by. */
export const GROUP_BY = ["tenant", "lane", "mode", "project", "template", "job"] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export interface QueueContext<T> {
  /** The task's group value (its tenant, lane, ... as the policy's `group_by` says). */
  group(task: T): string;
  /** The job a task belongs to: queues that order whole programs (LAS, MLFQ) keep one record per job. */
  job(task: T): number;
  /** The lane of a task's job (`interactive`, `batch`, `background`): MLFQ puts lanes above its levels. */
  lane(task: T): string;
  /** Tokens a task is known to need before it runs: its requests' input plus their maximum output. */
  costTokens(task: T): number;
  /** Input tokens of the task's requests, known before it runs. */
  inputTokens(task: T): number;
  /** For queues whose order depends on waiting time (aging, boosts, starvation guards). */
  readonly clock: Clock;
}

/** Weights (or priorities, or quotas) keyed by group value, with a default for groups not listed. */
export interface GroupWeights {
  readonly byGroup: Readonly<Record<string, number>>;
  readonly defaultWeight: number;
}

export function weightOf(weights: GroupWeights, group: string): number {
  // hasOwn: a group named "constructor" or "toString" must not find Object.prototype's members.
  return Object.hasOwn(weights.byGroup, group) ? (weights.byGroup[group] as number) : weights.defaultWeight;
}
