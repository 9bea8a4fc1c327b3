// When a controller retries and when it gives up: the delay of each retry strategy and jitter, the order in which
// gates are asked, and what it answers to settled, foreign, unretryable and last attempts.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ProviderController, type ProviderControlOptions } from "../../../src/policies/rate-control/provider-controller.ts";
import type { ProviderResponse, RequestTicket } from "../../../src/policies/rate-control/request.ts";
import { DEFAULT_RETRY_OPTIONS, type Jitter, RetryPolicy, type RetryOptions } from "../../../src/policies/rate-control/retry.ts";

const RATE_LIMITED: ProviderResponse = { status: "rate_limited", retryAfterMs: 1234, retryable: true };
const ERROR: ProviderResponse = { status: "error", retryable: true };

function countingRandom(values: readonly number[]): { random: () => number; draws: () => number } {
  let draws = 0;
  return {
    random: () => {
      const value = values[draws % values.length] as number;
      draws += 1;
      return value;
    },
    draws: () => draws,
  };
}

describe("retry delays", () => {
  it("retry_after waits what the 429 says, or the fixed delay when it says nothing; fixed ignores it", () => {
    const retryAfter = new RetryPolicy({ ...DEFAULT_RETRY_OPTIONS, fixedDelayMs: 700 }, () => 0.5);
    expect(retryAfter.delayMs(RATE_LIMITED, 1)).toBe(1234);
    expect(retryAfter.delayMs({ status: "rate_limited", retryable: true }, 1)).toBe(700);
    const fixed = new RetryPolicy({ ...DEFAULT_RETRY_OPTIONS, onRateLimit: "fixed", fixedDelayMs: 700 }, () => 0.5);
    expect(fixed.delayMs(RATE_LIMITED, 3)).toBe(700);
  });

  it("errors and timeouts back off exponentially whatever the 429 strategy", () => {
    const policy = new RetryPolicy({ ...DEFAULT_RETRY_OPTIONS, onRateLimit: "fixed", backoffBaseMs: 100, backoffMultiplier: 3, backoffMaxMs: 2000 }, () => 0.5);
    expect([1, 2, 3, 4].map((attempt) => policy.delayMs(ERROR, attempt))).toEqual([100, 300, 900, 2000]);
    expect(policy.delayMs({ status: "timeout", retryable: true }, 2)).toBe(300);
  });

  it("min(cap, base × multiplier^(n − 1)) with no jitter, within [0, d] with full and [d/2, d] with equal, drawing only with jitter", () => {
    fc.assert(
      fc.property(
        fc.record({ base: fc.integer({ min: 0, max: 5000 }), cap: fc.integer({ min: 0, max: 60_000 }), multiplier: fc.double({ min: 1, max: 4, noNaN: true }), attempt: fc.integer({ min: 1, max: 12 }) }),
        fc.constantFrom<Jitter>("none", "full", "equal"),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        ({ base, cap, multiplier, attempt }, jitter, draw) => {
          const source = countingRandom([draw]);
          const options: RetryOptions = { ...DEFAULT_RETRY_OPTIONS, onRateLimit: "exponential", backoffBaseMs: base, backoffMaxMs: cap, backoffMultiplier: multiplier, jitter };
          const delay = new RetryPolicy(options, source.random).delayMs(RATE_LIMITED, attempt);
          const ceiling = Math.min(cap, base * multiplier ** (attempt - 1));
          if (jitter === "none") expect(delay).toBe(ceiling);
          if (jitter === "full") expect(delay).toBeCloseTo(ceiling * draw, 6);
          if (jitter === "equal") expect(delay).toBeCloseTo(ceiling / 2 + (ceiling / 2) * draw, 6);
          expect(delay).toBeGreaterThanOrEqual(jitter === "equal" ? ceiling / 2 : 0);
          expect(delay).toBeLessThanOrEqual(ceiling);
          expect(source.draws()).toBe(jitter === "none" ? 0 : 1);
        },
      ),
      { seed: 4401, numRuns: 300 },
    );
  });

  it("spreads full jitter over the whole interval: the mean of many draws is half the ceiling", () => {
    let state = 12345;
    const lcg = (): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const policy = new RetryPolicy({ ...DEFAULT_RETRY_OPTIONS, onRateLimit: "exponential", backoffBaseMs: 1000, jitter: "full" }, lcg);
    const delays = Array.from({ length: 20_000 }, () => policy.backoffMs(1));
    const mean = delays.reduce((sum, delay) => sum + delay, 0) / delays.length;
    expect(mean).toBeGreaterThan(480);
    expect(mean).toBeLessThan(520);
    expect(Math.min(...delays)).toBeLessThan(20);
    expect(Math.max(...delays)).toBeGreaterThan(980);
  });
});

function controller(overrides: Partial<ProviderControlOptions> = {}, retry: Partial<RetryOptions> = {}): ProviderController {
  return new ProviderController("p", { retry: { ...DEFAULT_RETRY_OPTIONS, ...retry }, ...overrides }, () => 0.5);
}

function sent(control: ProviderController, nowMs: number, attempt = 1): RequestTicket {
  const decision = control.beforeSend(nowMs, 100, attempt);
  if (decision.kind !== "send") throw new Error(`expected to send, got ${JSON.stringify(decision)}`);
  return decision.ticket;
}

describe("a provider's controller", () => {
  it("retries at now + delay, then gives up on the last attempt, on an unretryable error, and when the budget is spent", () => {
    const control = controller({ retryBudget: { ratio: 0, minPerSecond: 0.1, windowMs: 10_000 } }, { maxAttempts: 3 });
    expect(control.afterResponse(sent(control, 0), 50, RATE_LIMITED)).toEqual({ kind: "retry", atMs: 1284, delayMs: 1234 });
    expect(control.afterResponse(sent(control, 1284, 2), 1300, RATE_LIMITED)).toEqual({ kind: "give_up", reason: "retry_budget" });
    expect(control.afterResponse(sent(control, 1400, 3), 1450, RATE_LIMITED)).toEqual({ kind: "give_up", reason: "attempts" });
    expect(control.afterResponse(sent(control, 1500), 1550, { status: "error", retryable: false })).toEqual({ kind: "give_up", reason: "not_retryable" });
    expect(control.afterResponse(sent(control, 1600), 1650, { status: "ok", retryable: true })).toEqual({ kind: "done" });
  });

  it("salvages errors and timeouts but retries 429s when salvage_transient is on", () => {
    const control = controller({}, { salvageTransient: true });
    expect(control.afterResponse(sent(control, 0), 10, ERROR)).toEqual({ kind: "salvage" });
    expect(control.afterResponse(sent(control, 0), 10, { status: "timeout", retryable: true })).toEqual({ kind: "salvage" });
    expect(control.afterResponse(sent(control, 0), 10, RATE_LIMITED).kind).toBe("retry");
  });

  it("counts a request in flight from send until its first settlement; a second one is ignored", () => {
    const control = controller({ aimd: { minLimit: 1, maxLimit: 2, decreaseFactor: 0.5, increaseAfter: 1, blockMs: 100 } });
    const first = sent(control, 0);
    const second = sent(control, 0);
    expect(control.inFlight).toBe(2);
    expect(control.beforeSend(0, 100, 1)).toEqual({ kind: "wait_for_completion", reason: "aimd_limit" });
    control.abandon(first, 5);
    control.abandon(first, 6);
    expect(control.afterResponse(first, 7, RATE_LIMITED)).toEqual({ kind: "done" });
    expect(control.inFlight).toBe(1);
    expect(control.limit).toBe(2);
    control.afterResponse(second, 8, RATE_LIMITED);
    expect(control.inFlight).toBe(0);
    expect(control.limit).toBe(1);
  });

  it("asks the breaker first, then AIMD, then pacing", () => {
    const control = controller({
      circuitBreaker: { failureRateThreshold: 1, windowSize: 1, minimumCalls: 1, consecutiveFailures: undefined, openMs: 10_000, probes: 1, whenOpen: "fail", countRateLimits: true },
      aimd: { minLimit: 1, maxLimit: 4, decreaseFactor: 0.5, increaseAfter: 10, blockMs: 5000 },
      pacing: { requestsPerMinute: 1, tokensPerMinute: undefined, fromHeaders: false, margin: 0 },
    });
    control.afterResponse(sent(control, 0), 10, RATE_LIMITED);
    // Open (a 429 counts), blocked by AIMD until 1244 and paced for a minute: the breaker answers.
    expect(control.beforeSend(20, 100, 1)).toEqual({ kind: "refuse", reason: "circuit_open" });
    expect(control.circuitState).toBe("open");
    const aimdOnly = controller({ aimd: { minLimit: 1, maxLimit: 4, decreaseFactor: 0.5, increaseAfter: 10, blockMs: 5000 }, pacing: { requestsPerMinute: 1, tokensPerMinute: undefined, fromHeaders: false, margin: 0 } });
    aimdOnly.afterResponse(sent(aimdOnly, 0), 10, RATE_LIMITED);
    expect(aimdOnly.beforeSend(20, 100, 1)).toEqual({ kind: "wait", untilMs: 1244, reason: "aimd_blocked" });
    expect(aimdOnly.beforeSend(1244, 100, 1)).toMatchObject({ kind: "wait", reason: "pacing" });
  });

  it("refuses a ticket of another provider", () => {
    const mine = controller();
    const theirs = new ProviderController("q", { retry: DEFAULT_RETRY_OPTIONS }, () => 0.5);
    const ticket = sent(theirs, 0);
    expect(() => mine.afterResponse(ticket, 1, ERROR)).toThrow(/ticket of q was passed to the controller of p/);
    expect(() => mine.abandon(ticket, 1)).toThrow(/ticket of q/);
  });

  it("counts only first attempts toward the retry budget", () => {
    const control = controller({ retryBudget: { ratio: 1, minPerSecond: 0, windowMs: 10_000 } }, { maxAttempts: 10 });
    // Retries sent as attempt 2 earn nothing: one first attempt pays for exactly one retry.
    expect(control.afterResponse(sent(control, 0), 1, ERROR).kind).toBe("retry");
    expect(control.afterResponse(sent(control, 2, 2), 3, ERROR)).toEqual({ kind: "give_up", reason: "retry_budget" });
  });
});
