// The circuit breaker against a model of its specification (resilience4j's: a count window, a minimum of calls, a
// consecutive-failure trip, an open cool-down, half-open probes): random sends, answers, abandonments and time.
// An open circuit sends nothing, a half-open one sends no more than its probes, only the answers that count move
// it, and it moves exactly as the model does. Each property fails on a planted bug.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CircuitBreaker, type CircuitBreakerOptions } from "../../../src/policies/rate-control/circuit-breaker.ts";
import { OneProbeTooMany } from "../../mutants/mutants.ts";
import { type CircuitState, type ProviderResponse, type RateControlListener, RequestTicket, type ResponseStatus, type SendDecision } from "../../../src/policies/rate-control/request.ts";

type Op =
  | { readonly kind: "send" }
  | { readonly kind: "answer"; readonly pick: number; readonly status: ResponseStatus }
  | { readonly kind: "abandon"; readonly pick: number }
  | { readonly kind: "tick"; readonly ms: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: "send" as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("answer" as const), pick: fc.nat(), status: fc.constantFrom<ResponseStatus>("ok", "ok", "error", "timeout", "rate_limited") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("abandon" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 1, max: 4000 }) }) },
);

const optionsArbitrary: fc.Arbitrary<CircuitBreakerOptions> = fc
  .record({
    failureRateThreshold: fc.constantFrom(0.25, 0.5, 0.75, 1),
    windowSize: fc.integer({ min: 1, max: 12 }),
    minimumShare: fc.double({ min: 0, max: 1, noNaN: true }),
    consecutiveFailures: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
    openMs: fc.integer({ min: 1, max: 10_000 }),
    probes: fc.integer({ min: 1, max: 4 }),
    whenOpen: fc.constantFrom<"fail" | "wait">("fail", "wait"),
    countRateLimits: fc.boolean(),
  })
  .map(({ minimumShare, ...options }) => ({ ...options, minimumCalls: Math.max(1, Math.ceil(minimumShare * options.windowSize)) }));

/** The specification, kept naively: the window as a list, probes as a list per period. */
class BreakerModel {
  state: CircuitState = "closed";
  window: boolean[] = [];
  inARow = 0;
  openUntilMs = 0;
  period = 0;
  probesSent = 0;
  probeAnswers: boolean[] = [];
  constructor(private readonly options: CircuitBreakerOptions) {}

  /** What check(now) must answer, after the cool-down is applied. */
  verdict(nowMs: number): Exclude<SendDecision, { kind: "send" }> | undefined {
    if (this.state === "open" && nowMs >= this.openUntilMs) {
      this.state = "half_open";
      this.period += 1;
      this.probesSent = 0;
      this.probeAnswers = [];
    }
    const fail = this.options.whenOpen === "fail";
    if (this.state === "open") return fail ? { kind: "refuse", reason: "circuit_open" } : { kind: "wait", untilMs: this.openUntilMs, reason: "circuit_open" };
    if (this.state === "half_open" && this.probesSent >= this.options.probes) return fail ? { kind: "refuse", reason: "circuit_open" } : { kind: "wait_for_completion", reason: "circuit_half_open" };
    return undefined;
  }

  /** The period a request sent now probes, or −1. */
  sent(): number {
    if (this.state !== "half_open") return -1;
    this.probesSent += 1;
    return this.period;
  }

  answered(probeOf: number, nowMs: number, status: ResponseStatus): void {
    const failed = status === "error" || status === "timeout" || (status === "rate_limited" && this.options.countRateLimits);
    if (this.state === "half_open" && probeOf === this.period) {
      this.probeAnswers.push(failed);
      if (this.probeAnswers.length < this.options.probes) return;
      if (this.probeAnswers.filter(Boolean).length / this.options.probes >= this.options.failureRateThreshold) this.open(nowMs);
      else this.close();
      return;
    }
    if (this.state !== "closed" || probeOf >= 0) return;
    this.window.push(failed);
    if (this.window.length > this.options.windowSize) this.window.shift();
    this.inARow = failed ? this.inARow + 1 : 0;
    const failures = this.window.filter(Boolean).length;
    if (this.options.consecutiveFailures !== undefined && this.inARow >= this.options.consecutiveFailures) this.open(nowMs);
    else if (this.window.length >= this.options.minimumCalls && failures / this.window.length >= this.options.failureRateThreshold) this.open(nowMs);
  }

  abandoned(probeOf: number): void {
    if (this.state === "half_open" && probeOf === this.period) this.probesSent -= 1;
  }

  private open(nowMs: number): void {
    this.state = "open";
    this.openUntilMs = nowMs + this.options.openMs;
  }

  private close(): void {
    this.state = "closed";
    this.window = [];
    this.inARow = 0;
  }
}

type Build = (options: CircuitBreakerOptions, listener: RateControlListener) => CircuitBreaker;

interface Sent {
  readonly ticket: RequestTicket;
  readonly probeOf: number;
}

function exercise(options: CircuitBreakerOptions, ops: readonly Op[], build: Build): void {
  const reported: CircuitState[] = [];
  const breaker = build(options, { limitChanged: () => undefined, circuitStateChanged: (_provider, state) => reported.push(state) });
  const model = new BreakerModel(options);
  const inFlight: Sent[] = [];
  /** Probes in flight per half-open period: never more than `probes`. */
  const probesInFlight = new Map<number, number>();
  let nowMs = 0;
  let nextId = 1;
  ops.forEach((op, step) => {
    const fail = (what: string): never => {
      throw new Error(`step ${step} (${nowMs} ms, model ${model.state}): ${what}`);
    };
    switch (op.kind) {
      case "tick":
        nowMs += op.ms;
        break;
      case "send": {
        const expected = model.verdict(nowMs);
        const verdict = breaker.check(nowMs);
        if (verdict === undefined && model.state === "open") fail("an open circuit let a request through");
        if (verdict === undefined && model.state === "half_open" && expected !== undefined) fail(`a half-open circuit let a request through with ${model.probesSent} of ${options.probes} probes out`);
        if (JSON.stringify(verdict) !== JSON.stringify(expected)) fail(`answered ${JSON.stringify(verdict)}, the specification says ${JSON.stringify(expected)}`);
        if (verdict !== undefined) break;
        const ticket = new RequestTicket(nextId, "p", nowMs, 10, 1, nextId - 1, 0);
        nextId += 1;
        breaker.onSent(ticket);
        const probeOf = model.sent();
        if (probeOf >= 0) {
          const probes = (probesInFlight.get(probeOf) ?? 0) + 1;
          if (probes > options.probes) fail(`${probes} probes out in one half-open period`);
          probesInFlight.set(probeOf, probes);
        }
        inFlight.push({ ticket, probeOf });
        break;
      }
      case "answer": {
        if (inFlight.length === 0) break;
        const [sent] = inFlight.splice(op.pick % inFlight.length, 1) as [Sent];
        const response: ProviderResponse = { status: op.status, retryable: true, ...(op.status === "rate_limited" ? { retryAfterMs: 100 } : {}) };
        breaker.onResponse(sent.ticket, nowMs, response);
        model.answered(sent.probeOf, nowMs, op.status);
        break;
      }
      case "abandon": {
        if (inFlight.length === 0) break;
        const [sent] = inFlight.splice(op.pick % inFlight.length, 1) as [Sent];
        breaker.onAbandoned(sent.ticket);
        model.abandoned(sent.probeOf);
        if (sent.probeOf >= 0) probesInFlight.set(sent.probeOf, (probesInFlight.get(sent.probeOf) ?? 1) - 1);
        break;
      }
    }
    if (breaker.state !== model.state) fail(`the breaker is ${breaker.state}`);
    if (reported.length > 0 && reported.at(-1) !== breaker.state) fail(`reported ${reported.at(-1)} last, but is ${breaker.state}`);
  });
}

const real: Build = (options, listener) => new CircuitBreaker("p", options, listener);

/** Planted bug: late answers to requests sent before the circuit opened are taken as probes. */
class LateAnswersProbe extends CircuitBreaker {
  override onResponse(ticket: RequestTicket, nowMs: number, response: ProviderResponse): void {
    if (this.state === "half_open") ticket.probePeriod = (this as unknown as { period: number }).period;
    super.onResponse(ticket, nowMs, response);
  }
}

/** Planted bug: the minimum number of calls is ignored, so one early failure can open the circuit. */
class NoMinimumCalls extends CircuitBreaker {
  constructor(provider: string, options: CircuitBreakerOptions, listener: RateControlListener) {
    super(provider, { ...options, minimumCalls: 1 }, listener);
  }
}

/** Planted bug: 429s count as failures when they should not, and the other way round. */
class RateLimitsMiscounted extends CircuitBreaker {
  constructor(provider: string, options: CircuitBreakerOptions, listener: RateControlListener) {
    super(provider, { ...options, countRateLimits: !options.countRateLimits }, listener);
  }
}

const property = (build: Build) => fc.property(optionsArbitrary, fc.array(opArbitrary, { maxLength: 300, size: "max" }), (options, ops) => exercise(options, ops, build));

describe("circuit breaker", () => {
  it("sends nothing while open, no more than its probes while half-open, and moves between states as specified", () => {
    fc.assert(property(real), { seed: 4201, numRuns: 400 });
  });

  it.each([
    ["one probe too many", (options: CircuitBreakerOptions, listener: RateControlListener) => new OneProbeTooMany("p", options, listener), "probes out"],
    ["late answers taken as probes", (options: CircuitBreakerOptions, listener: RateControlListener) => new LateAnswersProbe("p", options, listener), "the breaker is"],
    ["no minimum of calls", (options: CircuitBreakerOptions, listener: RateControlListener) => new NoMinimumCalls("p", options, listener), "the breaker is"],
    ["429s miscounted", (options: CircuitBreakerOptions, listener: RateControlListener) => new RateLimitsMiscounted("p", options, listener), "the breaker is"],
  ] as const)("catches %s", (_name, build, symptom) => {
    const result = fc.check(property(build), { seed: 4202, numRuns: 400 });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toContain(symptom);
  });

  it("opens after three failures in a row, refuses for the cool-down, then closes on passing probes", () => {
    const states: string[] = [];
    const breaker = new CircuitBreaker(
      "p",
      { failureRateThreshold: 0.5, windowSize: 100, minimumCalls: 100, consecutiveFailures: 3, openMs: 1000, probes: 2, whenOpen: "fail", countRateLimits: false },
      { limitChanged: () => undefined, circuitStateChanged: (_p, state, reason) => states.push(`${state}: ${reason}`) },
    );
    const answer = (id: number, atMs: number, status: ResponseStatus): void => {
      const ticket = new RequestTicket(id, "p", atMs, 10, 1, id - 1, 0);
      expect(breaker.check(atMs)).toBeUndefined();
      breaker.onSent(ticket);
      breaker.onResponse(ticket, atMs + 5, { status, retryable: true });
    };
    answer(1, 0, "error");
    answer(2, 10, "rate_limited");
    answer(3, 20, "timeout");
    answer(4, 30, "error");
    expect(states).toEqual([]);
    answer(5, 40, "error");
    expect(states).toEqual(["open: 3 failures in a row"]);
    expect(breaker.check(1044)).toEqual({ kind: "refuse", reason: "circuit_open" });
    answer(6, 1045, "ok");
    expect(breaker.state).toBe("half_open");
    answer(7, 1046, "ok");
    expect(states).toEqual(["open: 3 failures in a row", "half_open: 2 probes", "closed: probes passed"]);
  });
});
