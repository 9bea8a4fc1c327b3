// A policy's rate_control block: the defaults each strategy takes from `{}` (docs/rate-control.md names their
// sources), every bound of the schema with its path and message, the provider names it refers to, which
// strategies apply to which provider, and one independent controller per provider.

import { beforeAll, describe, expect, it, vi } from "vitest";
import type { ProviderController } from "../../../src/policies/rate-control/provider-controller.ts";
import type * as RateControlModule from "../../../src/policies/rate-control/rate-control.ts";
import type { ControllerFactory } from "../../../src/policies/rate-control/rate-control.ts";
import { SILENT_LISTENER } from "../../../src/policies/rate-control/request.ts";
import { DEFAULT_RETRY_OPTIONS } from "../../../src/policies/rate-control/retry.ts";

// The schema is built when its module is evaluated. A fresh copy per file, evaluated here rather than when the
// test file loads, is what lets a mutation run see a changed schema (docs/checking.md, "Static mutants").
let module: typeof RateControlModule;
beforeAll(async () => {
  vi.resetModules();
  module = await import("../../../src/policies/rate-control/rate-control.ts");
});
const schema = (): typeof RateControlModule.rateControlSchema => module.rateControlSchema;

/** The first problem zod finds, as `path: message`; "ok" when there is none. */
function firstProblem(input: unknown): string {
  const parsed = schema().safeParse(input);
  if (parsed.success) return "ok";
  const issue = parsed.error.issues[0];
  return `${issue?.path.join(".")}: ${issue?.message}`;
}

describe("rate_control schema", () => {
  it("turns each strategy on with its documented defaults", () => {
    expect(schema().parse({})).toEqual({});
    expect(schema().parse({ aimd: {}, circuit_breaker: {}, retry_budget: {}, pacing: { from_headers: true } })).toEqual({
      aimd: { min_limit: 1, decrease_factor: 0.75, increase_after: 25, block_ms: 2000 },
      pacing: { limits: {}, from_headers: true, margin: 0.1 },
      circuit_breaker: { failure_rate: 0.5, window: 100, open_ms: 60_000, probes: 10, when_open: "fail", count_rate_limits: false },
      retry_budget: { ratio: 0.2, min_per_second: 1, window_ms: 10_000 },
    });
  });

  it.each([
    [{ aimd: { min_limit: 0 } }, "aimd.min_limit"],
    [{ aimd: { min_limit: 1.5 } }, "aimd.min_limit"],
    [{ aimd: { decrease_factor: 0 } }, "aimd.decrease_factor"],
    [{ aimd: { decrease_factor: 1 } }, "aimd.decrease_factor"],
    [{ aimd: { increase_after: 0 } }, "aimd.increase_after"],
    [{ aimd: { increase_after: 1_000_001 } }, "aimd.increase_after"],
    [{ aimd: { block_ms: -1 } }, "aimd.block_ms"],
    [{ aimd: { providers: [] } }, "aimd.providers"],
    [{ aimd: { providers: [""] } }, "aimd.providers.0"],
    [{ aimd: { step: 1 } }, "aimd"],
    [{ pacing: { limits: { "": { requests_per_minute: 1 } } } }, "pacing.limits."],
    [{ pacing: { limits: { p: { requests_per_minute: 0 } } } }, "pacing.limits.p.requests_per_minute"],
    [{ pacing: { limits: { p: { tokens_per_minute: -5 } } } }, "pacing.limits.p.tokens_per_minute"],
    [{ pacing: { from_headers: true, margin: 1 } }, "pacing.margin"],
    [{ pacing: { from_headers: true, margin: -0.1 } }, "pacing.margin"],
    [{ circuit_breaker: { failure_rate: 0 } }, "circuit_breaker.failure_rate"],
    [{ circuit_breaker: { failure_rate: 1.01 } }, "circuit_breaker.failure_rate"],
    [{ circuit_breaker: { window: 0 } }, "circuit_breaker.window"],
    [{ circuit_breaker: { window: 100_001 } }, "circuit_breaker.window"],
    [{ circuit_breaker: { minimum_calls: 0 } }, "circuit_breaker.minimum_calls"],
    [{ circuit_breaker: { consecutive_failures: 0 } }, "circuit_breaker.consecutive_failures"],
    [{ circuit_breaker: { open_ms: 0 } }, "circuit_breaker.open_ms"],
    [{ circuit_breaker: { probes: 0 } }, "circuit_breaker.probes"],
    [{ circuit_breaker: { probes: 10_001 } }, "circuit_breaker.probes"],
    [{ circuit_breaker: { when_open: "queue" } }, "circuit_breaker.when_open"],
    [{ retry_budget: { ratio: -0.1 } }, "retry_budget.ratio"],
    [{ retry_budget: { ratio: 10.5 } }, "retry_budget.ratio"],
    [{ retry_budget: { min_per_second: -1 } }, "retry_budget.min_per_second"],
    [{ retry_budget: { window_ms: 0 } }, "retry_budget.window_ms"],
    [{ retry_budget: { window_ms: 3_600_001 } }, "retry_budget.window_ms"],
    [{ backoff: {} }, ""],
  ])("refuses %j at %s", (input, path) => {
    expect(firstProblem(input).split(": ")[0]).toBe(path);
  });

  it("accepts the bounds themselves", () => {
    for (const input of [
      { aimd: { min_limit: 1, decrease_factor: 0.01, increase_after: 1_000_000, block_ms: 0 } },
      { pacing: { from_headers: true, margin: 0 } },
      { circuit_breaker: { failure_rate: 1, window: 100_000, minimum_calls: 100_000, probes: 10_000 } },
      { retry_budget: { ratio: 10, min_per_second: 0, window_ms: 3_600_000 } },
      { retry_budget: { ratio: 0 } },
    ]) {
      expect(firstProblem(input)).toBe("ok");
    }
  });

  it("says what pacing needs, and what a limit needs, and that minimum_calls fits the window", () => {
    expect(firstProblem({ pacing: {} })).toBe("pacing: pacing needs limits per provider, or from_headers: true");
    expect(firstProblem({ pacing: { limits: { p: {} } } })).toBe("pacing.limits.p: give requests_per_minute, tokens_per_minute, or both");
    expect(firstProblem({ pacing: { limits: { p: { tokens_per_minute: 10 } } } })).toBe("ok");
    expect(firstProblem({ circuit_breaker: { window: 10, minimum_calls: 11 } })).toBe("circuit_breaker.minimum_calls: minimum_calls must be at most window");
    expect(firstProblem({ circuit_breaker: { window: 10, minimum_calls: 10 } })).toBe("ok");
  });
});

describe("providers named in rate_control", () => {
  it("lists every strategy's providers and pacing's limits with their paths", () => {
    const file = schema().parse({
      aimd: { providers: ["a"] },
      pacing: { limits: { b: { requests_per_minute: 60 } }, providers: ["b", "c"] },
      circuit_breaker: { providers: ["d"] },
      retry_budget: { providers: ["e"] },
    });
    expect(module.providersNamedIn(file)).toEqual([
      { path: ["aimd", "providers", 0], name: "a" },
      { path: ["pacing", "providers", 0], name: "b" },
      { path: ["pacing", "providers", 1], name: "c" },
      { path: ["circuit_breaker", "providers", 0], name: "d" },
      { path: ["retry_budget", "providers", 0], name: "e" },
      { path: ["pacing", "limits", "b"], name: "b" },
    ]);
    expect(module.providersNamedIn(schema().parse({ aimd: {} }))).toEqual([]);
  });
});

describe("what applies to one provider", () => {
  const file = (): RateControlModule.RateControlFile => schema().parse({
    aimd: { min_limit: 8, decrease_factor: 0.5, increase_after: 3, block_ms: 10, providers: ["fast"] },
    pacing: { limits: { fast: { requests_per_minute: 60 }, slow: { tokens_per_minute: 9000 } }, margin: 0.2 },
    circuit_breaker: { window: 20, probes: 2, when_open: "wait", count_rate_limits: true, consecutive_failures: 4, providers: ["slow"] },
    retry_budget: { ratio: 0.5, min_per_second: 2, window_ms: 500 },
  });

  it("maps each strategy that names the provider, or names none, to its options", () => {
    expect(module.providerControlOptions(file(), DEFAULT_RETRY_OPTIONS, { name: "fast", maxConcurrent: 4 })).toEqual({
      retry: DEFAULT_RETRY_OPTIONS,
      // A min above the cap is the cap.
      aimd: { minLimit: 4, maxLimit: 4, decreaseFactor: 0.5, increaseAfter: 3, blockMs: 10 },
      pacing: { requestsPerMinute: 60, tokensPerMinute: undefined, fromHeaders: false, margin: 0.2 },
      circuitBreaker: undefined,
      retryBudget: { ratio: 0.5, minPerSecond: 2, windowMs: 500 },
    });
    expect(module.providerControlOptions(file(), DEFAULT_RETRY_OPTIONS, { name: "slow", maxConcurrent: 16 })).toEqual({
      retry: DEFAULT_RETRY_OPTIONS,
      aimd: undefined,
      pacing: { requestsPerMinute: undefined, tokensPerMinute: 9000, fromHeaders: false, margin: 0.2 },
      circuitBreaker: { failureRateThreshold: 0.5, windowSize: 20, minimumCalls: 20, consecutiveFailures: 4, openMs: 60_000, probes: 2, whenOpen: "wait", countRateLimits: true },
      retryBudget: { ratio: 0.5, minPerSecond: 2, windowMs: 500 },
    });
    // Pacing without declared limits for a provider and without headers does not pace it.
    expect(module.providerControlOptions(file(), DEFAULT_RETRY_OPTIONS, { name: "other", maxConcurrent: 2 }).pacing).toBeUndefined();
  });

  it("paces a provider from headers alone, but not one its providers list leaves out", () => {
    const fromHeaders = schema().parse({ pacing: { from_headers: true, providers: ["a"] } });
    expect(module.providerControlOptions(fromHeaders, DEFAULT_RETRY_OPTIONS, { name: "a", maxConcurrent: 2 }).pacing).toEqual({ requestsPerMinute: undefined, tokensPerMinute: undefined, fromHeaders: true, margin: 0.1 });
    expect(module.providerControlOptions(fromHeaders, DEFAULT_RETRY_OPTIONS, { name: "b", maxConcurrent: 2 }).pacing).toBeUndefined();
    const declaredElsewhere = schema().parse({ pacing: { limits: { a: { requests_per_minute: 5 } }, providers: ["b"] } });
    expect(module.providerControlOptions(declaredElsewhere, DEFAULT_RETRY_OPTIONS, { name: "a", maxConcurrent: 2 }).pacing).toBeUndefined();
  });

  it("builds one controller per provider, each with its own state, through the factory it is given", () => {
    const built: { provider: string; startMs: number }[] = [];
    const factory: ControllerFactory = (...parts) => {
      built.push({ provider: parts[0], startMs: parts[4] ?? -1 });
      return (new module.RateControl(file(), DEFAULT_RETRY_OPTIONS, [{ name: parts[0], maxConcurrent: 4 }], parts[2], parts[3], parts[4]).controller(parts[0]) as ProviderController);
    };
    const control = new module.RateControl(file(), DEFAULT_RETRY_OPTIONS, [{ name: "fast", maxConcurrent: 4 }, { name: "slow", maxConcurrent: 16 }], () => 0.5, SILENT_LISTENER, 250, factory);
    expect(built).toEqual([{ provider: "fast", startMs: 250 }, { provider: "slow", startMs: 250 }]);
    expect(control.controller("fast")?.limit).toBe(4);
    expect(control.controller("slow")?.limit).toBeUndefined();
    expect(control.controller("slow")?.circuitState).toBe("closed");
    expect(control.controller("nobody")).toBeUndefined();
    const fast = control.controller("fast") as ProviderController;
    const decision = fast.beforeSend(250, 10, 1);
    expect(decision.kind).toBe("send");
    expect(fast.inFlight).toBe(1);
    expect(control.controller("slow")?.inFlight).toBe(0);
  });
});
