// What a per-provider request controller is asked and told: before each request, "send now", "wait until t",
// "wait until a request finishes" or "refuse"; after each response, "done", "retry at t", "give up" or "salvage".
// The types every strategy shares (docs/rate-control.md).

/** How a request to a provider ended. */
export type ResponseStatus = "ok" | "rate_limited" | "error" | "timeout";

/**
 * What a provider said of its limits in an answer (the `x-ratelimit-*` headers of public APIs), measured when it
 * admitted or refused the request. A dimension without a limit has no fields.
 */
export interface RateLimitHeaders {
  readonly limitRequests?: number | undefined;
  readonly remainingRequests?: number | undefined;
  /** Until the request limit is back to full. */
  readonly resetRequestsMs?: number | undefined;
  readonly limitTokens?: number | undefined;
  readonly remainingTokens?: number | undefined;
  readonly resetTokensMs?: number | undefined;
}

export interface ProviderResponse {
  readonly status: ResponseStatus;
  /** On a 429: how long the provider asks the caller to wait. */
  readonly retryAfterMs?: number | undefined;
  /** False for an error that repeating cannot fix (a request larger than the token limit, a bad request). */
  readonly retryable: boolean;
  readonly headers?: RateLimitHeaders | undefined;
}

/** Why a request may not go yet. */
export type WaitReason = "pacing" | "aimd_limit" | "aimd_blocked" | "circuit_open" | "circuit_half_open";

export type SendDecision =
  | { readonly kind: "send"; readonly ticket: RequestTicket }
  /** Ask again at `untilMs` (the earliest time this gate could let it through; another may still hold it). */
  | { readonly kind: "wait"; readonly untilMs: number; readonly reason: WaitReason }
  /** Ask again after a request to this provider finishes or is abandoned: nothing time alone can change. */
  | { readonly kind: "wait_for_completion"; readonly reason: WaitReason }
  /** Fail fast without sending (an open circuit breaker configured to fail). */
  | { readonly kind: "refuse"; readonly reason: "circuit_open" };

export type GiveUpReason = "not_retryable" | "attempts" | "retry_budget";

export type ResponseDecision =
  | { readonly kind: "done" }
  /** Send the same request again (attempt + 1) at `atMs`, holding the lease meanwhile. */
  | { readonly kind: "retry"; readonly atMs: number; readonly delayMs: number }
  | { readonly kind: "give_up"; readonly reason: GiveUpReason }
  /** Give the lease back and queue the task again instead of backing off while holding it. */
  | { readonly kind: "salvage" };

/**
 * One request sent through a controller, from `send` until its response or its abandonment: pass it back exactly
 * once. The fields the strategies stamp at send time are theirs (the AIMD epoch, the breaker's probe period).
 */
export class RequestTicket {
  /** Settled by a response or an abandonment; a second one is ignored. */
  settled = false;
  /** AIMD: the decrease epoch when it was sent (one decrease per burst of 429s). */
  aimdEpoch = 0;
  /** Circuit breaker: the half-open period it probes, or −1 when it is not a probe. */
  probePeriod = -1;

  constructor(
    readonly id: number,
    readonly provider: string,
    readonly sentAtMs: number,
    /** Charged up front: input + maximum output. */
    readonly tokens: number,
    /** 1 for a first attempt. */
    readonly attempt: number,
    /** How many requests the controller sent before this one (header-driven pacing counts what came after). */
    readonly sendIndex: number,
    /** How many tokens the controller sent before this one. */
    readonly tokensSentBefore: number,
  ) {}
}

/** A strategy that can hold a request back. Its methods see every request of one provider. */
export interface RequestGate {
  /** Undefined when the request may go now. Changes nothing but what time alone changes (a refill, a cool-down ending). */
  check(nowMs: number, tokens: number): Exclude<SendDecision, { kind: "send" }> | undefined;
  onSent(ticket: RequestTicket, nowMs: number): void;
  onResponse(ticket: RequestTicket, nowMs: number, response: ProviderResponse): void;
  /** The request was given up without an answer (its worker stopped or crashed mid-flight). */
  onAbandoned(ticket: RequestTicket, nowMs: number): void;
}

export type CircuitState = "closed" | "open" | "half_open";

/** What a controller reports as it works; an orchestrator logs it and applies limits (DagScheduler.setLimit). */
export interface RateControlListener {
  limitChanged(provider: string, limit: number, reason: "aimd_decrease" | "aimd_increase"): void;
  circuitStateChanged(provider: string, state: CircuitState, reason: string): void;
}

export const SILENT_LISTENER: RateControlListener = {
  limitChanged: () => undefined,
  circuitStateChanged: () => undefined,
};
