// Rate-limit control for orchestrators written with async/await: `call` runs one model request through its
// provider's controller (RateControl) on any clock and timers, waiting where it says wait, retrying where it says
// retry, and throwing where it refuses or gives up. The simulated worker asks the same controllers on virtual time.
// Route every request to a provider through one ControlledCalls: a request sent around it is invisible to AIMD's
// count of requests in flight and to the pacing bucket.

import { assertionFailed } from "../assert.ts";
import type { AsyncAdmission } from "../async-admission.ts";
import type { Clock } from "../clock.ts";
import type { Timers } from "../timers.ts";
import type { RateControl } from "./rate-control.ts";
import type { GiveUpReason, ProviderResponse, RateControlListener, RateLimitHeaders, ResponseStatus } from "./request.ts";

/** What one attempt of a request came back with: a value, or a failure the controller judges. */
export type CallOutcome<T> =
  | { readonly status: "ok"; readonly value: T; readonly headers?: RateLimitHeaders | undefined }
  | {
      readonly status: Exclude<ResponseStatus, "ok">;
      /** On a 429: the provider's retry-after. */
      readonly retryAfterMs?: number | undefined;
      /** False for a failure repeating cannot fix (a bad request); true when absent. */
      readonly retryable?: boolean | undefined;
      readonly headers?: RateLimitHeaders | undefined;
    };

/** An open circuit breaker (when_open: fail) refused the request without sending it. */
export class RequestRefusedError extends Error {
  override name = "RequestRefusedError";
  constructor(readonly provider: string) {
    super(`the circuit of ${provider} is open: the request was not sent`);
  }
}

/** The controller gave the request up (or, with salvage_transient, asks the caller to queue its task again). */
export class RequestGaveUpError extends Error {
  override name = "RequestGaveUpError";
  constructor(
    readonly provider: string,
    readonly reason: GiveUpReason | "salvage",
    /** The last attempt's outcome. */
    readonly status: Exclude<ResponseStatus, "ok">,
    readonly attempts: number,
  ) {
    super(`${provider}: gave up after ${attempts} attempt${attempts === 1 ? "" : "s"} (${reason}; last: ${status})`);
  }
}

export interface CallOptions {
  /** Charged up front by the provider: input + maximum output tokens (what pacing and the ledger of TPM count). */
  readonly tokens: number;
  /** Aborting it stops the waits; an attempt in flight is the caller's `send` to abort, and is then abandoned. */
  readonly signal?: AbortSignal | undefined;
}

// Stryker disable ConditionalExpression,StringLiteral,BooleanLiteral: for an ok answer the second branch builds the same response, and an ok answer's retryable is never read.
function responseOf<T>(outcome: CallOutcome<T>): ProviderResponse {
  return outcome.status === "ok"
    ? { status: "ok", retryable: true, headers: outcome.headers }
    : { status: outcome.status, retryAfterMs: outcome.retryAfterMs, retryable: outcome.retryable ?? true, headers: outcome.headers };
}
// Stryker restore ConditionalExpression,StringLiteral,BooleanLiteral

export class ControlledCalls {
  /** Per provider: callers waiting for a request to it to finish (AIMD's limit, a half-open circuit's probes). */
  private readonly completionWaiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly control: RateControl,
    private readonly clock: Clock,
    private readonly timers: Timers,
  ) {}

  /**
   * A listener for RateControl that applies AIMD's limit to each provider's lease resource of `admission`
   * (`provider:<name>` by default), so that no caller is admitted only to wait for the controller, and passes every
   * report on to `forward`.
   */
  static limitingAdmission(admission: AsyncAdmission, forward?: RateControlListener, resourceOf = (provider: string) => `provider:${provider}`): RateControlListener {
    return {
      limitChanged: (provider, limit, reason) => {
        admission.setLimit(resourceOf(provider), limit);
        forward?.limitChanged(provider, limit, reason);
      },
      circuitStateChanged: (provider, state, reason) => forward?.circuitStateChanged(provider, state, reason),
    };
  }

  /** Sends `send(attempt, signal)` through the provider's controller until it succeeds, is refused or is given up. */
  async call<T>(provider: string, options: CallOptions, send: (attempt: number) => Promise<CallOutcome<T>>): Promise<T> {
    const controller = this.control.controller(provider) ?? assertionFailed(`no request controller for provider ${provider}`);
    const { signal, tokens } = options;
    let attempt = 1;
    for (;;) {
      signal?.throwIfAborted();
      const decision = controller.beforeSend(this.clock.now(), tokens, attempt);
      if (decision.kind === "wait") {
        await this.sleep(decision.untilMs - this.clock.now(), signal);
        continue;
      }
      if (decision.kind === "wait_for_completion") {
        await this.nextCompletion(provider, signal);
        continue;
      }
      if (decision.kind === "refuse") throw new RequestRefusedError(provider);
      let outcome: CallOutcome<T>;
      try {
        outcome = await send(attempt);
      } catch (error) {
        controller.abandon(decision.ticket, this.clock.now());
        this.completed(provider);
        throw error;
      }
      const next = controller.afterResponse(decision.ticket, this.clock.now(), responseOf(outcome));
      this.completed(provider);
      if (outcome.status === "ok") return outcome.value;
      switch (next.kind) {
        case "retry":
          await this.sleep(next.delayMs, signal);
          attempt += 1;
          continue;
        case "give_up":
          throw new RequestGaveUpError(provider, next.reason, outcome.status, attempt);
        case "salvage":
          throw new RequestGaveUpError(provider, "salvage", outcome.status, attempt);
        case "done":
          return assertionFailed(`the controller of ${provider} called a failed request (${outcome.status}) done`);
      }
    }
  }

  /** Callers waiting for a request to the provider to finish. */
  waitingForCompletion(provider: string): number {
    return this.completionWaiters.get(provider)?.size ?? 0;
  }

  private sleep(delayMs: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.timers.cancel(timer);
        // Stryker disable next-line OptionalChaining: the listener is attached only to a signal there is.
        reject(signal?.reason);
      };
      const timer = this.timers.schedule(Math.max(0, delayMs), () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      // Stryker disable next-line ObjectLiteral,BooleanLiteral: the listener is removed when the wait ends, and a signal aborts once.
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  private nextCompletion(provider: string, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let waiters = this.completionWaiters.get(provider);
      if (waiters === undefined) {
        waiters = new Set();
        this.completionWaiters.set(provider, waiters);
      }
      const set = waiters;
      const onAbort = (): void => {
        set.delete(wake);
        // Stryker disable next-line OptionalChaining: the listener is attached only to a signal there is.
        reject(signal?.reason);
      };
      const wake = (): void => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      set.add(wake);
      // Stryker disable next-line ObjectLiteral,BooleanLiteral: the listener is removed when the wait ends, and a signal aborts once.
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** A request to the provider finished or was abandoned: every caller waiting for one asks again. */
  private completed(provider: string): void {
    const waiters = this.completionWaiters.get(provider);
    if (waiters === undefined) return;
    const woken = [...waiters];
    waiters.clear();
    for (const wake of woken) wake();
  }
}
