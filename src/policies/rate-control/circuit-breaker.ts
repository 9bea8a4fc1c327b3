// A circuit breaker per provider (resilience4j's model, REFERENCE §8): closed, it records the outcome of the last
// `windowSize` requests and opens when at least `minimumCalls` are recorded and the failure rate reaches the
// threshold, or after `consecutiveFailures` failures in a row; open, it sends nothing for `openMs`, failing fast or
// holding requests back as configured; then half-open, it lets `probes` requests through and closes if their
// failure rate is below the threshold, or opens again. Failures are errors and timeouts (and 429s if asked).

import { assert } from "../assert.ts";
import type { CircuitState, ProviderResponse, RateControlListener, RequestGate, RequestTicket, SendDecision } from "./request.ts";

export interface CircuitBreakerOptions {
  /** In (0, 1]: the failure rate that opens the circuit. */
  readonly failureRateThreshold: number;
  readonly windowSize: number;
  readonly minimumCalls: number;
  /** Failures in a row that open the circuit whatever the rate; undefined: only the rate counts. */
  readonly consecutiveFailures: number | undefined;
  readonly openMs: number;
  /** Requests let through while half-open; their outcomes decide. */
  readonly probes: number;
  /** While open: `fail` refuses requests at once, `wait` holds them until the circuit lets them through. */
  readonly whenOpen: "fail" | "wait";
  readonly countRateLimits: boolean;
}

/** resilience4j's defaults: 50% of the last 100 calls (at least 100), open 60 s, 10 probes. */
export const DEFAULT_CIRCUIT_BREAKER = {
  failureRateThreshold: 0.5,
  windowSize: 100,
  minimumCalls: 100,
  openMs: 60_000,
  probes: 10,
  whenOpen: "fail",
  countRateLimits: false,
} as const;

export class CircuitBreaker implements RequestGate {
  private currentState: CircuitState = "closed";
  /** Closed: the last outcomes in a ring, 1 for a failure. */
  private readonly outcomes: Uint8Array;
  private recorded = 0;
  private next = 0;
  private failures = 0;
  private failuresInARow = 0;
  private openUntilMs = 0;
  /** Half-open periods so far; a probe counts only in the period it was sent in. */
  private period = 0;
  private probesSent = 0;
  private probesAnswered = 0;
  private probeFailures = 0;

  constructor(
    private readonly provider: string,
    private readonly options: CircuitBreakerOptions,
    private readonly listener: RateControlListener,
  ) {
    assert(Number.isInteger(options.windowSize) && options.windowSize >= 1, `breaker window must be an integer ≥ 1, got ${options.windowSize}`);
    assert(options.minimumCalls >= 1 && options.minimumCalls <= options.windowSize, `breaker minimum calls must be in [1, window], got ${options.minimumCalls}`);
    assert(Number.isInteger(options.probes) && options.probes >= 1, `breaker probes must be an integer ≥ 1, got ${options.probes}`);
    this.outcomes = new Uint8Array(options.windowSize);
  }

  get state(): CircuitState {
    return this.currentState;
  }

  check(nowMs: number): Exclude<SendDecision, { kind: "send" }> | undefined {
    if (this.currentState === "open" && nowMs >= this.openUntilMs) this.halfOpen();
    switch (this.currentState) {
      // Stryker disable next-line StringLiteral: a state no case matches also returns undefined.
      case "closed":
        return undefined;
      case "open":
        return this.options.whenOpen === "fail" ? { kind: "refuse", reason: "circuit_open" } : { kind: "wait", untilMs: this.openUntilMs, reason: "circuit_open" };
      case "half_open":
        if (this.probesSent < this.options.probes) return undefined;
        return this.options.whenOpen === "fail" ? { kind: "refuse", reason: "circuit_open" } : { kind: "wait_for_completion", reason: "circuit_half_open" };
    }
  }

  onSent(ticket: RequestTicket): void {
    if (this.currentState !== "half_open") return;
    this.probesSent += 1;
    ticket.probePeriod = this.period;
  }

  onResponse(ticket: RequestTicket, nowMs: number, response: ProviderResponse): void {
    const failed = response.status === "error" || response.status === "timeout" || (response.status === "rate_limited" && this.options.countRateLimits);
    // Stryker disable next-line ConditionalExpression: a period ends only once all its probes are answered (an abandoned one never is), so a probe of the current period is answered only while half-open.
    if (this.currentState === "half_open" && ticket.probePeriod === this.period) {
      this.probesAnswered += 1;
      if (failed) this.probeFailures += 1;
      if (this.probesAnswered < this.options.probes) return;
      if (this.probeFailures / this.options.probes >= this.options.failureRateThreshold) this.open(nowMs, "probes failed");
      else this.close();
      return;
    }
    // Answers to requests sent before the circuit opened, or probes of an earlier period, decide nothing now.
    // Stryker disable next-line ConditionalExpression,EqualityOperator: periods start at 1, and no probe is answered after its period closed the circuit (see above).
    if (this.currentState !== "closed" || ticket.probePeriod >= 0) return;
    this.record(failed);
    const consecutive = this.options.consecutiveFailures;
    // Stryker disable next-line ConditionalExpression: without a threshold, n >= undefined is false anyway.
    if (consecutive !== undefined && this.failuresInARow >= consecutive) this.open(nowMs, `${this.failuresInARow} failures in a row`);
    else if (this.recorded >= this.options.minimumCalls && this.failures / this.recorded >= this.options.failureRateThreshold) {
      this.open(nowMs, `failure rate ${this.failures}/${this.recorded}`);
    }
  }

  onAbandoned(ticket: RequestTicket): void {
    // An unanswered probe frees its place, so a half-open circuit cannot wait forever for it.
    // Stryker disable next-line ConditionalExpression: probesSent counts only while half-open and starts again at 0 with the next period.
    if (this.currentState === "half_open" && ticket.probePeriod === this.period) this.probesSent -= 1;
  }

  private record(failed: boolean): void {
    if (this.recorded === this.outcomes.length) this.failures -= this.outcomes[this.next] as number;
    else this.recorded += 1;
    this.outcomes[this.next] = failed ? 1 : 0;
    this.next = (this.next + 1) % this.outcomes.length;
    if (failed) {
      this.failures += 1;
      this.failuresInARow += 1;
    } else {
      this.failuresInARow = 0;
    }
  }

  private open(nowMs: number, reason: string): void {
    this.currentState = "open";
    this.openUntilMs = nowMs + this.options.openMs;
    this.listener.circuitStateChanged(this.provider, "open", reason);
  }

  private halfOpen(): void {
    this.currentState = "half_open";
    this.period += 1;
    this.probesSent = 0;
    this.probesAnswered = 0;
    this.probeFailures = 0;
    this.listener.circuitStateChanged(this.provider, "half_open", `${this.options.probes} probes`);
  }

  private close(): void {
    this.currentState = "closed";
    this.recorded = 0;
    this.next = 0;
    this.failures = 0;
    this.failuresInARow = 0;
    this.outcomes.fill(0);
    this.listener.circuitStateChanged(this.provider, "closed", "probes passed");
  }
}
