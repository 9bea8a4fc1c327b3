// The retry budget against a naive account of its window (every event kept, counted by bucket), and through a
// request controller whose provider fails: retries never exceed ratio × first attempts + the floor over the last
// window, and they stop where the budget says, not sooner. Each property fails on a planted bug.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ProviderController } from "../../../src/policies/rate-control/provider-controller.ts";
import { RetryBudget, type RetryBudgetOptions } from "../../../src/policies/rate-control/retry-budget.ts";
import { DEFAULT_RETRY_OPTIONS } from "../../../src/policies/rate-control/retry.ts";

type Op = { readonly kind: "first" | "retry"; readonly gapMs: number };

const opsArbitrary = fc.array(
  fc.record({ kind: fc.constantFrom<"first" | "retry">("first", "first", "retry", "retry", "retry"), gapMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 30_000 })) }),
  { maxLength: 400, size: "max" },
);
const optionsArbitrary: fc.Arbitrary<RetryBudgetOptions> = fc.record({
  ratio: fc.constantFrom(0, 0.1, 0.2, 0.5, 1, 3),
  minPerSecond: fc.constantFrom(0, 0.1, 0.5, 1, 2),
  windowMs: fc.integer({ min: 10, max: 20_000 }),
});

/** Every event with its time; the window is the ten buckets of windowMs / 10 ending with the current one. */
class NaiveBudget {
  private readonly events: { bucket: number; retry: boolean }[] = [];
  constructor(private readonly options: RetryBudgetOptions) {}
  private bucketOf(nowMs: number): number {
    return Math.floor(nowMs / (this.options.windowMs / 10));
  }
  first(nowMs: number): void {
    this.events.push({ bucket: this.bucketOf(nowMs), retry: false });
  }
  retry(nowMs: number): boolean {
    const current = this.bucketOf(nowMs);
    const inWindow = this.events.filter((event) => event.bucket > current - 10);
    const firsts = inWindow.filter((event) => !event.retry).length;
    const retries = inWindow.length - firsts;
    if (retries + 1 > this.options.ratio * firsts + (this.options.minPerSecond * this.options.windowMs) / 1000) return false;
    this.events.push({ bucket: current, retry: true });
    return true;
  }
}

function exercise(options: RetryBudgetOptions, ops: readonly Op[], budget: RetryBudget): void {
  const model = new NaiveBudget(options);
  let nowMs = 0;
  ops.forEach((op, step) => {
    nowMs += op.gapMs;
    if (op.kind === "first") {
      budget.recordFirstAttempt(nowMs);
      model.first(nowMs);
      return;
    }
    const allowed = budget.tryRetry(nowMs);
    const expected = model.retry(nowMs);
    if (allowed !== expected) throw new Error(`step ${step} at ${nowMs} ms: retry ${allowed ? "allowed" : "denied"}, the budget says ${expected ? "allow" : "deny"}`);
  });
}

/** Planted bug: buckets are ten times too long, so old attempts keep paying for retries long after the window. */
class StaleWindow extends RetryBudget {
  constructor(options: RetryBudgetOptions) {
    super({ ...options, windowMs: options.windowMs * 10 });
  }
}

/** Planted bug: with nothing retried in the window, a retry always goes, whatever the allowance. */
class AlwaysOneRetry extends RetryBudget {
  override tryRetry(nowMs: number): boolean {
    return super.tryRetry(nowMs) || this.retriesInWindow(nowMs) === 0;
  }
}

const property = (build: (options: RetryBudgetOptions) => RetryBudget) => fc.property(optionsArbitrary, opsArbitrary, (options, ops) => exercise(options, ops, build(options)));

describe("retry budget", () => {
  it("allows a retry exactly when the retries of the window stay within ratio × first attempts + the floor", () => {
    fc.assert(property((options) => new RetryBudget(options)), { seed: 4301, numRuns: 300 });
  });

  it.each([
    ["a window that does not slide in time", (options: RetryBudgetOptions) => new StaleWindow(options)],
    ["a retry always allowed when none is counted", (options: RetryBudgetOptions) => new AlwaysOneRetry(options)],
  ] as const)("catches %s", (_name, build) => {
    expect(fc.check(property(build), { seed: 4302, numRuns: 300 }).failed).toBe(true);
  });

  it("through a controller whose provider always fails, retries stay within the budget of every window", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 200, size: "max" }), fc.constantFrom(0.1, 0.2, 0.5), (gaps, ratio) => {
        const options = { ratio, minPerSecond: 0.5, windowMs: 4000 };
        const controller = new ProviderController("p", { retry: { ...DEFAULT_RETRY_OPTIONS, maxAttempts: 10, backoffBaseMs: 50, backoffMaxMs: 400 }, retryBudget: options }, () => 0.5);
        const sends: { atMs: number; attempt: number }[] = [];
        const retriesDecided: number[] = [];
        const pending: { atMs: number; attempt: number }[] = [];
        let atMs = 0;
        for (const gap of gaps) {
          atMs += gap;
          pending.push({ atMs, attempt: 1 });
        }
        let denied = 0;
        while (pending.length > 0) {
          pending.sort((a, b) => a.atMs - b.atMs || a.attempt - b.attempt);
          const next = pending.shift() as { atMs: number; attempt: number };
          const decision = controller.beforeSend(next.atMs, 100, next.attempt);
          if (decision.kind !== "send") throw new Error(`a budget alone held a request back: ${decision.kind}`);
          sends.push(next);
          // Answered at once, so that time never goes back between the controller's calls.
          const answer = controller.afterResponse(decision.ticket, next.atMs, { status: "error", retryable: true });
          if (answer.kind === "retry") {
            retriesDecided.push(next.atMs);
            pending.push({ atMs: answer.atMs, attempt: next.attempt + 1 });
          } else if (answer.kind === "give_up" && answer.reason === "retry_budget") denied += 1;
          else if (answer.kind !== "give_up") throw new Error(`unexpected ${answer.kind}`);
        }
        // At each retry decision, the retries decided and the first attempts sent in the window behind it.
        const bucketMs = options.windowMs / 10;
        const inWindow = (atMs: number, decidedAtMs: number): boolean => atMs <= decidedAtMs && Math.floor(atMs / bucketMs) > Math.floor(decidedAtMs / bucketMs) - 10;
        retriesDecided.forEach((decidedAtMs, index) => {
          const firsts = sends.filter((send) => send.attempt === 1 && inWindow(send.atMs, decidedAtMs)).length;
          const retries = retriesDecided.slice(0, index + 1).filter((atMs) => inWindow(atMs, decidedAtMs)).length;
          expect(retries).toBeLessThanOrEqual(ratio * firsts + (options.minPerSecond * options.windowMs) / 1000 + 1e-9);
        });
        // With no budget, every request would use all ten attempts: the budget is what stopped them.
        expect(retriesDecided.length).toBeLessThan(gaps.length * 9);
        expect(denied).toBeGreaterThan(0);
      }),
      { seed: 4303, numRuns: 100 },
    );
  });
});
