// A retry budget (as RPC frameworks keep one, REFERENCE §8): a retry is allowed only while the retries of the last
// `windowMs` stay within `ratio` × the first attempts of the same window, plus a floor of `minPerSecond` per second
// of window, so that a storm of failures cannot multiply the load it is failing under. The window slides in ten
// steps: counts live in ten buckets of windowMs / 10, so memory is constant however long the run.

import { assert } from "../assert.ts";

export interface RetryBudgetOptions {
  /** Retries allowed per first attempt in the window, in [0, 1] (typically 0.1–0.2). */
  readonly ratio: number;
  /** Retries always allowed per second of window, whatever the first attempts. */
  readonly minPerSecond: number;
  readonly windowMs: number;
}

/** Finagle's ratio and window; a floor of 1 retry per second rather than its 10, for loads of a few requests a second. */
export const DEFAULT_RETRY_BUDGET = { ratio: 0.2, minPerSecond: 1, windowMs: 10_000 } as const;

const BUCKETS = 10;

export class RetryBudget {
  private readonly bucketMs: number;
  private readonly firsts = new Float64Array(BUCKETS);
  private readonly retries = new Float64Array(BUCKETS);
  /** The index (time / bucketMs) of the newest bucket in use. */
  private newest = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: RetryBudgetOptions) {
    assert(options.windowMs > 0, `retry budget window must be positive, got ${options.windowMs}`);
    this.bucketMs = options.windowMs / BUCKETS;
  }

  /** A request went out for the first time: it adds to what retries may spend. */
  recordFirstAttempt(nowMs: number): void {
    const slot = this.slide(nowMs);
    this.firsts[slot] = (this.firsts[slot] as number) + 1;
  }

  /** True (and the retry is counted) when one more retry stays within the budget. */
  tryRetry(nowMs: number): boolean {
    const slot = this.slide(nowMs);
    let firsts = 0;
    let retries = 0;
    for (let index = 0; index < BUCKETS; index += 1) {
      firsts += this.firsts[index] as number;
      retries += this.retries[index] as number;
    }
    const allowance = this.options.ratio * firsts + (this.options.minPerSecond * this.options.windowMs) / 1000;
    if (retries + 1 > allowance) return false;
    this.retries[slot] = (this.retries[slot] as number) + 1;
    return true;
  }

  /** Retries counted in the current window: for reports and tests. */
  retriesInWindow(nowMs: number): number {
    this.slide(nowMs);
    return this.retries.reduce((sum, count) => sum + count, 0);
  }

  /** Empties the buckets that fell out of the window and returns the slot of the current one. */
  private slide(nowMs: number): number {
    const current = Math.floor(nowMs / this.bucketMs);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: time never goes back, and the same bucket again has nothing stale.
    if (current > this.newest) {
      const stale = Math.min(BUCKETS, current - this.newest);
      for (let step = 1; step <= stale; step += 1) {
        const slot = (((current - stale + step) % BUCKETS) + BUCKETS) % BUCKETS;
        this.firsts[slot] = 0;
        this.retries[slot] = 0;
      }
      this.newest = current;
    }
    return ((current % BUCKETS) + BUCKETS) % BUCKETS;
  }
}
