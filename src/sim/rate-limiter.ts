// Provider-side rate limits on requests and tokens per minute, with the two semantics public providers use:
// a continuously refilled token bucket, or a window that resets at fixed boundaries. Tokens are charged up
// front (input + max output) at admission, so a request that later fails still counts. Each answer carries what
// public APIs put in their `x-ratelimit-*` headers: the limit, what remains and the time until it is full again.

import type { RateLimitHeaders } from "../policies/rate-control/request.ts";

/** Headers built field by field (spreading conditional literals cost a tenth of a run, see rateLimitFields). */
type MutableHeaders = { -readonly [K in keyof RateLimitHeaders]: RateLimitHeaders[K] };

/** Slack for floating-point refill arithmetic: a bucket short by less than this counts as full enough. */
const EPSILON = 1e-9;

export interface RateLimit {
  readonly requestsPerMinute?: number;
  readonly tokensPerMinute?: number;
}

export interface RateLimiter {
  /**
   * Admits a request of `tokens` at `nowMs` and charges it, or refuses it and returns how long to wait,
   * in whole milliseconds, until the same request would be admitted if nothing else were. 0 means admitted.
   */
  tryAdmit(nowMs: number, tokens: number): number;
  /** Whether a request of this many tokens can ever be admitted. */
  fits(tokens: number): boolean;
  /** The limits as they stand at `nowMs` (after the last admission), or undefined when there are none. */
  headers(nowMs: number): RateLimitHeaders | undefined;
}

/** Levels refill continuously at limit/60 000 per ms up to one minute's worth. */
export class TokenBucketLimiter implements RateLimiter {
  private requestLevel: number;
  private tokenLevel: number;
  private lastRefillMs = 0;
  private readonly requestCapacity: number;
  private readonly tokenCapacity: number;

  constructor(limit: RateLimit) {
    this.requestCapacity = limit.requestsPerMinute ?? Infinity;
    this.tokenCapacity = limit.tokensPerMinute ?? Infinity;
    this.requestLevel = this.requestCapacity;
    this.tokenLevel = this.tokenCapacity;
  }

  fits(tokens: number): boolean {
    return tokens <= this.tokenCapacity && this.requestCapacity >= 1;
  }

  tryAdmit(nowMs: number, tokens: number): number {
    this.refill(nowMs);
    const requestShortfall = 1 - this.requestLevel;
    const tokenShortfall = tokens - this.tokenLevel;
    if (requestShortfall <= EPSILON && tokenShortfall <= EPSILON) {
      this.requestLevel -= 1;
      this.tokenLevel -= tokens;
      return 0;
    }
    // Admission tolerates a shortfall of EPSILON, so wait for the rest only: waiting for all of it lets
    // rounding noise (1.0000000000000009 ms) round up to a whole extra millisecond.
    const requestWaitMs = requestShortfall > EPSILON ? ((requestShortfall - EPSILON) * 60_000) / this.requestCapacity : 0;
    const tokenWaitMs = tokenShortfall > EPSILON ? ((tokenShortfall - EPSILON) * 60_000) / this.tokenCapacity : 0;
    return Math.max(1, Math.ceil(Math.max(requestWaitMs, tokenWaitMs)));
  }

  /** Remaining rounded down, reset in whole ms until the level is back at capacity. */
  headers(nowMs: number): RateLimitHeaders {
    this.refill(nowMs);
    const headers: MutableHeaders = {};
    if (this.requestCapacity !== Infinity) {
      headers.limitRequests = this.requestCapacity;
      headers.remainingRequests = Math.max(0, Math.floor(this.requestLevel + EPSILON));
      headers.resetRequestsMs = Math.ceil(((this.requestCapacity - this.requestLevel) * 60_000) / this.requestCapacity);
    }
    if (this.tokenCapacity !== Infinity) {
      headers.limitTokens = this.tokenCapacity;
      headers.remainingTokens = Math.max(0, Math.floor(this.tokenLevel + EPSILON));
      headers.resetTokensMs = Math.ceil(((this.tokenCapacity - this.tokenLevel) * 60_000) / this.tokenCapacity);
    }
    return headers;
  }

  /** Current levels, for tests and traces. */
  levels(nowMs: number): { requests: number; tokens: number } {
    this.refill(nowMs);
    return { requests: this.requestLevel, tokens: this.tokenLevel };
  }

  private refill(nowMs: number): void {
    const elapsedMs = nowMs - this.lastRefillMs;
    if (elapsedMs <= 0) return;
    this.lastRefillMs = nowMs;
    this.requestLevel = Math.min(this.requestCapacity, this.requestLevel + (elapsedMs * this.requestCapacity) / 60_000);
    this.tokenLevel = Math.min(this.tokenCapacity, this.tokenLevel + (elapsedMs * this.tokenCapacity) / 60_000);
  }
}

/** Counts reset at every multiple of the window (one minute by default); a refusal waits for the next one. */
export class FixedWindowLimiter implements RateLimiter {
  private windowIndex = -1;
  private requestsUsed = 0;
  private tokensUsed = 0;
  private readonly requestLimit: number;
  private readonly tokenLimit: number;

  constructor(
    limit: RateLimit,
    private readonly windowMs = 60_000,
  ) {
    this.requestLimit = limit.requestsPerMinute ?? Infinity;
    this.tokenLimit = limit.tokensPerMinute ?? Infinity;
  }

  fits(tokens: number): boolean {
    return tokens <= this.tokenLimit && this.requestLimit >= 1;
  }

  tryAdmit(nowMs: number, tokens: number): number {
    const windowIndex = Math.floor(nowMs / this.windowMs);
    if (windowIndex !== this.windowIndex) {
      this.windowIndex = windowIndex;
      this.requestsUsed = 0;
      this.tokensUsed = 0;
    }
    if (this.requestsUsed + 1 <= this.requestLimit && this.tokensUsed + tokens <= this.tokenLimit) {
      this.requestsUsed += 1;
      this.tokensUsed += tokens;
      return 0;
    }
    return Math.max(1, Math.ceil((windowIndex + 1) * this.windowMs - nowMs));
  }

  /** What is left of the current window and when the next one starts. */
  headers(nowMs: number): RateLimitHeaders {
    const windowIndex = Math.floor(nowMs / this.windowMs);
    const current = windowIndex === this.windowIndex;
    const resetMs = Math.ceil((windowIndex + 1) * this.windowMs - nowMs);
    const headers: MutableHeaders = {};
    if (this.requestLimit !== Infinity) {
      headers.limitRequests = this.requestLimit;
      headers.remainingRequests = this.requestLimit - (current ? this.requestsUsed : 0);
      headers.resetRequestsMs = resetMs;
    }
    if (this.tokenLimit !== Infinity) {
      headers.limitTokens = this.tokenLimit;
      headers.remainingTokens = this.tokenLimit - (current ? this.tokensUsed : 0);
      headers.resetTokensMs = resetMs;
    }
    return headers;
  }
}

/** Admits everything: a provider with no published limit. */
export class UnlimitedLimiter implements RateLimiter {
  fits(): boolean {
    return true;
  }
  tryAdmit(): number {
    return 0;
  }
  headers(): undefined {
    return undefined;
  }
}
