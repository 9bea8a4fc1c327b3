// A scenario after validation and defaults: what the simulator consumes. The JSON file format (snake_case)
// is described by schema.ts and docs/scenario-format.md; this is its in-memory twin.

import type { DistributionSpec } from "../sim/distributions.ts";

export const LANES = ["interactive", "batch", "background"] as const;
export type Lane = (typeof LANES)[number];

export const MODES = ["time", "issue", "mention"] as const;
export type Mode = (typeof MODES)[number];

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** The first seed of a comparison, and the seed of a single run unless --seed says otherwise. */
  readonly seed: number;
  /** How many consecutive seeds a comparison runs by default. */
  readonly seeds: number;
  readonly stop: StopCondition;
  readonly arrivals: Arrivals;
  readonly providers: readonly ProviderSpec[];
  readonly templates: readonly JobTemplate[];
  readonly workers: WorkerSpec;
  readonly policies: readonly PolicySpec[];
  readonly limits: { readonly maxEvents: number };
}

/** Arrivals stop after `jobs` jobs or at `durationMs`, whichever comes first; the run then drains. */
export interface StopCondition {
  readonly jobs: number | undefined;
  readonly durationMs: number | undefined;
}

export interface Arrivals {
  readonly process: "poisson" | "constant";
  readonly ratePerSecond: number;
}

export interface ProviderSpec {
  readonly name: string;
  /** The scheduler-side concurrency cap: the limit of resource `provider:<name>`. */
  readonly maxConcurrent: number;
  readonly rateLimit: ProviderRateLimit;
  readonly latency: {
    readonly timeToFirstTokenMs: DistributionSpec;
    readonly decodeTokensPerSecond: DistributionSpec;
  };
  /** How long a refusal (429, or an error during an outage) takes to come back. */
  readonly rejectLatencyMs: number;
  readonly errorRate: number;
  readonly timeoutRate: number;
  readonly timeoutMs: number;
  readonly outages: readonly Outage[];
}

export interface ProviderRateLimit {
  readonly mode: "token_bucket" | "fixed_window" | "none";
  readonly requestsPerMinute: number | undefined;
  readonly tokensPerMinute: number | undefined;
  readonly windowMs: number;
}

export interface Outage {
  readonly startMs: number;
  readonly endMs: number;
  readonly status: "error" | "timeout";
}

export type JobShape =
  | { readonly kind: "single" }
  | { readonly kind: "chain"; readonly length: number }
  | { readonly kind: "fanout"; readonly width: number };

export interface JobTemplate {
  readonly name: string;
  readonly weight: number;
  readonly lane: Lane;
  readonly tenant: string;
  readonly mode: Mode;
  readonly provider: string;
  readonly shape: JobShape;
  /** Sequential LLM requests each task makes (an agent's turns). */
  readonly callsPerTask: number;
  readonly inputTokens: DistributionSpec;
  readonly outputTokens: DistributionSpec;
  /** Charged up front on every request, and the cap on the output actually produced. */
  readonly maxOutputTokens: number;
}

export interface WorkerSpec {
  readonly spawnMs: DistributionSpec;
}

export interface PolicySpec {
  readonly name: string;
  readonly description: string;
  readonly queue: "fifo";
  readonly admission: "lease";
  /** Limit of resource `global`; undefined means no global cap. */
  readonly globalMaxConcurrent: number | undefined;
  readonly retry: RetrySpec;
}

export interface RetrySpec {
  /** Attempts per LLM request, the first included; after the last failure the task fails. */
  readonly maxAttempts: number;
  /** `retry_after`: wait what the 429 says; `fixed`: wait fixedDelayMs whatever it says. */
  readonly onRateLimit: "retry_after" | "fixed";
  readonly fixedDelayMs: number;
  /** Errors and timeouts wait base × 2^(attempt−1), at most max. */
  readonly errorBackoffBaseMs: number;
  readonly errorBackoffMaxMs: number;
}
