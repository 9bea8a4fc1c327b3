// A scenario after validation and defaults: what the simulator consumes. The JSON file format (snake_case)
// is described by schema.ts and docs/scenario-format.md; this is its in-memory twin.

import type { ContextSpec } from "../policies/context/context-kind.ts";
import type { AdmissionDesign, FailureStrategy } from "../policies/dag-scheduler.ts";
import type { DistributionSpec } from "../sim/distributions.ts";
import type { QueueSpec } from "../policies/queues/queue-kind.ts";
import type { RateControlFile } from "../policies/rate-control/rate-control.ts";
import type { Jitter, RateLimitRetry } from "../policies/rate-control/retry.ts";
import type { TimestampKind, TimestampUnit, TraceColumns, TraceFormat } from "../trace/presets.ts";

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
  /** Synthetic arrivals; undefined when the jobs come from traces only. */
  readonly arrivals: Arrivals | undefined;
  /** Traces replayed as arrivals, mixed with the synthetic ones by time (docs/traces.md). */
  readonly traces: readonly TraceSpec[];
  readonly providers: readonly ProviderSpec[];
  readonly templates: readonly JobTemplate[];
  readonly workers: WorkerSpec;
  readonly faults: FaultSpec;
  readonly shutdown: { readonly atMs: number; readonly mode: "cancel" | "drain" } | undefined;
  /** Declared scheduler resources beyond global, provider, mode and project ones. */
  readonly resources: Readonly<Record<string, number>>;
  /** The provider for plan and aggregate tasks whose template names none for them. */
  readonly orchestratorProvider: string | undefined;
  readonly policies: readonly PolicySpec[];
  readonly limits: { readonly maxEvents: number; readonly maxTraceLines: number };
  /** Long agent sessions whose context each policy's context manager keeps; undefined for none. */
  readonly sessions?: SessionsSpec | undefined;
}

/** Agent sessions: their length, turn sizes, facts and probes, and the model's context window (docs/context.md). */
export interface SessionsSpec {
  readonly count: number;
  /** Turns per session (rounded, at least 1). */
  readonly turns: DistributionSpec;
  readonly turnTokens: DistributionSpec;
  /** From one turn to the next (model and tool time), before any recall latency. */
  readonly turnGapMs: DistributionSpec;
  readonly windowTokens: number;
  /** Chance that a turn states a fact. */
  readonly factChance: number;
  /** A fact's importance (clamped to [0, 1]). */
  readonly importance: DistributionSpec;
  /** Facts at least this important are pinned as key information. */
  readonly pinnedImportanceMin: number;
  /** Chance that a turn needs a fact stated earlier. */
  readonly probeChance: number;
  /** A probe needs a fact stated at least this many turns before. */
  readonly probeMinAgeTurns: number;
}

export interface FaultSpec {
  /** Probability that a job is canceled, `cancelAfterMs` after it arrives. */
  readonly jobCancelRate: number;
  readonly cancelAfterMs: DistributionSpec;
  /** Probability that an admitted task's selection turns out stale before its spawn. */
  readonly staleSelectionRate: number;
}

/** A trace file replayed as arrivals: one job per row, of the row's template. */
export interface TraceSpec {
  /** Where the scenario file sets it, e.g. `workload.traces[1]`, for messages. */
  readonly path: string;
  /** The file, as found from the working folder. */
  readonly file: string;
  readonly format: TraceFormat;
  readonly columns: TraceColumns;
  readonly timestampUnit: TimestampUnit;
  readonly timestamps: TimestampKind;
  /** Trace time is divided by it: 2 replays the trace at twice its load. */
  readonly rateScale: number;
  /** Trace time (from the trace's start, before the rate scale) of the rows replayed: [startMs, endMs). */
  readonly window: { readonly startMs: number; readonly endMs: number | undefined };
  /** The template of rows whose columns name none. */
  readonly template: string;
  readonly maxLines: number;
}

/** Arrivals stop after `jobs` jobs or at `durationMs`, whichever comes first; the run then drains. */
export interface StopCondition {
  readonly jobs: number | undefined;
  readonly durationMs: number | undefined;
}

export interface Arrivals {
  readonly process: "poisson" | "constant";
  readonly ratePerSecond: number;
  /** The templates synthetic jobs are drawn from, by weight; every template when undefined. */
  readonly templates?: readonly string[] | undefined;
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
  /** Windows in which time to first token is multiplied by `factor` (a slow provider, not a down one). */
  readonly latencySpikes: readonly LatencySpike[];
  readonly pricePer1kInputTokens: number;
  readonly pricePer1kOutputTokens: number;
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

export interface LatencySpike {
  readonly startMs: number;
  readonly endMs: number;
  readonly factor: number;
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
  /** Per task role, a provider other than `provider`. */
  readonly roleProviders: Readonly<Partial<Record<"call" | "plan" | "work" | "aggregate", string>>>;
  /** Extra scheduler resources every task takes. */
  readonly resources: Readonly<Record<string, number>>;
}

export interface WorkerSpec {
  readonly spawnMs: DistributionSpec;
  /** From a stop request to the worker having stopped (when its capacity is released). */
  readonly stopMs: DistributionSpec;
  readonly spawnFailureRate: number;
  /** Probability that a worker stalls after spawning: holds its lease, makes no progress (a zombie). */
  readonly stallRate: number;
  /** Probability, per request, that the worker crashes while it is in flight: the task fails (release reason by strategy). */
  readonly crashRate: number;
}

export interface PolicySpec {
  readonly name: string;
  readonly description: string;
  readonly queue: QueueSpec;
  /** Preemption at safe points: a multi-call task may give its lease back between two requests when its queue asks. */
  readonly yieldBetweenCalls: boolean;
  readonly admission: AdmissionDesign;
  /** Limit of resource `global`; undefined means no global cap. */
  readonly globalMaxConcurrent: number | undefined;
  /** Limits of resources `mode:<mode>`. */
  readonly modeLimits: Readonly<Partial<Record<Mode, number>>>;
  /** Limits of resources `project:<tenant>` and `project:<tenant>:mention`. */
  readonly projectLimits: Readonly<Record<string, number>>;
  readonly projectMentionLimits: Readonly<Record<string, number>>;
  readonly retry: RetrySpec;
  readonly salvageTransient: boolean;
  readonly taskFailure: {
    readonly strategy: FailureStrategy;
    readonly maxRetries: number;
    readonly backoffBaseMs: number;
    readonly backoffMaxMs: number;
    readonly jitter: number;
  };
  readonly ask: { readonly answer: "resume" | "cancel"; readonly afterMs: number };
  readonly taskTimeoutMs: number | undefined;
  readonly reapAfterMs: number | undefined;
  readonly rejectBackoff: { readonly baseMs: number; readonly maxMs: number };
  readonly tokenBudget: { readonly tokensPerTask: number; readonly enforcement: "warn" | "hard" } | undefined;
  /** Request-level strategies per provider (AIMD, pacing, circuit breaker, retry budget), as the file gives them. */
  readonly rateControl: RateControlFile;
  /** Where plan and aggregate tasks go under this policy; the scenario's orchestratorProvider when undefined. */
  readonly orchestratorProvider?: string | undefined;
  /** The context manager of the scenario's sessions (sliding_window unless the file names one). */
  readonly context?: ContextSpec | undefined;
}

export interface RetrySpec {
  /** Attempts per LLM request, the first included; after the last failure the task fails. */
  readonly maxAttempts: number;
  /** `retry_after`: wait what the 429 says; `fixed`: wait fixedDelayMs whatever it says; `exponential`: back off. */
  readonly onRateLimit: RateLimitRetry;
  readonly fixedDelayMs: number;
  /** Errors and timeouts (and 429s under `exponential`) wait min(max, base × multiplier^(attempt−1)), then jitter. */
  readonly errorBackoffBaseMs: number;
  readonly errorBackoffMaxMs: number;
  readonly backoffMultiplier: number;
  readonly jitter: Jitter;
}
