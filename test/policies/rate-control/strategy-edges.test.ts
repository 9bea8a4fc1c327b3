// The edges of each strategy that the model-based properties do not pin: options refused at construction, the
// reasons reported with each change, AIMD at its floor, an abandoned non-probe, the pacing arithmetic (margin,
// headers, a request larger than the bucket, a 429 against a tokens-only pacer), and ControlledCalls' errors,
// salvage, an abort during a backoff, header pass-through and forwarding.

import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { AsyncAdmission } from "../../../src/policies/async-admission.ts";
import { AimdLimit, type AimdOptions } from "../../../src/policies/rate-control/aimd.ts";
import { CircuitBreaker, type CircuitBreakerOptions } from "../../../src/policies/rate-control/circuit-breaker.ts";
import { type CallOutcome, ControlledCalls, RequestGaveUpError, RequestRefusedError } from "../../../src/policies/rate-control/controlled-calls.ts";
import { Pacer } from "../../../src/policies/rate-control/pacing.ts";
import { ProviderController } from "../../../src/policies/rate-control/provider-controller.ts";
import { RateControl, providersNamedIn, rateControlSchema } from "../../../src/policies/rate-control/rate-control.ts";
import { type RateControlListener, RequestTicket, type ResponseDecision } from "../../../src/policies/rate-control/request.ts";
import { RetryBudget } from "../../../src/policies/rate-control/retry-budget.ts";
import { DEFAULT_RETRY_OPTIONS } from "../../../src/policies/rate-control/retry.ts";
import { CrankedWorld } from "./driver.ts";

const AIMD: AimdOptions = { minLimit: 1, maxLimit: 4, decreaseFactor: 0.5, increaseAfter: 2, blockMs: 100 };
const BREAKER: CircuitBreakerOptions = { failureRateThreshold: 0.5, windowSize: 4, minimumCalls: 2, consecutiveFailures: undefined, openMs: 100, probes: 2, whenOpen: "fail", countRateLimits: false };

function recording(): { listener: RateControlListener; events: string[] } {
  const events: string[] = [];
  return {
    events,
    listener: {
      limitChanged: (provider, limit, reason) => events.push(`${provider} limit ${limit} ${reason}`),
      circuitStateChanged: (provider, state, reason) => events.push(`${provider} ${state}: ${reason}`),
    },
  };
}

let nextTicket = 1;
function ticket(atMs: number, tokens = 10, sendIndex = nextTicket - 1, tokensSentBefore = 0): RequestTicket {
  const made = new RequestTicket(nextTicket, "p", atMs, tokens, 1, sendIndex, tokensSentBefore);
  nextTicket += 1;
  return made;
}

describe("options refused at construction", () => {
  it.each([
    [{ minLimit: 0 }, "AIMD min limit must be an integer ≥ 1, got 0"],
    [{ minLimit: 1.5 }, "AIMD min limit must be an integer ≥ 1, got 1.5"],
    [{ maxLimit: 2.5 }, "AIMD cap 2.5 is below its min 1"],
    [{ minLimit: 3, maxLimit: 2 }, "AIMD cap 2 is below its min 3"],
    [{ decreaseFactor: 0 }, "AIMD decrease factor must be in (0, 1), got 0"],
    [{ decreaseFactor: 1 }, "AIMD decrease factor must be in (0, 1), got 1"],
    [{ increaseAfter: 0 }, "AIMD increase_after must be an integer ≥ 1, got 0"],
    [{ increaseAfter: 2.5 }, "AIMD increase_after must be an integer ≥ 1, got 2.5"],
  ])("AIMD %j", (options, message) => {
    expect(() => new AimdLimit("p", { ...AIMD, ...options }, recording().listener)).toThrow(message);
  });

  it("AIMD at the bounds", () => {
    expect(new AimdLimit("p", { ...AIMD, minLimit: 4, maxLimit: 4, decreaseFactor: 0.99, increaseAfter: 1 }, recording().listener).limit).toBe(4);
  });

  it.each([
    [{ windowSize: 0 }, "breaker window must be an integer ≥ 1, got 0"],
    [{ windowSize: 2.5 }, "breaker window must be an integer ≥ 1, got 2.5"],
    [{ minimumCalls: 0 }, "breaker minimum calls must be in [1, window], got 0"],
    [{ minimumCalls: 5 }, "breaker minimum calls must be in [1, window], got 5"],
    [{ probes: 0 }, "breaker probes must be an integer ≥ 1, got 0"],
    [{ probes: 1.5 }, "breaker probes must be an integer ≥ 1, got 1.5"],
  ])("circuit breaker %j", (options, message) => {
    expect(() => new CircuitBreaker("p", { ...BREAKER, ...options }, recording().listener)).toThrow(message);
  });

  it("circuit breaker and retry budget at the bounds, and a budget window of zero refused", () => {
    expect(new CircuitBreaker("p", { ...BREAKER, windowSize: 1, minimumCalls: 1, probes: 1 }, recording().listener).state).toBe("closed");
    expect(() => new RetryBudget({ ratio: 0.1, minPerSecond: 1, windowMs: 0 })).toThrow("retry budget window must be positive, got 0");
    expect(new RetryBudget({ ratio: 0.1, minPerSecond: 1, windowMs: 1 }).retriesInWindow(0)).toBe(0);
  });
});

describe("AIMD and breaker reports", () => {
  it("reports each limit change with its reason, and nothing when the limit is already at its floor", () => {
    const { listener, events } = recording();
    const gate = new AimdLimit("p", { ...AIMD, maxLimit: 2 }, listener);
    const rateLimited = (atMs: number): void => {
      const sent = ticket(atMs);
      gate.onSent(sent);
      gate.onResponse(sent, atMs, { status: "rate_limited", retryable: true });
    };
    rateLimited(0);
    rateLimited(200);
    rateLimited(400);
    expect(events).toEqual(["p limit 1 aimd_decrease"]);
    for (const atMs of [600, 601]) {
      const ok = ticket(atMs);
      gate.onSent(ok);
      gate.onResponse(ok, atMs, { status: "ok", retryable: true });
    }
    expect(events).toEqual(["p limit 1 aimd_decrease", "p limit 2 aimd_increase"]);
  });

  it("reports why the circuit opened, and an abandoned request that was not a probe frees no probe", () => {
    const { listener, events } = recording();
    const breaker = new CircuitBreaker("p", BREAKER, listener);
    const late = ticket(0);
    breaker.onSent(late);
    for (const atMs of [1, 2]) {
      const failed = ticket(atMs);
      breaker.onSent(failed);
      breaker.onResponse(failed, atMs, { status: "error", retryable: true });
    }
    expect(events).toEqual(["p open: failure rate 2/2"]);
    expect(breaker.check(102)).toBeUndefined();
    for (const atMs of [102, 103]) breaker.onSent(ticket(atMs));
    breaker.onAbandoned(late);
    expect(breaker.check(104)).toEqual({ kind: "refuse", reason: "circuit_open" });
    expect(events).toEqual(["p open: failure rate 2/2", "p half_open: 2 probes"]);
  });

  it("reopens when the probes fail, saying so", () => {
    const { listener, events } = recording();
    const breaker = new CircuitBreaker("p", { ...BREAKER, consecutiveFailures: 1, probes: 1 }, listener);
    const first = ticket(0);
    breaker.onSent(first);
    breaker.onResponse(first, 1, { status: "timeout", retryable: true });
    expect(breaker.check(101)).toBeUndefined();
    const probe = ticket(101);
    breaker.onSent(probe);
    breaker.onResponse(probe, 102, { status: "error", retryable: true });
    expect(events).toEqual(["p open: 1 failures in a row", "p half_open: 1 probes", "p open: probes failed"]);
    expect(breaker.check(201)).toEqual({ kind: "refuse", reason: "circuit_open" });
  });
});

describe("pacing arithmetic", () => {
  it("keeps (1 − margin) of a declared token limit, and lets through a request the request bucket can never hold", () => {
    const tokens = new Pacer({ requestsPerMinute: undefined, tokensPerMinute: 1000, fromHeaders: false, margin: 0.5 }, 0);
    expect(tokens.check(0, 500)).toBeUndefined();
    expect(tokens.check(0, 501)).toBeUndefined();
    tokens.onSent(ticket(0, 500), 0);
    // Capacity 500 refilling 500 a minute: 250 tokens in 30 s.
    expect(tokens.check(0, 250)).toEqual({ kind: "wait", untilMs: 30_000, reason: "pacing" });
    const tiny = new Pacer({ requestsPerMinute: 1, tokensPerMinute: undefined, fromHeaders: false, margin: 0.5 }, 0);
    // A bucket of half a request never holds one: let the provider judge.
    expect(tiny.check(0, 1)).toBeUndefined();
  });

  it("takes no older sample over a newer one", () => {
    const pacer = new Pacer({ requestsPerMinute: undefined, tokensPerMinute: undefined, fromHeaders: true, margin: 0 }, 0);
    const older = ticket(0, 1, 0, 0);
    const newer = ticket(0, 1, 1, 1);
    pacer.onSent(older, 0);
    pacer.onSent(newer, 0);
    pacer.onResponse(newer, 5, { status: "ok", retryable: true, headers: { limitRequests: 60, remainingRequests: 0 } });
    pacer.onResponse(older, 6, { status: "ok", retryable: true, headers: { limitRequests: 60, remainingRequests: 60 } });
    expect(pacer.check(6, 1)).toMatchObject({ kind: "wait", reason: "pacing" });
  });

  it("keeps (1 − margin) of a declared limit and waits exactly until the bucket has refilled", () => {
    const pacer = new Pacer({ requestsPerMinute: 4, tokensPerMinute: undefined, fromHeaders: false, margin: 0.25 }, 0);
    for (let sent = 0; sent < 3; sent += 1) {
      expect(pacer.check(0, 10)).toBeUndefined();
      pacer.onSent(ticket(0), 0);
    }
    // Capacity 3, refilling 3 a minute: one more request in 20 s.
    expect(pacer.check(0, 10)).toEqual({ kind: "wait", untilMs: 20_000, reason: "pacing" });
    expect(pacer.check(19_999, 10)).toMatchObject({ kind: "wait" });
    expect(pacer.check(20_000, 10)).toBeUndefined();
  });

  it("paces tokens, lets a request larger than the whole bucket through for the provider to refuse, and survives a 429", () => {
    const pacer = new Pacer({ requestsPerMinute: undefined, tokensPerMinute: 1000, fromHeaders: false, margin: 0 }, 0);
    pacer.onSent(ticket(0, 600), 0);
    expect(pacer.check(0, 600)).toEqual({ kind: "wait", untilMs: 12_000, reason: "pacing" });
    expect(pacer.check(0, 1001)).toBeUndefined();
    pacer.onResponse(ticket(0, 600), 10, { status: "rate_limited", retryable: true });
    // Drained to empty at 10 ms: 400 tokens take 24 s more.
    expect(pacer.check(10, 400)).toEqual({ kind: "wait", untilMs: 24_010, reason: "pacing" });
  });

  it("ignores headers unless it learns from them, and keeps a dimension the headers leave out", () => {
    const declared = new Pacer({ requestsPerMinute: 60, tokensPerMinute: undefined, fromHeaders: false, margin: 0 }, 0);
    const sent = ticket(0, 10, 0, 0);
    declared.onSent(sent, 0);
    declared.onResponse(sent, 5, { status: "ok", retryable: true, headers: { limitRequests: 60, remainingRequests: 0 } });
    expect(declared.check(5, 10)).toBeUndefined();
    const learning = new Pacer({ requestsPerMinute: undefined, tokensPerMinute: 600, fromHeaders: true, margin: 0 }, 0);
    const first = ticket(0, 100, 0, 0);
    learning.onSent(first, 0);
    learning.onResponse(first, 5, { status: "ok", retryable: true, headers: { limitRequests: 60, remainingRequests: 0 } });
    // Requests learnt (none remaining, 1 a second), tokens still declared (500 left of 600).
    expect(learning.check(5, 100)).toEqual({ kind: "wait", untilMs: 1000, reason: "pacing" });
    expect(learning.check(1000, 600)).toMatchObject({ kind: "wait", reason: "pacing" });
    expect(learning.check(1000, 500)).toBeUndefined();
  });

  it("paces from the declared limits until the first answer, then from the headers less the margin and what was sent since", () => {
    const pacer = new Pacer({ requestsPerMinute: 2, tokensPerMinute: undefined, fromHeaders: true, margin: 0.5 }, 0);
    const first = ticket(0, 100, 0, 0);
    pacer.onSent(first, 0);
    // Declared: 2 × 0.5 = a bucket of 1, now empty.
    expect(pacer.check(0, 100)).toMatchObject({ kind: "wait" });
    const second = ticket(0, 300, 1, 100);
    pacer.onSent(second, 0);
    // The provider says 10 a minute, all 10 left as of the first request's send: keep 5, less the second sent since.
    pacer.onResponse(first, 1, { status: "ok", retryable: true, headers: { limitRequests: 10, remainingRequests: 10 } });
    for (let more = 0; more < 4; more += 1) {
      expect(pacer.check(1, 50)).toBeUndefined();
      pacer.onSent(ticket(1, 50, 2 + more, 400 + 50 * more), 1);
    }
    expect(pacer.check(1, 50)).toMatchObject({ kind: "wait" });
  });

  it("learns token limits from headers: capacity and level both keep the margin, less the tokens sent since", () => {
    const pacer = new Pacer({ requestsPerMinute: undefined, tokensPerMinute: undefined, fromHeaders: true, margin: 0.5 }, 0);
    pacer.onSent(ticket(0, 100, 0, 0), 0);
    const second = ticket(0, 150, 1, 100);
    pacer.onSent(second, 0);
    pacer.onSent(ticket(0, 50, 2, 250), 0);
    // 1000 limit, 1000 remaining as of the second send: capacity 500, level 500 − the 50 sent after it = 450.
    pacer.onResponse(second, 0, { status: "ok", retryable: true, headers: { limitTokens: 1000, remainingTokens: 1000 } });
    expect(pacer.check(0, 450)).toBeUndefined();
    expect(pacer.check(0, 451)).toMatchObject({ kind: "wait" });
  });
});

function controlled(rateControl: unknown, world: CrankedWorld, retry = {}, listener?: RateControlListener): ControlledCalls {
  const control = new RateControl(rateControlSchema.parse(rateControl), { ...DEFAULT_RETRY_OPTIONS, ...retry }, [{ name: "p", maxConcurrent: 2 }], () => 0.5, listener, 0);
  return new ControlledCalls(control, world, world);
}

describe("ControlledCalls edges", () => {
  it("names its errors and says what happened", () => {
    const refused = new RequestRefusedError("p");
    expect(refused.name).toBe("RequestRefusedError");
    expect(refused.message).toBe("the circuit of p is open: the request was not sent");
    const once = new RequestGaveUpError("p", "attempts", "error", 1);
    expect(once.name).toBe("RequestGaveUpError");
    expect(once.message).toBe("p: gave up after 1 attempt (attempts; last: error)");
    expect(new RequestGaveUpError("p", "retry_budget", "rate_limited", 3).message).toBe("p: gave up after 3 attempts (retry_budget; last: rate_limited)");
  });

  it("throws a salvage to the caller with salvage_transient, and stops a backoff when aborted", async () => {
    const world = new CrankedWorld();
    const salvaging = controlled({}, world, { salvageTransient: true });
    await expect(salvaging.call("p", { tokens: 1 }, () => Promise.resolve({ status: "error" as const }))).rejects.toMatchObject({ reason: "salvage", attempts: 1 });
    const calls = controlled({}, world, { backoffBaseMs: 1000 });
    const abort = new AbortController();
    const backingOff = calls.call("p", { tokens: 1, signal: abort.signal }, () => Promise.resolve({ status: "error" as const })).catch((error: unknown) => error);
    for (let flush = 0; flush < 10; flush += 1) await Promise.resolve();
    expect(world.due.size).toBe(1);
    abort.abort(new Error("stop"));
    expect(await backingOff).toMatchObject({ message: "stop" });
    expect(world.due.size).toBe(0);
    expect(calls.waitingForCompletion("nobody")).toBe(0);
  });

  it("sleeps until the time a gate names, passes the answer's headers to pacing, and forwards circuit changes", async () => {
    const world = new CrankedWorld();
    const forwarded: string[] = [];
    const admission = AsyncAdmission.withLimits({ "provider:p": 2 }, world);
    const listener = ControlledCalls.limitingAdmission(admission, {
      limitChanged: () => undefined,
      circuitStateChanged: (provider, state, reason) => forwarded.push(`${provider} ${state} ${reason}`),
    });
    const calls = controlled({ pacing: { from_headers: true, margin: 0 }, circuit_breaker: { consecutive_failures: 1, open_ms: 50 } }, world, { maxAttempts: 1 }, listener);
    world.nowMs = 1000;
    const sentAt: number[] = [];
    const answer = (): Promise<{ status: "ok"; value: number; headers: { limitRequests: number; remainingRequests: number } }> => {
      sentAt.push(world.nowMs);
      return Promise.resolve({ status: "ok", value: 1, headers: { limitRequests: 60, remainingRequests: 0 } });
    };
    expect(await calls.call("p", { tokens: 1 }, answer)).toBe(1);
    const second = calls.call("p", { tokens: 1 }, answer);
    await world.fireNext();
    expect(await second).toBe(1);
    // No request left as of the first send at 1000 ms, one a second: the second goes at 2000 ms, not 1000 + 2 × 1000.
    expect(sentAt).toEqual([1000, 2000]);
    // Paced again until 3000 ms, then an error opens the circuit.
    const third = calls.call("p", { tokens: 1 }, () => Promise.resolve({ status: "error" as const })).catch((error: unknown) => error);
    await world.fireNext();
    expect(await third).toBeInstanceOf(RequestGaveUpError);
    expect(forwarded).toEqual(["p open 1 failures in a row"]);
  });
});

describe("ControlledCalls without a forward listener, without a controller, and with a broken one", () => {
  it("applies limits with no listener to forward to, and refuses a provider it has no controller for", async () => {
    const world = new CrankedWorld();
    const admission = AsyncAdmission.withLimits({ "provider:p": 2 }, world);
    const calls = controlled({ circuit_breaker: { consecutive_failures: 1 } }, world, { maxAttempts: 1 }, ControlledCalls.limitingAdmission(admission));
    await expect(calls.call("p", { tokens: 1 }, () => Promise.resolve({ status: "timeout" as const }))).rejects.toMatchObject({ reason: "attempts", status: "timeout" });
    await expect(calls.call("q", { tokens: 1 }, () => Promise.resolve({ status: "ok" as const, value: 1 }))).rejects.toThrow("no request controller for provider q");
  });

  it("leaves no listener on the caller's signal once a call is over", async () => {
    const world = new CrankedWorld();
    const calls = controlled({}, world);
    const signal = new AbortController().signal;
    let attempt = 0;
    const done = calls.call("p", { tokens: 1, signal }, () => {
      attempt += 1;
      return Promise.resolve(attempt === 1 ? { status: "rate_limited" as const, retryAfterMs: 10 } : { status: "ok" as const, value: "done" });
    });
    await world.fireNext();
    expect(await done).toBe("done");
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
  });

  it("treats a controller that calls a failed request done as the bug it is", async () => {
    class CallsEverythingDone extends ProviderController {
      override afterResponse(): ResponseDecision {
        return { kind: "done" };
      }
    }
    const world = new CrankedWorld();
    const control = new RateControl(rateControlSchema.parse({}), DEFAULT_RETRY_OPTIONS, [{ name: "p", maxConcurrent: 1 }], () => 0.5, undefined, 0, (...parts) => new CallsEverythingDone(...parts));
    const calls = new ControlledCalls(control, world, world);
    await expect(calls.call("p", { tokens: 1 }, () => Promise.resolve({ status: "error" as const }))).rejects.toThrow("the controller of p called a failed request (error) done");
  });
});

describe("what the third mutation run left", () => {
  it("a late answer to a request sent before the circuit opened neither extends the open period nor reopens it", () => {
    const { listener, events } = recording();
    const breaker = new CircuitBreaker("p", { ...BREAKER, consecutiveFailures: 1, probes: 1, openMs: 100 }, listener);
    const late = ticket(0);
    breaker.onSent(late);
    const failed = ticket(0);
    breaker.onSent(failed);
    breaker.onResponse(failed, 10, { status: "error", retryable: true });
    breaker.onResponse(late, 50, { status: "error", retryable: true });
    expect(breaker.check(110)).toBeUndefined();
    expect(breaker.state).toBe("half_open");
    const later = ticket(0);
    breaker.onSent(later);
    breaker.onResponse(later, 120, { status: "timeout", retryable: true });
    expect(events).toEqual(["p open: 1 failures in a row", "p half_open: 1 probes", "p open: probes failed"]);
  });

  it("keeps a bucket when the headers give a limit without what remains", () => {
    const pacer = new Pacer({ requestsPerMinute: 60, tokensPerMinute: undefined, fromHeaders: true, margin: 0 }, 0);
    const sent = ticket(0, 1, 0, 0);
    pacer.onSent(sent, 0);
    pacer.onResponse(sent, 1, { status: "ok", retryable: true, headers: { limitRequests: 1 } });
    // Still the declared 60 a minute, 59 left: a request goes now.
    expect(pacer.check(1, 1)).toBeUndefined();
    const other = ticket(1, 1, 1, 1);
    pacer.onSent(other, 1);
    pacer.onResponse(other, 2, { status: "ok", retryable: true, headers: { remainingRequests: 0 } });
    expect(pacer.check(2, 1)).toBeUndefined();
  });

  it("counts the retries of the window for reports", () => {
    const budget = new RetryBudget({ ratio: 1, minPerSecond: 0, windowMs: 1000 });
    for (const atMs of [0, 10, 20]) budget.recordFirstAttempt(atMs);
    expect([budget.tryRetry(30), budget.tryRetry(40)]).toEqual([true, true]);
    expect(budget.retriesInWindow(50)).toBe(2);
    expect(budget.retriesInWindow(1100)).toBe(0);
  });

  it("caps what a learnt bucket refills to at (1 − margin) of the limit, and starts it at what remains less the margin", () => {
    const pacer = new Pacer({ requestsPerMinute: undefined, tokensPerMinute: undefined, fromHeaders: true, margin: 0.5 }, 0);
    const sample = ticket(0, 100, 0, 0);
    pacer.onSent(sample, 0);
    pacer.onResponse(sample, 0, { status: "ok", retryable: true, headers: { limitTokens: 1000, remainingTokens: 600 } });
    // 600 remaining less the 500 kept back: 100 now.
    expect(pacer.check(0, 100)).toBeUndefined();
    expect(pacer.check(0, 101)).toMatchObject({ kind: "wait" });
    // A minute later it is full at 500, not more: 400 then 200 do not both fit.
    pacer.onSent(ticket(600_000, 400, 1, 100), 600_000);
    expect(pacer.check(600_000, 200)).toMatchObject({ kind: "wait" });
  });

  it("numbers tickets from 1 and tells pacing the tokens each request was sent after", () => {
    const control = new ProviderController("p", { retry: DEFAULT_RETRY_OPTIONS, pacing: { requestsPerMinute: undefined, tokensPerMinute: undefined, fromHeaders: true, margin: 0 } }, () => 0.5);
    const sent = [100, 200, 300].map((tokens) => {
      const decision = control.beforeSend(0, tokens, 1);
      if (decision.kind !== "send") throw new Error("expected a send");
      return decision.ticket;
    });
    expect(sent.map((one) => [one.id, one.sendIndex, one.tokensSentBefore])).toEqual([[1, 0, 0], [2, 1, 100], [3, 2, 300]]);
    // As of the second send 1000 remained; the 300 sent after it leave 700.
    control.afterResponse(sent[1] as RequestTicket, 0, { status: "ok", retryable: true, headers: { limitTokens: 1000, remainingTokens: 1000 } });
    expect(control.beforeSend(0, 700, 1).kind).toBe("send");
    expect(control.beforeSend(0, 1, 1).kind).toBe("wait");
  });

  it("lists the providers of a block without AIMD", () => {
    expect(providersNamedIn(rateControlSchema.parse({ retry_budget: { providers: ["x"] } }))).toEqual([{ path: ["retry_budget", "providers", 0], name: "x" }]);
  });

  it("tells AIMD of each success through ControlledCalls, so a lowered limit grows back", async () => {
    const world = new CrankedWorld();
    const control = new RateControl(rateControlSchema.parse({ aimd: { decrease_factor: 0.5, increase_after: 2, block_ms: 0 } }), { ...DEFAULT_RETRY_OPTIONS, maxAttempts: 3 }, [{ name: "p", maxConcurrent: 2 }], () => 0.5, undefined, 0);
    const calls = new ControlledCalls(control, world, world);
    const retried = calls.call("p", { tokens: 1 }, (attempt) => Promise.resolve(attempt === 1 ? { status: "rate_limited" as const, retryAfterMs: 5 } : { status: "ok" as const, value: 1 }));
    await world.fireNext();
    expect(await retried).toBe(1);
    expect(control.controller("p")?.limit).toBe(1);
    expect(await calls.call("p", { tokens: 1 }, () => Promise.resolve({ status: "ok" as const, value: 2 }))).toBe(2);
    // The retry's success and this one: two in a row, back to 2.
    expect(control.controller("p")?.limit).toBe(2);
  });

  it("leaves no listener behind after waiting for a request to finish", async () => {
    const world = new CrankedWorld();
    const calls = controlled({ aimd: { increase_after: 100 } }, world);
    let release: () => void = () => undefined;
    const held = (): Promise<CallOutcome<number>> => new Promise((resolve) => (release = () => resolve({ status: "ok", value: 1 })));
    const first = calls.call("p", { tokens: 1 }, held);
    const second = calls.call("p", { tokens: 1 }, held);
    const signal = new AbortController().signal;
    const third = calls.call("p", { tokens: 1, signal }, () => Promise.resolve({ status: "ok" as const, value: 3 }));
    for (let flush = 0; flush < 10; flush += 1) await Promise.resolve();
    expect(calls.waitingForCompletion("p")).toBe(1);
    release();
    expect(await third).toBe(3);
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
    release();
    await Promise.race([first, second]);
  });
});
