// A small world for the request controllers' properties: requests arrive at given times with given token counts,
// ask a ProviderController, wait as told, and are answered by a provider-side limiter (src/sim/rate-limiter.ts)
// after a given latency. No scheduler, no leases: only what the controller decides about requests.

import { ProviderController, type ProviderControlOptions } from "../../../src/policies/rate-control/provider-controller.ts";
import type { CircuitState, ProviderResponse, RateControlListener, RequestTicket, ResponseStatus } from "../../../src/policies/rate-control/request.ts";
import { DEFAULT_RETRY_OPTIONS } from "../../../src/policies/rate-control/retry.ts";
import type { Clock } from "../../../src/policies/clock.ts";
import type { CallOutcome } from "../../../src/policies/rate-control/controlled-calls.ts";
import type { TimerHandle, Timers } from "../../../src/policies/timers.ts";
import type { RateLimiter } from "../../../src/sim/rate-limiter.ts";

export interface DrivenRequest {
  readonly atMs: number;
  readonly tokens: number;
  readonly latencyMs: number;
  /** What the provider answers when it admits the request (a 429 comes from the limiter alone). */
  readonly status?: Exclude<ResponseStatus, "rate_limited">;
}

export interface DriveLog {
  /** Every send: when, how many in flight then (itself included), and the controller's limit then. */
  readonly sends: { atMs: number; inFlight: number; limit: number | undefined; circuit: CircuitState | undefined; request: number }[];
  readonly answers: { atMs: number; status: ResponseStatus; request: number }[];
  readonly limits: { atMs: number; limit: number }[];
  readonly circuits: { atMs: number; state: CircuitState }[];
  readonly refused: number;
  readonly givenUp: number;
  readonly rateLimited: number;
}

type Step = { atMs: number; order: number; run: () => void };

export function controllerOptions(overrides: Partial<ProviderControlOptions> = {}): ProviderControlOptions {
  return { retry: { ...DEFAULT_RETRY_OPTIONS, maxAttempts: 1 }, ...overrides };
}

export type ControllerBuilder = (listener: RateControlListener) => ProviderController;

/** Runs the requests to completion (each is sent at most once; a refusal or a 429 ends it). */
export function drive(requests: readonly DrivenRequest[], build: ControllerBuilder, limiter: RateLimiter | undefined): DriveLog {
  const steps: Step[] = [];
  let order = 0;
  let nowMs = 0;
  const at = (atMs: number, run: () => void): void => {
    steps.push({ atMs, order, run });
    order += 1;
  };
  const log: DriveLog & { refused: number; givenUp: number; rateLimited: number } = { sends: [], answers: [], limits: [], circuits: [], refused: 0, givenUp: 0, rateLimited: 0 };
  const listener: RateControlListener = {
    limitChanged: (_provider, limit) => log.limits.push({ atMs: nowMs, limit }),
    circuitStateChanged: (_provider, state) => log.circuits.push({ atMs: nowMs, state }),
  };
  const controller = build(listener);
  const waiting: (() => void)[] = [];
  const wake = (): void => {
    const woken = waiting.splice(0);
    for (const retry of woken) retry();
  };
  let nextRequest = 1;
  const attempt = (request: DrivenRequest, id: number): void => {
    const decision = controller.beforeSend(nowMs, request.tokens, 1);
    switch (decision.kind) {
      case "wait":
        at(decision.untilMs, () => attempt(request, id));
        return;
      case "wait_for_completion":
        waiting.push(() => attempt(request, id));
        return;
      case "refuse":
        log.refused += 1;
        return;
      case "send":
        break;
    }
    log.sends.push({ atMs: nowMs, inFlight: controller.inFlight, limit: controller.limit, circuit: controller.circuitState, request: id });
    const retryAfterMs = limiter?.tryAdmit(nowMs, request.tokens) ?? 0;
    const headers = limiter?.headers(nowMs);
    const response: ProviderResponse =
      retryAfterMs > 0 ? { status: "rate_limited", retryAfterMs, retryable: true, headers } : { status: request.status ?? "ok", retryable: true, headers };
    const ticket: RequestTicket = decision.ticket;
    at(nowMs + (retryAfterMs > 0 ? 1 : request.latencyMs), () => {
      log.answers.push({ atMs: nowMs, status: response.status, request: id });
      if (response.status === "rate_limited") log.rateLimited += 1;
      const next = controller.afterResponse(ticket, nowMs, response);
      if (next.kind === "give_up") log.givenUp += 1;
      wake();
    });
  };
  for (const request of requests) {
    const id = nextRequest;
    nextRequest += 1;
    at(request.atMs, () => attempt(request, id));
  }
  for (let guard = 0; steps.length > 0; guard += 1) {
    if (guard > 1_000_000) throw new Error("the driven world did not settle");
    steps.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
    const step = steps.shift() as Step;
    nowMs = step.atMs;
    step.run();
  }
  return log;
}

export function newController(options: ProviderControlOptions, listener: RateControlListener, random: () => number = () => 0.5): ProviderController {
  return new ProviderController("p", options, random, listener, 0);
}

/** A clock and timers for async code under test: time moves only when a test fires the next timer. */
export class CrankedWorld implements Clock, Timers {
  nowMs = 0;
  private nextId = 1;
  readonly due = new Map<number, { atMs: number; callback: () => void }>();

  now(): number {
    return this.nowMs;
  }

  schedule(delayMs: number, callback: () => void): TimerHandle {
    const handle = { id: this.nextId };
    this.nextId += 1;
    this.due.set(handle.id, { atMs: this.nowMs + delayMs, callback });
    return handle;
  }

  cancel(handle: TimerHandle): void {
    this.due.delete(handle.id);
  }

  /** Lets pending promises settle, fires the earliest timer (if any), and lets them settle again. */
  async fireNext(): Promise<boolean> {
    await settle();
    const next = [...this.due.entries()].sort(([a, x], [b, y]) => x.atMs - y.atMs || a - b)[0];
    if (next === undefined) return false;
    this.due.delete(next[0]);
    this.nowMs = Math.max(this.nowMs, next[1].atMs);
    next[1].callback();
    await settle();
    return true;
  }

  /** Fires timers in time order until `done` settles. */
  async run<T>(done: Promise<T>): Promise<T> {
    let settled = false;
    const watched = done.finally(() => {
      settled = true;
    });
    for (let guard = 0; guard < 100_000; guard += 1) {
      await settle();
      if (settled) return watched;
      if (!(await this.fireNext())) throw new Error("nothing left to run and the calls have not settled");
    }
    throw new Error("the world did not settle");
  }

  /** An answer after `latencyMs`. */
  later<T>(latencyMs: number, outcome: CallOutcome<T>): Promise<CallOutcome<T>> {
    return new Promise((resolve) => this.schedule(latencyMs, () => resolve(outcome)));
  }
}

async function settle(): Promise<void> {
  for (let flush = 0; flush < 20; flush += 1) await Promise.resolve();
}
