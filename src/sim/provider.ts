// A simulated LLM endpoint: rate limits (with retry-after on refusal), a latency model of time to first
// token plus decode time, random errors and timeouts, and outage windows. The outcome of a request is
// decided when it starts, from the provider's own random streams.

import type { RateLimitHeaders } from "../policies/rate-control/request.ts";
import type { ProviderSpec } from "../scenario/types.ts";
import { type Sampler, sampler } from "./distributions.ts";
import type { Random, RandomStreams } from "./random.ts";
import { FixedWindowLimiter, type RateLimiter, TokenBucketLimiter, UnlimitedLimiter } from "./rate-limiter.ts";

export type RequestStatus = "ok" | "rate_limited" | "error" | "timeout";

export interface RequestOutcome {
  readonly status: RequestStatus;
  readonly durationMs: number;
  /** Set on a 429: how long the provider asks the caller to wait. */
  readonly retryAfterMs: number | undefined;
  /** False for an error that repeating cannot fix (a request larger than the token limit). */
  readonly retryable: boolean;
  readonly outputTokens: number;
  /** The provider's rate-limit headers when it has limits and was not down: measured at admission. */
  readonly headers: RateLimitHeaders | undefined;
}

export class SimProvider {
  private readonly limiter: RateLimiter;
  private readonly timeToFirstToken: Sampler;
  private readonly decodeTokensPerSecond: Sampler;
  private readonly latencies: Random;
  private readonly faults: Random;

  constructor(
    readonly spec: ProviderSpec,
    streams: RandomStreams,
  ) {
    this.limiter = limiterFor(spec);
    this.timeToFirstToken = sampler(spec.latency.timeToFirstTokenMs);
    this.decodeTokensPerSecond = sampler(spec.latency.decodeTokensPerSecond);
    this.latencies = streams.stream(`latencies/${spec.name}`);
    this.faults = streams.stream(`faults/${spec.name}`);
  }

  get name(): string {
    return this.spec.name;
  }

  /** Whether a request charging this many tokens can ever pass the token limit. */
  fits(chargedTokens: number): boolean {
    return this.limiter.fits(chargedTokens);
  }

  request(nowMs: number, inputTokens: number, maxOutputTokens: number, outputTokens: number): RequestOutcome {
    const spec = this.spec;
    const outage = this.outageAt(nowMs);
    if (outage !== undefined) {
      const durationMs = outage.status === "timeout" ? spec.timeoutMs : spec.rejectLatencyMs;
      return { status: outage.status, durationMs, retryAfterMs: undefined, retryable: true, outputTokens: 0, headers: undefined };
    }
    const charged = inputTokens + maxOutputTokens;
    if (!this.limiter.fits(charged)) {
      return { status: "error", durationMs: spec.rejectLatencyMs, retryAfterMs: undefined, retryable: false, outputTokens: 0, headers: undefined };
    }
    const retryAfterMs = this.limiter.tryAdmit(nowMs, charged);
    const headers = this.limiter.headers(nowMs);
    if (retryAfterMs > 0) {
      return { status: "rate_limited", durationMs: spec.rejectLatencyMs, retryAfterMs, retryable: true, outputTokens: 0, headers };
    }
    // Latency is drawn for every admitted request, failed or not, so fault settings never shift it.
    const produced = Math.min(outputTokens, maxOutputTokens);
    const firstTokenMs = this.timeToFirstToken.sample(this.latencies) * this.slowdownAt(nowMs);
    const decodeMs = produced === 0 ? 0 : (produced * 1000) / this.decodeTokensPerSecond.sample(this.latencies);
    if (spec.errorRate > 0 && this.faults.next() < spec.errorRate) {
      return { status: "error", durationMs: firstTokenMs, retryAfterMs: undefined, retryable: true, outputTokens: 0, headers };
    }
    const timedOut = (spec.timeoutRate > 0 && this.faults.next() < spec.timeoutRate) || firstTokenMs + decodeMs > spec.timeoutMs;
    if (timedOut) {
      return { status: "timeout", durationMs: spec.timeoutMs, retryAfterMs: undefined, retryable: true, outputTokens: 0, headers };
    }
    return { status: "ok", durationMs: firstTokenMs + decodeMs, retryAfterMs: undefined, retryable: true, outputTokens: produced, headers };
  }

  private slowdownAt(nowMs: number): number {
    let factor = 1;
    for (const spike of this.spec.latencySpikes) if (nowMs >= spike.startMs && nowMs < spike.endMs) factor *= spike.factor;
    return factor;
  }

  private outageAt(nowMs: number): ProviderSpec["outages"][number] | undefined {
    for (const outage of this.spec.outages) {
      if (nowMs >= outage.startMs && nowMs < outage.endMs) return outage;
    }
    return undefined;
  }
}

function limiterFor(spec: ProviderSpec): RateLimiter {
  const limit = spec.rateLimit;
  const perMinute = {
    ...(limit.requestsPerMinute === undefined ? {} : { requestsPerMinute: limit.requestsPerMinute }),
    ...(limit.tokensPerMinute === undefined ? {} : { tokensPerMinute: limit.tokensPerMinute }),
  };
  switch (limit.mode) {
    case "token_bucket":
      return new TokenBucketLimiter(perMinute);
    case "fixed_window":
      return new FixedWindowLimiter(perMinute, limit.windowMs);
    case "none":
      return new UnlimitedLimiter();
  }
}
