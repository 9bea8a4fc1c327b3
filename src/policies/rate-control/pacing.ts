// Client-side pacing: a token bucket on requests and on tokens per minute, kept below the provider's limits by a
// safety margin, so that a request over the limit waits here instead of being refused (a 429) there. The limits are
// either declared by the policy or learnt from the provider's rate-limit headers (`from_headers`): the first answer
// gives the limits (declared ones, if any, pace until then), every newer one resets the estimate to what the
// provider reported (less what was sent since).
// A bucket of capacity c refills at c per minute and starts full, as the providers' own token buckets do
// (REFERENCE §5); against a provider that resets fixed windows it is optimistic within a window, and the 429s
// that follow drain it.

import type { ProviderResponse, RateLimitHeaders, RequestGate, RequestTicket, SendDecision } from "./request.ts";

export interface PacingOptions {
  /** Declared limits per minute (either may be absent); ignored once headers are used. */
  readonly requestsPerMinute: number | undefined;
  readonly tokensPerMinute: number | undefined;
  /** Learn the limits and the remaining quota from the answers' headers instead. */
  readonly fromHeaders: boolean;
  /** The fraction of each limit kept unused, in [0, 1). */
  readonly margin: number;
}

const MS_PER_MINUTE = 60_000;
/**
 * A level short by less than this counts as enough: refill arithmetic leaves such noise. Ten times below the
 * providers' own slack (src/sim/rate-limiter.ts), so a request this lets through a provider of the same limits admits.
 */
const LEVEL_SLACK = 1e-10;

/** One dimension (requests or tokens): a level that refills continuously up to a capacity. */
class Bucket {
  private level: number;
  private lastRefillMs: number;

  constructor(
    private capacity: number,
    private ratePerMs: number,
    nowMs: number,
  ) {
    this.level = capacity;
    this.lastRefillMs = nowMs;
  }

  /** 0 when `amount` is there now, else how long until it will be (Infinity if it never can). */
  waitMs(nowMs: number, amount: number): number {
    this.refill(nowMs);
    const shortfall = amount - this.level;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: within the slack the wait below is ≤ 0, which check() lets through too.
    if (shortfall <= LEVEL_SLACK) return 0;
    if (amount > this.capacity) return Number.POSITIVE_INFINITY;
    return (shortfall - LEVEL_SLACK) / this.ratePerMs;
  }

  take(nowMs: number, amount: number): void {
    this.refill(nowMs);
    this.level -= amount;
  }

  drain(nowMs: number): void {
    this.refill(nowMs);
    this.level = Math.min(this.level, 0);
  }

  /** The provider reported `level` as of `atMs`; `sentSince` was taken after that. */
  resync(capacity: number, ratePerMs: number, level: number, atMs: number, sentSince: number, nowMs: number): void {
    this.capacity = capacity;
    this.ratePerMs = ratePerMs;
    this.level = Math.min(capacity, level + Math.max(0, nowMs - atMs) * ratePerMs) - sentSince;
    this.lastRefillMs = nowMs;
  }

  private refill(nowMs: number): void {
    const elapsedMs = nowMs - this.lastRefillMs;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: time never goes back, and no time refills nothing.
    if (elapsedMs <= 0) return;
    this.lastRefillMs = nowMs;
    this.level = Math.min(this.capacity, this.level + elapsedMs * this.ratePerMs);
  }
}

export class Pacer implements RequestGate {
  private requests: Bucket | undefined;
  private tokens: Bucket | undefined;
  /** Requests and tokens sent so far, to tell what a header sample has not seen. */
  private sentCount = 0;
  private tokensSent = 0;
  /** The newest request whose answer resynced the estimate. */
  private newestSample = -1;

  constructor(
    private readonly options: PacingOptions,
    nowMs: number,
  ) {
    const keep = 1 - options.margin;
    if (options.requestsPerMinute !== undefined) this.requests = new Bucket(options.requestsPerMinute * keep, (options.requestsPerMinute * keep) / MS_PER_MINUTE, nowMs);
    if (options.tokensPerMinute !== undefined) this.tokens = new Bucket(options.tokensPerMinute * keep, (options.tokensPerMinute * keep) / MS_PER_MINUTE, nowMs);
  }

  check(nowMs: number, tokens: number): Exclude<SendDecision, { kind: "send" }> | undefined {
    const requestWaitMs = this.requests?.waitMs(nowMs, 1) ?? 0;
    // A request larger than the whole token capacity can never pass here: let the provider refuse it.
    const tokenWait = this.tokens?.waitMs(nowMs, tokens) ?? 0;
    const tokenWaitMs = tokenWait === Number.POSITIVE_INFINITY ? 0 : tokenWait;
    const waitMs = Math.max(requestWaitMs === Number.POSITIVE_INFINITY ? 0 : requestWaitMs, tokenWaitMs);
    if (waitMs <= 0) return undefined;
    // Whole milliseconds, rounded up: asking again a little late is harmless, a little early only asks twice.
    return { kind: "wait", untilMs: nowMs + Math.ceil(waitMs), reason: "pacing" };
  }

  onSent(ticket: RequestTicket, nowMs: number): void {
    this.requests?.take(nowMs, 1);
    this.tokens?.take(nowMs, ticket.tokens);
    this.sentCount += 1;
    this.tokensSent += ticket.tokens;
  }

  onResponse(ticket: RequestTicket, nowMs: number, response: ProviderResponse): void {
    // Stryker disable next-line EqualityOperator: a ticket settles once, so no sample is answered twice.
    if (this.options.fromHeaders && response.headers !== undefined && ticket.sendIndex > this.newestSample) {
      this.resync(ticket, nowMs, response.headers);
    }
    if (response.status === "rate_limited") {
      // The provider disagreed with the estimate: nothing more goes until the bucket has refilled from empty.
      this.requests?.drain(nowMs);
      this.tokens?.drain(nowMs);
    }
  }

  onAbandoned(): void {}

  private resync(ticket: RequestTicket, nowMs: number, headers: RateLimitHeaders): void {
    this.newestSample = ticket.sendIndex;
    const keep = 1 - this.options.margin;
    const requestsSince = this.sentCount - ticket.sendIndex - 1;
    const tokensSince = this.tokensSent - ticket.tokensSentBefore - ticket.tokens;
    this.requests = this.resynced(this.requests, headers.limitRequests, headers.remainingRequests, keep, ticket.sentAtMs, requestsSince, nowMs);
    this.tokens = this.resynced(this.tokens, headers.limitTokens, headers.remainingTokens, keep, ticket.sentAtMs, tokensSince, nowMs);
  }

  private resynced(
    bucket: Bucket | undefined,
    limit: number | undefined,
    remaining: number | undefined,
    keep: number,
    atMs: number,
    sentSince: number,
    nowMs: number,
  ): Bucket | undefined {
    if (limit === undefined || remaining === undefined) return bucket;
    const capacity = limit * keep;
    const ratePerMs = limit / MS_PER_MINUTE;
    const level = remaining - limit * (1 - keep);
    const resynced = bucket ?? new Bucket(capacity, ratePerMs, nowMs);
    resynced.resync(capacity, ratePerMs, level, atMs, sentSince, nowMs);
    return resynced;
  }
}
