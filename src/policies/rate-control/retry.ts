// When a failed request is sent again, and when the worker gives up instead: the retry strategy of a request
// controller. `retry_after` waits what a 429 asks (schedlab's default, as provider SDKs do), `fixed` waits the
// same whatever it asks, `exponential` backs off from a base by a multiplier up to a cap, with no, full or equal
// jitter (AWS Architecture Blog, "Exponential backoff and jitter"). Errors and timeouts always back off
// exponentially. Jitter draws from an injected source, and only when there is jitter: a run without it draws nothing.

import type { ProviderResponse } from "./request.ts";

export type RateLimitRetry = "retry_after" | "fixed" | "exponential";
/** `full`: uniform in [0, d]; `equal`: d/2 plus uniform in [0, d/2]; `none`: d. */
export type Jitter = "none" | "full" | "equal";

export interface RetryOptions {
  /** Attempts per request, the first included. */
  readonly maxAttempts: number;
  readonly onRateLimit: RateLimitRetry;
  /** `fixed`, and `retry_after` when a 429 carries no retry-after. */
  readonly fixedDelayMs: number;
  /** Backoff before attempt n + 1: min(max, base × multiplier^(n − 1)), then jitter. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly backoffMultiplier: number;
  readonly jitter: Jitter;
  /** An error or timeout gives the lease back and queues the task again (release reason `salvage`) instead. */
  readonly salvageTransient: boolean;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  maxAttempts: 5,
  onRateLimit: "retry_after",
  fixedDelayMs: 1000,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
  backoffMultiplier: 2,
  jitter: "none",
  salvageTransient: false,
};

export class RetryPolicy {
  constructor(
    readonly options: RetryOptions,
    /** Uniform draws in [0, 1): a seeded stream in simulation. */
    private readonly random: () => number,
  ) {}

  /** How long to wait before sending again after a failed attempt number `attempt` (1 for the first). */
  delayMs(response: ProviderResponse, attempt: number): number {
    const options = this.options;
    if (response.status === "rate_limited") {
      if (options.onRateLimit === "retry_after") return response.retryAfterMs ?? options.fixedDelayMs;
      if (options.onRateLimit === "fixed") return options.fixedDelayMs;
    }
    return this.backoffMs(attempt);
  }

  /** min(max, base × multiplier^(attempt − 1)), with the configured jitter. */
  backoffMs(attempt: number): number {
    const { backoffBaseMs, backoffMaxMs, backoffMultiplier, jitter } = this.options;
    const delayMs = Math.min(backoffMaxMs, backoffBaseMs * backoffMultiplier ** (attempt - 1));
    switch (jitter) {
      case "none":
        return delayMs;
      case "full":
        return delayMs * this.random();
      case "equal":
        return delayMs / 2 + (delayMs / 2) * this.random();
    }
  }
}
