// A policy's rate-limit control: which strategies apply to which provider, as a scenario's `policies[].rate_control`
// names them (snake_case, validated by zod, with the defaults of docs/rate-control.md), and one ProviderController
// per provider built from them. The retry strategy (`policies[].retry`) applies to every provider.

import { z } from "zod";
import { DEFAULT_AIMD } from "./aimd.ts";
import { type CircuitBreakerOptions, DEFAULT_CIRCUIT_BREAKER } from "./circuit-breaker.ts";
import type { PacingOptions } from "./pacing.ts";
import { type ProviderControlOptions, ProviderController } from "./provider-controller.ts";
import { type RateControlListener, SILENT_LISTENER } from "./request.ts";
import { DEFAULT_RETRY_BUDGET, type RetryBudgetOptions } from "./retry-budget.ts";
import type { RetryOptions } from "./retry.ts";

const positive = z.number().positive();
const positiveInteger = z.number().int().positive();
/** Which providers a strategy applies to; all of them when absent. */
const providerList = z.array(z.string().min(1)).min(1).optional();

const aimdSchema = z.strictObject({
  min_limit: positiveInteger.default(DEFAULT_AIMD.minLimit),
  decrease_factor: z.number().gt(0).lt(1).default(DEFAULT_AIMD.decreaseFactor),
  increase_after: positiveInteger.max(1_000_000).default(DEFAULT_AIMD.increaseAfter),
  block_ms: z.number().nonnegative().default(DEFAULT_AIMD.blockMs),
  providers: providerList,
});

const perMinuteLimits = z
  .strictObject({ requests_per_minute: positive.optional(), tokens_per_minute: positive.optional() })
  .refine((value) => value.requests_per_minute !== undefined || value.tokens_per_minute !== undefined, {
    message: "give requests_per_minute, tokens_per_minute, or both",
  });

const pacingSchema = z
  .strictObject({
    /** Provider name → the limits to pace to (the provider's published ones, typically). */
    limits: z.record(z.string().min(1), perMinuteLimits).default({}),
    from_headers: z.boolean().default(false),
    margin: z.number().min(0).lt(1).default(0.1),
    providers: providerList,
  })
  .refine((value) => value.from_headers || Object.keys(value.limits).length > 0, {
    message: "pacing needs limits per provider, or from_headers: true",
  });

const circuitBreakerSchema = z
  .strictObject({
    failure_rate: z.number().gt(0).max(1).default(DEFAULT_CIRCUIT_BREAKER.failureRateThreshold),
    window: positiveInteger.max(100_000).default(DEFAULT_CIRCUIT_BREAKER.windowSize),
    minimum_calls: positiveInteger.optional(),
    consecutive_failures: positiveInteger.optional(),
    open_ms: positive.default(DEFAULT_CIRCUIT_BREAKER.openMs),
    probes: positiveInteger.max(10_000).default(DEFAULT_CIRCUIT_BREAKER.probes),
    when_open: z.enum(["fail", "wait"]).default(DEFAULT_CIRCUIT_BREAKER.whenOpen),
    count_rate_limits: z.boolean().default(DEFAULT_CIRCUIT_BREAKER.countRateLimits),
    providers: providerList,
  })
  .refine((value) => value.minimum_calls === undefined || value.minimum_calls <= value.window, {
    path: ["minimum_calls"],
    message: "minimum_calls must be at most window",
  });

const retryBudgetSchema = z.strictObject({
  ratio: z.number().min(0).max(10).default(DEFAULT_RETRY_BUDGET.ratio),
  min_per_second: z.number().nonnegative().default(DEFAULT_RETRY_BUDGET.minPerSecond),
  window_ms: positive.max(3_600_000).default(DEFAULT_RETRY_BUDGET.windowMs),
  providers: providerList,
});

/** `policies[].rate_control`: each strategy is off unless given; `{}` turns one on with its defaults. */
export const rateControlSchema = z.strictObject({
  aimd: aimdSchema.optional(),
  pacing: pacingSchema.optional(),
  circuit_breaker: circuitBreakerSchema.optional(),
  retry_budget: retryBudgetSchema.optional(),
});

export type RateControlFile = z.output<typeof rateControlSchema>;

/** The provider names a rate_control block refers to (in `providers` lists and pacing limits), for validation. */
export function providersNamedIn(file: RateControlFile): { path: (string | number)[]; name: string }[] {
  const named: { path: (string | number)[]; name: string }[] = [];
  const list = (strategy: string, providers: readonly string[] | undefined): void => {
    providers?.forEach((name, index) => named.push({ path: [strategy, "providers", index], name }));
  };
  list("aimd", file.aimd?.providers);
  list("pacing", file.pacing?.providers);
  list("circuit_breaker", file.circuit_breaker?.providers);
  list("retry_budget", file.retry_budget?.providers);
  for (const name of Object.keys(file.pacing?.limits ?? {})) named.push({ path: ["pacing", "limits", name], name });
  return named;
}

export interface ControlledProvider {
  readonly name: string;
  /** The static concurrency cap: AIMD's ceiling. */
  readonly maxConcurrent: number;
}

function appliesTo<T extends { providers?: readonly string[] | undefined }>(strategy: T | undefined, provider: string): strategy is T {
  return strategy !== undefined && (strategy.providers === undefined || strategy.providers.includes(provider));
}

/** What one provider's controller runs, from the policy's retry options and rate_control block. */
export function providerControlOptions(file: RateControlFile, retry: RetryOptions, provider: ControlledProvider): ProviderControlOptions {
  const { aimd, pacing, circuit_breaker: breaker, retry_budget: budget } = file;
  return {
    retry,
    aimd: appliesTo(aimd, provider.name)
      ? {
          minLimit: Math.min(aimd.min_limit, provider.maxConcurrent),
          maxLimit: provider.maxConcurrent,
          decreaseFactor: aimd.decrease_factor,
          increaseAfter: aimd.increase_after,
          blockMs: aimd.block_ms,
        }
      : undefined,
    pacing: pacingFor(pacing, provider.name),
    circuitBreaker: appliesTo(breaker, provider.name) ? breakerOptions(breaker) : undefined,
    retryBudget: appliesTo(budget, provider.name) ? budgetOptions(budget) : undefined,
  };
}

function pacingFor(pacing: RateControlFile["pacing"], provider: string): PacingOptions | undefined {
  if (!appliesTo(pacing, provider)) return undefined;
  const declared = pacing.limits[provider];
  if (!pacing.from_headers && declared === undefined) return undefined;
  return {
    requestsPerMinute: declared?.requests_per_minute,
    tokensPerMinute: declared?.tokens_per_minute,
    fromHeaders: pacing.from_headers,
    margin: pacing.margin,
  };
}

function breakerOptions(breaker: NonNullable<RateControlFile["circuit_breaker"]>): CircuitBreakerOptions {
  return {
    failureRateThreshold: breaker.failure_rate,
    windowSize: breaker.window,
    minimumCalls: breaker.minimum_calls ?? breaker.window,
    consecutiveFailures: breaker.consecutive_failures,
    openMs: breaker.open_ms,
    probes: breaker.probes,
    whenOpen: breaker.when_open,
    countRateLimits: breaker.count_rate_limits,
  };
}

function budgetOptions(budget: NonNullable<RateControlFile["retry_budget"]>): RetryBudgetOptions {
  return { ratio: budget.ratio, minPerSecond: budget.min_per_second, windowMs: budget.window_ms };
}

/** Builds one provider's controller: `new ProviderController(...)` unless a test plants a broken one. */
export type ControllerFactory = (...parts: ConstructorParameters<typeof ProviderController>) => ProviderController;

const realController: ControllerFactory = (...parts) => new ProviderController(...parts);

/** A controller per provider, each with its own state, sharing the draws of `random`. */
export class RateControl {
  private readonly controllers = new Map<string, ProviderController>();

  constructor(
    file: RateControlFile,
    retry: RetryOptions,
    providers: readonly ControlledProvider[],
    random: () => number,
    listener: RateControlListener = SILENT_LISTENER,
    startMs = 0,
    createController: ControllerFactory = realController,
  ) {
    for (const provider of providers) {
      this.controllers.set(provider.name, createController(provider.name, providerControlOptions(file, retry, provider), random, listener, startMs));
    }
  }

  /** The provider's controller; undefined for a provider it was not built with. */
  controller(provider: string): ProviderController | undefined {
    return this.controllers.get(provider);
  }
}
