// Fairness between the groups of one dimension (tenants, or lanes), derived from the event log alone: the
// service each group received, how long it waited, Jain's index over weight-normalised service rates while
// groups contend, and the largest service lag between two groups backlogged together. Definitions are in
// docs/metrics.md, "Fairness"; test/metrics/fairness.test.ts recomputes every figure with naive code.

import { assert } from "../policies/assert.ts";
import type { Percentiles } from "./percentiles.ts";

export interface GroupServiceSummary {
  /** The group's weight, relative to the queue's default weight (1 when the queue does not weigh this dimension). */
  readonly weight: number;
  /** Input + output tokens of the group's requests that finished `ok`. */
  readonly service_tokens: number;
  readonly service_tokens_share: number;
  /** Σ (request_finished.t − request_started.t) over the group's finished requests, whatever their status. */
  readonly provider_time_ms: number;
  readonly provider_time_share: number;
  /** Time the group was backlogged while at least one other group was too. */
  readonly backlogged_contended_ms: number;
  /** Tokens received during that time, each `ok` request's tokens spread evenly over its duration. */
  readonly contended_service_tokens: number;
  /** Provider time received during that time: ∫ requests in flight dt. */
  readonly contended_provider_time_ms: number;
  /** lease_acquired.t − task_ready.t of the group's tasks. */
  readonly queue_wait_ms: Percentiles;
}

export interface FairnessSummary {
  /** True when `run_started.queue` groups by this dimension and its weights were used. */
  readonly weighted: boolean;
  /** Time during which at least two groups were backlogged. */
  readonly contended_ms: number;
  /** Jain's index over groups' weight-normalised token rates while contended; NaN (absent) without contention. */
  readonly fairness_jain_tokens: number;
  /** The same over provider time (requests in flight). */
  readonly fairness_jain_provider_time: number;
  /** max |ΔS_i/w_i − ΔS_j/w_j| over pairs of groups and intervals both were backlogged; NaN without contention. */
  readonly service_lag_max_tokens: number;
  readonly groups: Readonly<Record<string, GroupServiceSummary>>;
}

/**
 * Pair state grows with the square of the number of groups: past this many groups in a dimension (16 MB of pair
 * state) the service lag is not computed and is reported absent. Tenants and lanes are normally a handful.
 */
export const LAG_GROUPS_MAX = 1024;

/**
 * One instance per dimension. Groups get dense indexes as they appear; every per-event call is O(1) except that
 * a backlog starting, or a request finishing for a backlogged group, walks the other backlogged groups (lag).
 *
 * Time spent backlogged during contention is kept as a clock per group, so the share of a request's duration
 * that fell in that time is one subtraction: the contention clock K(t) advances while ≥ 2 groups are backlogged,
 * and a backlogged group's clock is K(t) + offset, frozen when its backlog ends.
 */
export class FairnessTracker {
  private readonly names: string[] = [];
  private readonly indexOfName = new Map<string, number>();
  private weightsByName: Readonly<Record<string, number>> = {};
  private defaultWeight = 1;
  private weighted = false;
  private readonly weight: number[] = [];
  /** Ready tasks not yet leased, per group: a group is backlogged while this is positive. */
  private readonly waiting: number[] = [];
  private readonly clockOffsetMs: number[] = [];
  private readonly clockFrozenMs: number[] = [];
  private readonly serviceTokens: number[] = [];
  private readonly providerTimeMs: number[] = [];
  private readonly contendedServiceTokens: number[] = [];
  private readonly contendedProviderTimeMs: number[] = [];
  /** Cumulative tokens / weight: N_g(t) of the lag definition. */
  private readonly normalisedService: number[] = [];
  /** Backlogged groups, unordered, with each group's position in it (−1 when not backlogged). */
  private readonly backlogged: number[] = [];
  private readonly positionInBacklogged: number[] = [];
  private contendedMs = 0;
  private contendedSinceMs = 0;
  /** Per pair (i < j) backlogged together: the range of D = N_i − N_j since their common backlog began. */
  private pairCapacity = 0;
  private pairMax = new Float64Array(0);
  private pairMin = new Float64Array(0);
  private lagMaxTokens = 0;

  /** `run_started.queue` weights for this dimension, relative to the default weight. */
  useWeights(weights: Readonly<Record<string, number>>, defaultWeight: number): void {
    this.weightsByName = weights;
    this.defaultWeight = defaultWeight;
    this.weighted = true;
    for (let group = 0; group < this.names.length; group += 1) this.weight[group] = this.weightOf(this.names[group] as string);
  }

  groupOf(name: string): number {
    const known = this.indexOfName.get(name);
    if (known !== undefined) return known;
    const group = this.names.length;
    this.names.push(name);
    this.indexOfName.set(name, group);
    this.weight.push(this.weightOf(name));
    this.waiting.push(0);
    this.clockOffsetMs.push(0);
    this.clockFrozenMs.push(0);
    this.serviceTokens.push(0);
    this.providerTimeMs.push(0);
    this.contendedServiceTokens.push(0);
    this.contendedProviderTimeMs.push(0);
    this.normalisedService.push(0);
    this.positionInBacklogged.push(-1);
    if (group >= this.pairCapacity && group < LAG_GROUPS_MAX) this.growPairs();
    return group;
  }

  get groupCount(): number {
    return this.names.length;
  }

  /** Group names by index. */
  get groupNames(): readonly string[] {
    return this.names;
  }

  nameOf(group: number): string {
    return this.names[group] as string;
  }

  /** A task of the group became ready (and was not already waiting). */
  taskWaiting(group: number, timeMs: number): void {
    this.waiting[group] = (this.waiting[group] as number) + 1;
    if (this.waiting[group] === 1) this.backlogStarted(group, timeMs);
  }

  /** A waiting task of the group was leased, or finished (canceled) while it waited. */
  taskLeftQueue(group: number, timeMs: number): void {
    assert((this.waiting[group] as number) > 0, "a task left the queue of a group with no waiting task");
    this.waiting[group] = (this.waiting[group] as number) - 1;
    if (this.waiting[group] === 0) this.backlogEnded(group, timeMs);
  }

  /** The group's contended-backlog clock now; the collector keeps it per request until the request finishes. */
  clockMs(group: number, timeMs: number): number {
    return (this.waiting[group] as number) > 0 ? this.contentionClockMs(timeMs) + (this.clockOffsetMs[group] as number) : (this.clockFrozenMs[group] as number);
  }

  /** `tokens` is 0 unless the request finished `ok`. */
  requestFinished(group: number, timeMs: number, startedMs: number, clockAtStartMs: number, ok: boolean, tokens: number): void {
    const durationMs = timeMs - startedMs;
    const overlapMs = this.clockMs(group, timeMs) - clockAtStartMs;
    this.providerTimeMs[group] = (this.providerTimeMs[group] as number) + durationMs;
    this.contendedProviderTimeMs[group] = (this.contendedProviderTimeMs[group] as number) + overlapMs;
    if (!ok) return;
    this.serviceTokens[group] = (this.serviceTokens[group] as number) + tokens;
    this.contendedServiceTokens[group] = (this.contendedServiceTokens[group] as number) + tokens * this.contendedShare(overlapMs, durationMs);
    this.normalisedService[group] = (this.normalisedService[group] as number) + tokens / (this.weight[group] as number);
    if ((this.waiting[group] as number) === 0) return;
    for (let position = 0; position < this.backlogged.length; position += 1) {
      const other = this.backlogged[position] as number;
      if (other !== group) this.widenPair(group, other);
    }
  }

  /** `queueWaits[group]`: the percentiles of the group's queue waits (the collector keeps the sample). */
  summary(endMs: number, queueWaits: readonly Percentiles[]): FairnessSummary {
    const groups: Record<string, GroupServiceSummary> = {};
    let tokensTotal = 0;
    let providerTimeTotalMs = 0;
    for (let group = 0; group < this.names.length; group += 1) {
      tokensTotal += this.serviceTokens[group] as number;
      providerTimeTotalMs += this.providerTimeMs[group] as number;
    }
    const tokenRates: number[] = [];
    const providerTimeRates: number[] = [];
    const order = this.names.map((_, group) => group).sort((a, b) => compareNames(this.nameOf(a), this.nameOf(b)));
    for (const group of order) {
      const weight = this.weight[group] as number;
      const backloggedMs = this.clockMs(group, endMs);
      const tokens = this.serviceTokens[group] as number;
      const providerTimeMs = this.providerTimeMs[group] as number;
      const contendedTokens = this.contendedServiceTokens[group] as number;
      const contendedProviderTimeMs = this.contendedProviderTimeMs[group] as number;
      if (backloggedMs > 0) {
        tokenRates.push(contendedTokens / (weight * backloggedMs));
        providerTimeRates.push(contendedProviderTimeMs / (weight * backloggedMs));
      }
      groups[this.nameOf(group)] = {
        weight,
        service_tokens: tokens,
        service_tokens_share: tokensTotal > 0 ? tokens / tokensTotal : Number.NaN,
        provider_time_ms: providerTimeMs,
        provider_time_share: providerTimeTotalMs > 0 ? providerTimeMs / providerTimeTotalMs : Number.NaN,
        backlogged_contended_ms: backloggedMs,
        contended_service_tokens: contendedTokens,
        contended_provider_time_ms: contendedProviderTimeMs,
        queue_wait_ms: queueWaits[group] ?? EMPTY_PERCENTILES,
      };
    }
    const contendedMs = this.contentionClockMs(endMs);
    return {
      weighted: this.weighted,
      contended_ms: contendedMs,
      fairness_jain_tokens: jainIndex(tokenRates),
      fairness_jain_provider_time: jainIndex(providerTimeRates),
      service_lag_max_tokens: contendedMs > 0 && this.names.length <= LAG_GROUPS_MAX ? this.lagMaxTokens : Number.NaN,
      groups,
    };
  }

  /**
   * The part of a request's tokens received while its group was backlogged during contention: tokens are
   * taken to arrive evenly over the request's duration (an instant request counts for nothing here).
   */
  protected contendedShare(overlapMs: number, durationMs: number): number {
    return durationMs > 0 ? overlapMs / durationMs : 0;
  }

  /** Weights from the log are positive (the scenario schema says so); anything else counts as the default. */
  private weightOf(name: string): number {
    const weight = Object.hasOwn(this.weightsByName, name) ? (this.weightsByName[name] as number) : this.defaultWeight;
    const relative = weight / this.defaultWeight;
    return Number.isFinite(relative) && relative > 0 ? relative : 1;
  }

  /** K(t): total time up to `timeMs` during which at least two groups were backlogged. */
  private contentionClockMs(timeMs: number): number {
    return this.backlogged.length >= 2 ? this.contendedMs + (timeMs - this.contendedSinceMs) : this.contendedMs;
  }

  private backlogStarted(group: number, timeMs: number): void {
    this.clockOffsetMs[group] = (this.clockFrozenMs[group] as number) - this.contentionClockMs(timeMs);
    for (let position = 0; position < this.backlogged.length; position += 1) this.openPair(group, this.backlogged[position] as number);
    this.positionInBacklogged[group] = this.backlogged.length;
    this.backlogged.push(group);
    if (this.backlogged.length === 2) this.contendedSinceMs = timeMs;
  }

  private backlogEnded(group: number, timeMs: number): void {
    const clockMs = this.contentionClockMs(timeMs);
    this.clockFrozenMs[group] = clockMs + (this.clockOffsetMs[group] as number);
    if (this.backlogged.length === 2) this.contendedMs = clockMs;
    const position = this.positionInBacklogged[group] as number;
    const last = this.backlogged.pop() as number;
    if (last !== group) {
      this.backlogged[position] = last;
      this.positionInBacklogged[last] = position;
    }
    this.positionInBacklogged[group] = -1;
  }

  /** Two groups are backlogged together from now: their lag is measured from here. */
  protected openPair(a: number, b: number): void {
    if (a >= LAG_GROUPS_MAX || b >= LAG_GROUPS_MAX) return;
    const pair = this.pairIndex(a, b);
    const difference = this.difference(a, b);
    this.pairMax[pair] = difference;
    this.pairMin[pair] = difference;
  }

  private widenPair(a: number, b: number): void {
    if (a >= LAG_GROUPS_MAX || b >= LAG_GROUPS_MAX) return;
    const pair = this.pairIndex(a, b);
    const difference = this.difference(a, b);
    if (difference > (this.pairMax[pair] as number)) this.pairMax[pair] = difference;
    if (difference < (this.pairMin[pair] as number)) this.pairMin[pair] = difference;
    const lag = (this.pairMax[pair] as number) - (this.pairMin[pair] as number);
    if (lag > this.lagMaxTokens) this.lagMaxTokens = lag;
  }

  /** N_i − N_j with i < j, so a pair always sees the same sign. */
  private difference(a: number, b: number): number {
    return a < b
      ? (this.normalisedService[a] as number) - (this.normalisedService[b] as number)
      : (this.normalisedService[b] as number) - (this.normalisedService[a] as number);
  }

  private pairIndex(a: number, b: number): number {
    return a < b ? a * this.pairCapacity + b : b * this.pairCapacity + a;
  }

  /** Pair state is a capacity² matrix, grown by doubling up to LAG_GROUPS_MAX. */
  private growPairs(): void {
    const capacity = Math.min(LAG_GROUPS_MAX, Math.max(8, this.pairCapacity * 2));
    const max = new Float64Array(capacity * capacity);
    const min = new Float64Array(capacity * capacity);
    for (let a = 0; a < this.pairCapacity; a += 1) {
      for (let b = 0; b < this.pairCapacity; b += 1) {
        max[a * capacity + b] = this.pairMax[a * this.pairCapacity + b] as number;
        min[a * capacity + b] = this.pairMin[a * this.pairCapacity + b] as number;
      }
    }
    this.pairCapacity = capacity;
    this.pairMax = max;
    this.pairMin = min;
  }
}

const EMPTY_PERCENTILES: Percentiles = { count: 0, mean: Number.NaN, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN };

/** (Σx)² / (n·Σx²); NaN with no group, or when every x is 0 (no service to compare). */
export function jainIndex(values: readonly number[]): number {
  let sum = 0;
  let sumOfSquares = 0;
  for (const value of values) {
    sum += value;
    sumOfSquares += value * value;
  }
  return sumOfSquares > 0 ? (sum * sum) / (values.length * sumOfSquares) : Number.NaN;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
