import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FixedWindowLimiter, type RateLimit, type RateLimiter, TokenBucketLimiter } from "../../src/sim/rate-limiter.ts";
import type { RateLimitHeaders } from "../../src/policies/rate-control/request.ts";

interface Attempt {
  readonly gapMs: number;
  readonly tokens: number;
}

const limits = fc.record({
  requestsPerMinute: fc.integer({ min: 1, max: 120 }),
  tokensPerMinute: fc.integer({ min: 1000, max: 50_000 }),
});

const attempts = fc.array(
  fc.record({ gapMs: fc.integer({ min: 0, max: 3000 }), tokens: fc.integer({ min: 1, max: 1000 }) }),
  { minLength: 1, maxLength: 150 },
);

interface Admission {
  readonly timeMs: number;
  readonly tokens: number;
}

interface Refusal extends Admission {
  readonly retryAfterMs: number;
  /** How many admissions came before it. */
  readonly admittedBefore: number;
}

function drive(limiter: RateLimiter, script: readonly Attempt[]): { admitted: Admission[]; refused: Refusal[] } {
  const admitted: Admission[] = [];
  const refused: Refusal[] = [];
  let timeMs = 0;
  for (const attempt of script) {
    timeMs += attempt.gapMs;
    const retryAfterMs = limiter.tryAdmit(timeMs, attempt.tokens);
    if (retryAfterMs === 0) admitted.push({ timeMs, tokens: attempt.tokens });
    else refused.push({ timeMs, tokens: attempt.tokens, retryAfterMs, admittedBefore: admitted.length });
  }
  return { admitted, refused };
}

/**
 * The defining property of a token bucket of capacity C refilled at r per ms: over any interval [a, b], what
 * it admits is at most C + r·(b − a). Checked for requests and for tokens, over every pair of admissions.
 */
function withinArrivalCurve(makeLimiter: (limit: RateLimit) => RateLimiter) {
  return fc.property(limits, attempts, (limit, script) => {
    const { admitted } = drive(makeLimiter(limit), script);
    for (let first = 0; first < admitted.length; first += 1) {
      let requests = 0;
      let tokens = 0;
      for (let last = first; last < admitted.length; last += 1) {
        requests += 1;
        tokens += (admitted[last] as Admission).tokens;
        const spanMs = (admitted[last] as Admission).timeMs - (admitted[first] as Admission).timeMs;
        if (requests > limit.requestsPerMinute + (limit.requestsPerMinute * spanMs) / 60_000 + 1e-6) return false;
        if (tokens > limit.tokensPerMinute + (limit.tokensPerMinute * spanMs) / 60_000 + 1e-6) return false;
      }
    }
    return true;
  });
}

/** In every fixed window, admitted requests ≤ RPM and admitted tokens ≤ TPM. */
function withinWindows(makeLimiter: (limit: RateLimit) => RateLimiter) {
  return fc.property(limits, attempts, (limit, script) => {
    const { admitted } = drive(makeLimiter(limit), script);
    const perWindow = new Map<number, { requests: number; tokens: number }>();
    for (const admission of admitted) {
      const window = Math.floor(admission.timeMs / 60_000);
      const use = perWindow.get(window) ?? { requests: 0, tokens: 0 };
      use.requests += 1;
      use.tokens += admission.tokens;
      perWindow.set(window, use);
      if (use.requests > limit.requestsPerMinute || use.tokens > limit.tokensPerMinute) return false;
    }
    return true;
  });
}

/**
 * retry_after_ms is exact: replaying the same history, the refused request is still refused one millisecond
 * before the advertised time and admitted at it.
 */
function retryAfterIsExact(makeLimiter: (limit: RateLimit) => RateLimiter) {
  return fc.property(limits, attempts, (limit, script) => {
    const { admitted, refused } = drive(makeLimiter(limit), script);
    for (const refusal of refused.slice(0, 10)) {
      const history = admitted.slice(0, refusal.admittedBefore);
      const replay = (probeMs: number): number => {
        const limiter = makeLimiter(limit);
        for (const admission of history) if (limiter.tryAdmit(admission.timeMs, admission.tokens) !== 0) return -1;
        limiter.tryAdmit(refusal.timeMs, refusal.tokens);
        return limiter.tryAdmit(probeMs, refusal.tokens);
      };
      const at = refusal.timeMs + refusal.retryAfterMs;
      if (!limiterFits(limit, refusal.tokens)) continue;
      if (replay(at) !== 0) return false;
      if (refusal.retryAfterMs > 1 && replay(at - 1) === 0) return false;
    }
    return true;
  });
}

function limiterFits(limit: RateLimit, tokens: number): boolean {
  return tokens <= (limit.tokensPerMinute ?? Infinity);
}

/** Planted bug: the bucket refills twice as fast as the limit allows. */
class DoubleRefillBucket extends TokenBucketLimiter {
  override tryAdmit(nowMs: number, tokens: number): number {
    return super.tryAdmit(nowMs * 2, tokens);
  }
}

/** Planted bug: the window is checked before counting, but admits one request too many. */
class OffByOneWindow implements RateLimiter {
  private readonly inner: FixedWindowLimiter;
  private window = -1;
  private extraUsed = false;
  constructor(limit: RateLimit) {
    this.inner = new FixedWindowLimiter(limit);
  }
  fits(tokens: number): boolean {
    return this.inner.fits(tokens);
  }
  headers(nowMs: number): RateLimitHeaders {
    return this.inner.headers(nowMs);
  }
  tryAdmit(nowMs: number, tokens: number): number {
    const window = Math.floor(nowMs / 60_000);
    if (window !== this.window) {
      this.window = window;
      this.extraUsed = false;
    }
    const retryAfterMs = this.inner.tryAdmit(nowMs, tokens);
    if (retryAfterMs > 0 && !this.extraUsed) {
      this.extraUsed = true;
      return 0;
    }
    return retryAfterMs;
  }
}

/** Planted bug: retry-after rounded down, so the advertised time is too early. */
class EarlyRetryBucket extends TokenBucketLimiter {
  override tryAdmit(nowMs: number, tokens: number): number {
    const retryAfterMs = super.tryAdmit(nowMs, tokens);
    return retryAfterMs > 1 ? retryAfterMs - 1 : retryAfterMs;
  }
}

const RUNS = { numRuns: 200 };

describe("TokenBucketLimiter", () => {
  it("never admits more than capacity plus refill over any interval (requests and tokens)", () => {
    fc.assert(withinArrivalCurve((limit) => new TokenBucketLimiter(limit)), RUNS);
  });

  it("advertises an exact retry_after_ms: refused 1 ms before it, admitted at it", () => {
    fc.assert(retryAfterIsExact((limit) => new TokenBucketLimiter(limit)), RUNS);
  });

  it("the capacity property catches a bucket that refills too fast (planted bug)", () => {
    expect(fc.check(withinArrivalCurve((limit) => new DoubleRefillBucket(limit)), { ...RUNS, seed: 3 }).failed).toBe(true);
  });

  it("the retry-after property catches a retry-after that is 1 ms early (planted bug)", () => {
    expect(fc.check(retryAfterIsExact((limit) => new EarlyRetryBucket(limit)), { ...RUNS, seed: 3 }).failed).toBe(true);
  });

  it("starts full, refuses when empty, and refills continuously", () => {
    const limiter = new TokenBucketLimiter({ requestsPerMinute: 60 });
    for (let request = 0; request < 60; request += 1) expect(limiter.tryAdmit(0, 1)).toBe(0);
    expect(limiter.tryAdmit(0, 1)).toBe(1000);
    expect(limiter.tryAdmit(999, 1)).toBe(1);
    expect(limiter.tryAdmit(1000, 1)).toBe(0);
  });

  it("charges tokens up front: a large request waits for the token bucket, not the request bucket", () => {
    const limiter = new TokenBucketLimiter({ requestsPerMinute: 1000, tokensPerMinute: 60_000 });
    expect(limiter.tryAdmit(0, 60_000)).toBe(0);
    // 30 000 tokens at 1 token/ms take 30 s to come back.
    expect(limiter.tryAdmit(0, 30_000)).toBe(30_000);
    expect(limiter.fits(60_001)).toBe(false);
  });
});

describe("FixedWindowLimiter", () => {
  it("never admits more than RPM requests or TPM tokens in one window", () => {
    fc.assert(withinWindows((limit) => new FixedWindowLimiter(limit)), RUNS);
  });

  it("advertises an exact retry_after_ms: the next window boundary", () => {
    fc.assert(retryAfterIsExact((limit) => new FixedWindowLimiter(limit)), RUNS);
  });

  it("the window property catches a limiter that admits one extra request per window (planted bug)", () => {
    expect(fc.check(withinWindows((limit) => new OffByOneWindow(limit)), { ...RUNS, seed: 3 }).failed).toBe(true);
  });

  it("resets at the boundary, so a burst can straddle it (the known weakness of fixed windows)", () => {
    const limiter = new FixedWindowLimiter({ requestsPerMinute: 2 });
    expect(limiter.tryAdmit(59_000, 1)).toBe(0);
    expect(limiter.tryAdmit(59_500, 1)).toBe(0);
    expect(limiter.tryAdmit(59_900, 1)).toBe(100);
    expect(limiter.tryAdmit(60_000, 1)).toBe(0);
    expect(limiter.tryAdmit(60_000, 1)).toBe(0);
  });
});
