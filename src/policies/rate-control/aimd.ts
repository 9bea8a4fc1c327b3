// AIMD: a provider concurrency limit that shrinks on 429s and grows back while requests succeed (REFERENCE §3, the
// data-generation engine's request admission; §8 for Netflix's variant). On a 429 every request to the provider
// waits until the retry-after (or `blockMs`) has passed, and the limit becomes max(min, floor(limit × decrease)),
// once per burst: only a 429 of a request sent since the last decrease decreases again. After `increaseAfter`
// successes in a row the limit grows by one, up to the provider's cap. No more requests are in flight than the
// limit; the orchestrator also applies the limit to the provider's lease (DagScheduler.setLimit), so workers are not
// spawned only to wait here.

import { assert } from "../assert.ts";
import type { ProviderResponse, RateControlListener, RequestGate, RequestTicket, SendDecision } from "./request.ts";

export interface AimdOptions {
  readonly minLimit: number;
  /** The static cap: where the limit starts and the most it grows to. */
  readonly maxLimit: number;
  readonly decreaseFactor: number;
  /** Successes in a row that add one to the limit. */
  readonly increaseAfter: number;
  /** How long a 429 without retry-after blocks the provider. */
  readonly blockMs: number;
}

/** REFERENCE §3's defaults: ×0.75 once per burst, +1 after 25 successes, min 1, a 2 s block without retry-after. */
export const DEFAULT_AIMD = { minLimit: 1, decreaseFactor: 0.75, increaseAfter: 25, blockMs: 2000 } as const;

export class AimdLimit implements RequestGate {
  private currentLimit: number;
  private inFlightCount = 0;
  private successesInARow = 0;
  /** Bumped by every decrease: a 429 of a request sent in an older epoch belongs to a burst already answered. */
  private epoch = 0;
  private blockedUntilMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly provider: string,
    private readonly options: AimdOptions,
    private readonly listener: RateControlListener,
  ) {
    assert(Number.isInteger(options.minLimit) && options.minLimit >= 1, `AIMD min limit must be an integer ≥ 1, got ${options.minLimit}`);
    assert(Number.isInteger(options.maxLimit) && options.maxLimit >= options.minLimit, `AIMD cap ${options.maxLimit} is below its min ${options.minLimit}`);
    assert(options.decreaseFactor > 0 && options.decreaseFactor < 1, `AIMD decrease factor must be in (0, 1), got ${options.decreaseFactor}`);
    assert(Number.isInteger(options.increaseAfter) && options.increaseAfter >= 1, `AIMD increase_after must be an integer ≥ 1, got ${options.increaseAfter}`);
    this.currentLimit = options.maxLimit;
  }

  get limit(): number {
    return this.currentLimit;
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  check(nowMs: number): Exclude<SendDecision, { kind: "send" }> | undefined {
    if (nowMs < this.blockedUntilMs) return { kind: "wait", untilMs: this.blockedUntilMs, reason: "aimd_blocked" };
    if (this.inFlightCount >= this.currentLimit) return { kind: "wait_for_completion", reason: "aimd_limit" };
    return undefined;
  }

  onSent(ticket: RequestTicket): void {
    this.inFlightCount += 1;
    ticket.aimdEpoch = this.epoch;
  }

  onResponse(ticket: RequestTicket, nowMs: number, response: ProviderResponse): void {
    this.inFlightCount -= 1;
    if (response.status === "rate_limited") {
      this.successesInARow = 0;
      this.blockedUntilMs = Math.max(this.blockedUntilMs, nowMs + (response.retryAfterMs ?? this.options.blockMs));
      if (ticket.aimdEpoch === this.epoch) this.decrease();
      return;
    }
    if (response.status !== "ok") return;
    this.successesInARow += 1;
    if (this.successesInARow < this.options.increaseAfter) return;
    this.successesInARow = 0;
    if (this.currentLimit < this.options.maxLimit) this.setLimit(this.currentLimit + 1, "aimd_increase");
  }

  onAbandoned(): void {
    this.inFlightCount -= 1;
  }

  private decrease(): void {
    // Stryker disable next-line AssignmentOperator: epochs are only compared for equality; any new value starts a new one.
    this.epoch += 1;
    const lowered = Math.max(this.options.minLimit, Math.floor(this.currentLimit * this.options.decreaseFactor));
    if (lowered < this.currentLimit) this.setLimit(lowered, "aimd_decrease");
  }

  private setLimit(limit: number, reason: "aimd_decrease" | "aimd_increase"): void {
    this.currentLimit = limit;
    this.listener.limitChanged(this.provider, limit, reason);
  }
}
