// One provider's request controller: the strategies a policy chose, composed. Before a request every gate is asked
// in a fixed order (circuit breaker, AIMD, pacing) and the first that holds it back answers; only when all let it
// through is it sent and counted by each. After a response each gate learns from it, then the retry policy (and
// the retry budget) decide what the worker does next. Clock-agnostic: callers pass the time.

import { assert } from "../assert.ts";
import { AimdLimit, type AimdOptions } from "./aimd.ts";
import { CircuitBreaker, type CircuitBreakerOptions } from "./circuit-breaker.ts";
import { Pacer, type PacingOptions } from "./pacing.ts";
import {
  type CircuitState,
  type ProviderResponse,
  type RateControlListener,
  type RequestGate,
  RequestTicket,
  type ResponseDecision,
  SILENT_LISTENER,
  type SendDecision,
} from "./request.ts";
import { RetryBudget, type RetryBudgetOptions } from "./retry-budget.ts";
import { type RetryOptions, RetryPolicy } from "./retry.ts";

/** The strategies of one provider's controller; a strategy left undefined is off. */
export interface ProviderControlOptions {
  readonly retry: RetryOptions;
  readonly aimd?: AimdOptions | undefined;
  readonly pacing?: PacingOptions | undefined;
  readonly circuitBreaker?: CircuitBreakerOptions | undefined;
  readonly retryBudget?: RetryBudgetOptions | undefined;
}

const DONE: ResponseDecision = { kind: "done" };
const SALVAGE: ResponseDecision = { kind: "salvage" };
const NOT_RETRYABLE: ResponseDecision = { kind: "give_up", reason: "not_retryable" };
const OUT_OF_ATTEMPTS: ResponseDecision = { kind: "give_up", reason: "attempts" };
const OVER_BUDGET: ResponseDecision = { kind: "give_up", reason: "retry_budget" };

export class ProviderController {
  private readonly retryPolicy: RetryPolicy;
  private readonly aimd: AimdLimit | undefined;
  private readonly breaker: CircuitBreaker | undefined;
  private readonly budget: RetryBudget | undefined;
  /** In the order they are asked: breaker, AIMD, pacing. */
  private readonly gates: RequestGate[] = [];
  private sent = 0;
  private tokensSent = 0;
  private nextTicket = 1;
  private inFlightCount = 0;

  constructor(
    readonly provider: string,
    readonly options: ProviderControlOptions,
    /** Uniform draws in [0, 1) for jitter: a seeded stream in simulation. */
    random: () => number,
    listener: RateControlListener = SILENT_LISTENER,
    /** When the controller starts (pacing buckets start full then). */
    startMs = 0,
  ) {
    this.retryPolicy = new RetryPolicy(options.retry, random);
    if (options.circuitBreaker !== undefined) this.breaker = this.createBreaker(options.circuitBreaker, listener);
    if (options.aimd !== undefined) this.aimd = this.createAimd(options.aimd, listener);
    if (this.breaker !== undefined) this.gates.push(this.breaker);
    if (this.aimd !== undefined) this.gates.push(this.aimd);
    if (options.pacing !== undefined) this.gates.push(new Pacer(options.pacing, startMs));
    if (options.retryBudget !== undefined) this.budget = new RetryBudget(options.retryBudget);
  }

  /** AIMD's current concurrency limit; undefined without AIMD. */
  get limit(): number | undefined {
    return this.aimd?.limit;
  }

  get circuitState(): CircuitState | undefined {
    return this.breaker?.state;
  }

  /** Requests sent and not yet answered or abandoned. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Asked before every attempt; on `send` the request counts as in flight until `afterResponse` or `abandon`. */
  beforeSend(nowMs: number, tokens: number, attempt: number): SendDecision {
    for (const gate of this.gates) {
      const verdict = gate.check(nowMs, tokens);
      if (verdict !== undefined) return verdict;
    }
    const ticket = new RequestTicket(this.nextTicket, this.provider, nowMs, tokens, attempt, this.sent, this.tokensSent);
    this.nextTicket += 1;
    this.sent += 1;
    this.tokensSent += tokens;
    this.inFlightCount += 1;
    for (const gate of this.gates) gate.onSent(ticket, nowMs);
    if (attempt === 1) this.budget?.recordFirstAttempt(nowMs);
    return { kind: "send", ticket };
  }

  /** Told every answer of a sent request; says what the worker does next. A settled ticket is ignored (`done`). */
  afterResponse(ticket: RequestTicket, nowMs: number, response: ProviderResponse): ResponseDecision {
    if (!this.settle(ticket)) return DONE;
    for (const gate of this.gates) gate.onResponse(ticket, nowMs, response);
    if (response.status === "ok") return DONE;
    const retry = this.retryPolicy.options;
    if (!response.retryable) return NOT_RETRYABLE;
    if (ticket.attempt >= retry.maxAttempts) return OUT_OF_ATTEMPTS;
    if (retry.salvageTransient && response.status !== "rate_limited") return SALVAGE;
    if (this.budget !== undefined && !this.budget.tryRetry(nowMs)) return OVER_BUDGET;
    const delayMs = this.retryPolicy.delayMs(response, ticket.attempt);
    return { kind: "retry", atMs: nowMs + delayMs, delayMs };
  }

  /** The request will never be answered (its worker stopped or crashed mid-flight). A settled ticket is ignored. */
  abandon(ticket: RequestTicket, nowMs: number): void {
    if (!this.settle(ticket)) return;
    for (const gate of this.gates) gate.onAbandoned(ticket, nowMs);
  }

  // The seams where test/mutants/ plants broken strategies, to show the swarm's properties catch them.

  protected createAimd(options: AimdOptions, listener: RateControlListener): AimdLimit {
    return new AimdLimit(this.provider, options, listener);
  }

  protected createBreaker(options: CircuitBreakerOptions, listener: RateControlListener): CircuitBreaker {
    return new CircuitBreaker(this.provider, options, listener);
  }

  private settle(ticket: RequestTicket): boolean {
    assert(ticket.provider === this.provider, `a ticket of ${ticket.provider} was passed to the controller of ${this.provider}`);
    if (ticket.settled) return false;
    ticket.settled = true;
    this.inFlightCount -= 1;
    return true;
  }
}
