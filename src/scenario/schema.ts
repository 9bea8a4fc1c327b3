// The scenario file format (JSON, snake_case), with its defaults. Objects are strict so that a misspelt
// field is an error rather than a silently ignored setting. docs/scenario-format.md documents every field.

import { z } from "zod";
import type { GroupBy } from "../policies/queues/queue-context.ts";
import { CONTEXT_KINDS, contextKind } from "../policies/context/registry.ts";
import { QUEUE_KINDS, queueKind } from "../policies/queues/registry.ts";
import { rateControlSchema } from "../policies/rate-control/rate-control.ts";
import { workloadSchema } from "./trace-schema.ts";
import { LANES, MODES } from "./types.ts";

const positive = z.number().positive();
const nonNegative = z.number().nonnegative();
const positiveInteger = z.number().int().positive();
const probability = z.number().min(0).max(1);

const lognormal = z
  .strictObject({
    kind: z.literal("lognormal"),
    median: positive.optional(),
    p95: positive.optional(),
    mu: z.number().optional(),
    sigma: nonNegative.optional(),
  })
  .superRefine((value, context) => {
    const byQuantiles = value.median !== undefined && value.p95 !== undefined;
    const byParameters = value.mu !== undefined && value.sigma !== undefined;
    if (byQuantiles === byParameters) {
      context.addIssue({ code: "custom", message: "a lognormal takes either median and p95, or mu and sigma" });
    } else if (byQuantiles && (value.p95 as number) <= (value.median as number)) {
      context.addIssue({ code: "custom", path: ["p95"], message: "p95 must be greater than median" });
    }
  })
  .transform((value) =>
    value.mu !== undefined && value.sigma !== undefined
      ? { kind: value.kind, mu: value.mu, sigma: value.sigma }
      : { kind: value.kind, median: value.median as number, p95: value.p95 as number },
  );

export const distributionObject = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("constant"), value: nonNegative }),
  z
    .strictObject({ kind: z.literal("uniform"), min: nonNegative, max: nonNegative })
    .refine((value) => value.max >= value.min, { path: ["max"], message: "max must be at least min" }),
  z.strictObject({ kind: z.literal("exponential"), mean: positive }),
  lognormal,
  z
    .strictObject({
      kind: z.literal("empirical"),
      values: z.array(nonNegative).min(1),
      weights: z.array(nonNegative).optional(),
    })
    .refine((value) => value.weights === undefined || value.weights.length === value.values.length, {
      path: ["weights"],
      message: "weights must have one entry per value",
    })
    .refine((value) => value.weights === undefined || value.weights.some((weight) => weight > 0), {
      path: ["weights"],
      message: "at least one weight must be positive",
    }),
]);

/** A bare number is shorthand for a constant. */
export const distributionSchema = z.preprocess(
  (value) => (typeof value === "number" ? { kind: "constant", value } : value),
  distributionObject,
);

const rateLimitSchema = z.strictObject({
  mode: z.enum(["token_bucket", "fixed_window", "none"]).default("token_bucket"),
  requests_per_minute: positive.optional(),
  tokens_per_minute: positive.optional(),
  window_ms: positive.default(60_000),
});

const providerSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "use letters, digits, '_', '-' and '.' only"),
  max_concurrent: positiveInteger,
  rate_limit: rateLimitSchema.default({ mode: "none", window_ms: 60_000 }),
  latency: z.strictObject({
    time_to_first_token_ms: distributionSchema,
    decode_tokens_per_second: distributionSchema,
  }),
  reject_latency_ms: nonNegative.default(20),
  error_rate: probability.default(0),
  timeout_rate: probability.default(0),
  timeout_ms: positive.default(120_000),
  price_per_1k_input_tokens: nonNegative.default(0),
  price_per_1k_output_tokens: nonNegative.default(0),
  outages: z
    .array(
      z
        .strictObject({ start_ms: nonNegative, end_ms: positive, status: z.enum(["error", "timeout"]).default("error") })
        .refine((value) => value.end_ms > value.start_ms, { path: ["end_ms"], message: "end_ms must be after start_ms" }),
    )
    .default([]),
  latency_spikes: z
    .array(
      z
        .strictObject({ start_ms: nonNegative, end_ms: positive, factor: positive })
        .refine((value) => value.end_ms > value.start_ms, { path: ["end_ms"], message: "end_ms must be after start_ms" }),
    )
    .default([]),
});

export const shapeSchema = z.preprocess(
  (value) => (value === "single" ? { kind: "single" } : value),
  z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("single") }),
    z.strictObject({ kind: z.literal("chain"), length: positiveInteger.max(1000) }),
    z.strictObject({ kind: z.literal("fanout"), width: positiveInteger.max(1000) }),
  ]),
);

const templateSchema = z.strictObject({
  name: z.string().min(1),
  weight: positive.default(1),
  lane: z.enum(LANES).default("batch"),
  tenant: z.string().min(1).default("default"),
  mode: z.enum(MODES).default("mention"),
  provider: z.string().min(1),
  shape: shapeSchema.default({ kind: "single" }),
  calls_per_task: positiveInteger.max(1000).default(1),
  /** Per task role, the provider to use instead of `provider` (the fallback chain's first link). */
  role_providers: z.strictObject({ call: z.string().optional(), plan: z.string().optional(), work: z.string().optional(), aggregate: z.string().optional() }).default({}),
  /** More scheduler resources each task of this template takes, e.g. { "gpu": 1 }: keys the scenario declares. */
  resources: z.record(z.string().min(1), positive).default({}),
  input_tokens: distributionSchema,
  output_tokens: distributionSchema,
  max_output_tokens: positiveInteger,
});

const retrySchema = z.strictObject({
  max_attempts: positiveInteger.max(100).default(5),
  on_rate_limit: z.enum(["retry_after", "fixed", "exponential"]).default("retry_after"),
  fixed_delay_ms: nonNegative.default(1000),
  error_backoff_base_ms: nonNegative.default(500),
  error_backoff_max_ms: nonNegative.default(30_000),
  backoff_multiplier: z.number().min(1).max(100).default(2),
  jitter: z.enum(["none", "full", "equal"]).default("none"),
});

const taskFailureSchema = z.strictObject({
  strategy: z.enum(["abort", "skip", "retry", "ask"]).default("abort"),
  max_retries: z.number().int().min(0).max(100).default(3),
  backoff_base_ms: nonNegative.default(1000),
  backoff_max_ms: nonNegative.default(30_000),
  jitter: z.number().min(0).max(1).default(0.2),
});

const modeLimitsSchema = z.strictObject({ time: positiveInteger.optional(), issue: positiveInteger.optional(), mention: positiveInteger.optional() });

/** A queue kind's name alone (`"fifo"`) or `{ "kind": ..., "group_by": ..., ...options }`; each kind checks its options. */
export const queueSchema = z.preprocess(
  (value) => (typeof value === "string" ? { kind: value } : value),
  z.looseObject({ kind: z.enum(QUEUE_KINDS.map((kind) => kind.kind) as [string, ...string[]]) }).transform((value, context) => {
    const definition = queueKind(value.kind);
    const parsed = definition?.schema.safeParse(value);
    if (parsed === undefined || !parsed.success) {
      for (const issue of parsed?.error.issues ?? []) {
        // Unknown options keep their keys, so that the loader can suggest the option that was meant.
        if (issue.code === "unrecognized_keys") context.addIssue({ code: "unrecognized_keys", keys: issue.keys, message: issue.message, path: issue.path });
        else context.addIssue({ code: "custom", message: issue.message, path: issue.path });
      }
      return z.NEVER;
    }
    return parsed.data as { kind: string; group_by: GroupBy } & Record<string, unknown>;
  }),
);

/** A context manager's name alone (`"tiered"`) or `{ "kind": ..., ...options }`; each kind checks its options. */
export const contextSchema = z.preprocess(
  (value) => (typeof value === "string" ? { kind: value } : value),
  z.looseObject({ kind: z.enum(CONTEXT_KINDS.map((kind) => kind.kind) as [string, ...string[]]) }).transform((value, context) => {
    const parsed = contextKind(value.kind)?.schema.safeParse(value);
    if (parsed === undefined || !parsed.success) {
      for (const issue of parsed?.error.issues ?? []) {
        if (issue.code === "unrecognized_keys") context.addIssue({ code: "unrecognized_keys", keys: issue.keys, message: issue.message, path: issue.path });
        else context.addIssue({ code: "custom", message: issue.message, path: issue.path });
      }
      return z.NEVER;
    }
    return parsed.data as { kind: string } & Record<string, unknown>;
  }),
);

const sessionsSchema = z.strictObject({
  count: positiveInteger.max(10_000),
  turns: distributionSchema,
  turn_tokens: distributionSchema,
  turn_gap_ms: distributionSchema.default({ kind: "constant", value: 2000 }),
  window_tokens: positiveInteger,
  fact_chance: probability.default(0.3),
  importance: distributionSchema.default({ kind: "uniform", min: 0, max: 1 }),
  pinned_importance_min: probability.default(0.8),
  probe_chance: probability.default(0.2),
  probe_min_age_turns: z.number().int().nonnegative().default(5),
});

const policySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "use letters, digits, '_', '-' and '.' only"),
  description: z.string().default(""),
  queue: queueSchema.default({ kind: "fifo", group_by: "tenant" }),
  admission: z.enum(["lease", "spawn_then_wait", "reject_backoff"]).default("lease"),
  /** Preemption at safe points: a multi-call task gives its lease back between two requests when its queue asks. */
  yield_between_calls: z.boolean().default(false),
  global_max_concurrent: positiveInteger.optional(),
  mode_limits: modeLimitsSchema.default({}),
  project_limits: z.record(z.string().min(1), positiveInteger).default({}),
  project_mention_limits: z.record(z.string().min(1), positiveInteger).default({}),
  /** Release the lease and requeue the task on an error or timeout, instead of backing off while holding it. */
  salvage_transient: z.boolean().default(false),
  task_failure: taskFailureSchema.default({ strategy: "abort", max_retries: 3, backoff_base_ms: 1000, backoff_max_ms: 30_000, jitter: 0.2 }),
  /** How the simulated operator answers an `ask` pause. */
  ask: z.strictObject({ answer: z.enum(["resume", "cancel"]).default("resume"), after_ms: nonNegative.default(5000) }).default({ answer: "resume", after_ms: 5000 }),
  task_timeout_ms: positive.optional(),
  reap_after_ms: positive.optional(),
  reject_backoff: z.strictObject({ base_ms: nonNegative.default(100), max_ms: nonNegative.default(5000) }).default({ base_ms: 100, max_ms: 5000 }),
  token_budget: z.strictObject({ tokens_per_task: positiveInteger, enforcement: z.enum(["warn", "hard"]).default("warn") }).optional(),
  retry: retrySchema.default({
    max_attempts: 5,
    on_rate_limit: "retry_after",
    fixed_delay_ms: 1000,
    error_backoff_base_ms: 500,
    error_backoff_max_ms: 30_000,
    backoff_multiplier: 2,
    jitter: "none",
  }),
  /** Request-level strategies per provider: AIMD, pacing, circuit breaker, retry budget (docs/rate-control.md). */
  rate_control: rateControlSchema.default({}),
  /** Where this policy sends plan and aggregate tasks, instead of the scenario's orchestrator_provider. */
  orchestrator_provider: z.string().min(1).optional(),
  /** The context manager of the scenario's sessions (docs/context.md); sliding_window by default. */
  context: contextSchema.optional(),
});

export const scenarioSchema = z.strictObject({
  /** Where editors find the JSON Schema of this format (scenarios/schema.json); ignored by schedlab. */
  $schema: z.string().optional(),
  /** A scenario file this one builds on (a path relative to this file); resolved before validation (extends.ts). */
  extends: z.string().min(1).optional(),
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "use letters, digits, '_', '-' and '.' only"),
  description: z.string().default(""),
  seed: z.number().int().nonnegative().default(1),
  seeds: positiveInteger.max(10_000).default(5),
  /** Required with synthetic arrivals; a trace-only scenario ends with its traces. */
  stop: z
    .strictObject({ jobs: z.number().int().nonnegative().max(1_000_000_000).optional(), duration_ms: positive.max(1e12).optional() })
    .refine((value) => value.jobs !== undefined || value.duration_ms !== undefined, {
      message: "give jobs, duration_ms, or both",
    })
    .optional(),
  /** Synthetic arrivals; optional when `workload` has traces, and mixed with them when both are given. */
  arrivals: z
    .strictObject({
      process: z.enum(["poisson", "constant"]).default("poisson"),
      rate_per_second: positive,
      /** The templates synthetic jobs are drawn from (by weight); all by default. Leaves a trace's templates to the trace. */
      templates: z.array(z.string().min(1)).min(1).optional(),
    })
    .optional(),
  /** Traces replayed as arrivals (docs/traces.md). */
  workload: workloadSchema.optional(),
  providers: z.array(providerSchema).min(1),
  templates: z.array(templateSchema).min(1),
  workers: z
    .strictObject({
      spawn_ms: distributionSchema.default({ kind: "constant", value: 0 }),
      stop_ms: distributionSchema.default({ kind: "constant", value: 0 }),
      spawn_failure_rate: probability.default(0),
      stall_rate: probability.default(0),
      crash_rate: probability.default(0),
    })
    .default({ spawn_ms: { kind: "constant", value: 0 }, stop_ms: { kind: "constant", value: 0 }, spawn_failure_rate: 0, stall_rate: 0, crash_rate: 0 }),
  faults: z
    .strictObject({
      job_cancel_rate: probability.default(0),
      cancel_after_ms: distributionSchema.default({ kind: "constant", value: 1000 }),
      stale_selection_rate: probability.default(0),
    })
    .default({ job_cancel_rate: 0, cancel_after_ms: { kind: "constant", value: 1000 }, stale_selection_rate: 0 }),
  shutdown: z.strictObject({ at_ms: nonNegative, mode: z.enum(["cancel", "drain"]).default("drain") }).optional(),
  /** Scheduler resources beyond global, provider, mode and project ones, with their limits. */
  resources: z.record(z.string().min(1), positive).default({}),
  /** The cheap model for plan and aggregate tasks, when their template names none. */
  orchestrator_provider: z.string().min(1).optional(),
  policies: z.array(policySchema).min(1),
  limits: z
    .strictObject({ max_events: positiveInteger.max(10_000_000_000).default(200_000_000), max_trace_lines: positiveInteger.max(10_000_000_000).default(100_000_000) })
    .default({ max_events: 200_000_000, max_trace_lines: 100_000_000 }),
  /** Long agent sessions whose context each policy's context manager keeps (docs/context.md). */
  sessions: sessionsSchema.optional(),
});

export type ScenarioFile = z.output<typeof scenarioSchema>;
