// Generated scenarios for the swarm: a variation rewrites a base scenario and policy along independent axes
// (capacity limits, workload shape and load, failure handling), so one base file yields scenarios its author
// never wrote: a provider cap of 1, a global cap tighter than any provider's, chains where there were single
// calls, ten times the load, a retry strategy where there was abort. Each axis is present or absent in a case
// (swarm style), so shrinking drops the axes a failure does not need. A variation is plain JSON: a printed
// case replays exactly. The admission design is never varied: a case checks the policy the user named.

import fc from "fast-check";
import { z } from "zod";
import { assertionFailed } from "../policies/assert.ts";
import type { FailureStrategy } from "../policies/dag-scheduler.ts";
import { GROUP_BY, type GroupBy } from "../policies/queues/queue-context.ts";
import type { QueueSpec } from "../policies/queues/queue-kind.ts";
import { QUEUE_KINDS, queueKind } from "../policies/queues/registry.ts";
import { rateControlSchema } from "../policies/rate-control/rate-control.ts";
import type { Jitter, RateLimitRetry } from "../policies/rate-control/retry.ts";
import type { JobShape, PolicySpec, Scenario } from "../scenario/types.ts";

export interface Variation {
  /** Every provider's concurrency cap lowered to at most this. */
  readonly provider_cap?: number;
  /** The policy's global cap set to this. */
  readonly global_cap?: number;
  /** A project limit of this for every tenant, and a mention limit of the same. */
  readonly project_cap?: number;
  /** A limit of this on every mode. */
  readonly mode_cap?: number;
  /** Every template's job shape. */
  readonly shape?: JobShape;
  /** LLM requests per task. */
  readonly calls_per_task?: number;
  /** Arrival rate multiplier. */
  readonly load?: number;
  /** The task failure strategy; `ask` with the operator's answer. */
  readonly failure?: FailureChoice;
  readonly task_timeout_ms?: number;
  /** Release and requeue on a transient error instead of backing off while holding the lease. */
  readonly salvage?: boolean;
  /** A hard token budget per task. */
  readonly token_budget?: number;
  /** The largest worker spawn delay (uniform from 0). */
  readonly spawn_ms?: number;
  /**
   * The rarest template's tasks also need 2 of a resource whose limit is 1: work nothing can ever admit, which
   * must end in deadlock_detected and failed jobs, never a hang.
   */
  readonly impossible_demand?: boolean;
  /** The ready queue: any registered kind with its default options, a grouping, and preemption at safe points or not. */
  readonly queue?: QueueChoice;
  /** Request-level control: the retry strategy on a 429, jitter, and any of AIMD, pacing, circuit breaker, retry budget. */
  readonly rate_control?: RateControlChoice;
}

/**
 * The rate_control axis: the strategies in their scenario spelling (settings quick enough to act within a small
 * case), pacing with one requests-per-minute for every provider.
 */
export interface RateControlChoice {
  readonly on_rate_limit: RateLimitRetry;
  readonly jitter: Jitter;
  readonly aimd?: { readonly decrease_factor: number; readonly increase_after: number; readonly block_ms: number };
  readonly pacing?: { readonly from_headers: boolean; readonly margin: number; readonly requests_per_minute: number };
  readonly circuit_breaker?: {
    readonly window: number;
    readonly failure_rate: number;
    readonly consecutive_failures?: number;
    readonly open_ms: number;
    readonly probes: number;
    readonly when_open: "fail" | "wait";
    readonly count_rate_limits: boolean;
  };
  readonly retry_budget?: { readonly ratio: number; readonly min_per_second: number; readonly window_ms: number };
}

const rateControlChoice = z.strictObject({
  on_rate_limit: z.enum(["retry_after", "fixed", "exponential"]),
  jitter: z.enum(["none", "full", "equal"]),
  aimd: z.strictObject({ decrease_factor: z.number().gt(0).lt(1), increase_after: z.number().int().min(1), block_ms: z.number().min(0) }).optional(),
  pacing: z.strictObject({ from_headers: z.boolean(), margin: z.number().min(0).lt(1), requests_per_minute: z.number().positive() }).optional(),
  circuit_breaker: z
    .strictObject({
      window: z.number().int().min(1),
      failure_rate: z.number().gt(0).max(1),
      consecutive_failures: z.number().int().min(1).optional(),
      open_ms: z.number().positive(),
      probes: z.number().int().min(1),
      when_open: z.enum(["fail", "wait"]),
      count_rate_limits: z.boolean(),
    })
    .optional(),
  retry_budget: z.strictObject({ ratio: z.number().min(0), min_per_second: z.number().min(0), window_ms: z.number().positive() }).optional(),
});

export interface QueueChoice {
  readonly kind: string;
  readonly group_by: GroupBy;
  readonly yield_between_calls: boolean;
}

/** The failure axis: a strategy, and for `ask` the operator's answer. */
const FAILURE_CHOICES = ["abort", "skip", "retry", "ask_resume", "ask_cancel"] as const;
type FailureChoice = (typeof FAILURE_CHOICES)[number];

/** Kinds whose queue may ask a running task to yield its lease between two requests. */
const YIELDING_KINDS = QUEUE_KINDS.filter((definition) => definition.kind === "mlfq" || definition.kind === "las").map((definition) => definition.kind);

/** The resource the impossible_demand axis adds. */
export const IMPOSSIBLE_RESOURCE = "oversubscribed";

export const VARIATION_AXES = [
  "provider_cap",
  "global_cap",
  "project_cap",
  "mode_cap",
  "shape",
  "calls_per_task",
  "load",
  "failure",
  "task_timeout_ms",
  "salvage",
  "token_budget",
  "spawn_ms",
  "impossible_demand",
  "queue",
  "rate_control",
] as const satisfies readonly (keyof Variation)[];

const shape: fc.Arbitrary<NonNullable<Variation["shape"]>> = fc.oneof(
  fc.constant({ kind: "single" as const }),
  fc.record({ kind: fc.constant("chain" as const), length: fc.integer({ min: 2, max: 5 }) }),
  fc.record({ kind: fc.constant("fanout" as const), width: fc.integer({ min: 2, max: 8 }) }),
);

const axes = {
  provider_cap: fc.integer({ min: 1, max: 6 }),
  global_cap: fc.integer({ min: 1, max: 10 }),
  project_cap: fc.integer({ min: 1, max: 4 }),
  mode_cap: fc.integer({ min: 1, max: 4 }),
  shape,
  calls_per_task: fc.integer({ min: 1, max: 4 }),
  load: fc.constantFrom(0.5, 2, 4, 8),
  failure: fc.constantFrom(...FAILURE_CHOICES),
  task_timeout_ms: fc.integer({ min: 500, max: 30_000 }),
  salvage: fc.constant(true),
  // From a budget most tasks overrun to one only the largest do.
  token_budget: fc.integer({ min: 2000, max: 40_000 }),
  spawn_ms: fc.integer({ min: 1, max: 500 }),
  impossible_demand: fc.constant(true),
  queue: fc.record({
    // Half the draws from the kinds that can ask a running task to yield, so yields are exercised often.
    kind: fc.oneof(fc.constantFrom(...QUEUE_KINDS.map((definition) => definition.kind)), fc.constantFrom(...YIELDING_KINDS)),
    group_by: fc.constantFrom(...GROUP_BY),
    yield_between_calls: fc.boolean(),
  }),
  rate_control: fc
    .record({
      on_rate_limit: fc.constantFrom("retry_after" as const, "fixed" as const, "exponential" as const),
      jitter: fc.constantFrom("none" as const, "full" as const, "equal" as const),
      aimd: fc.option(fc.record({ decrease_factor: fc.constantFrom(0.5, 0.75, 0.9), increase_after: fc.integer({ min: 1, max: 10 }), block_ms: fc.integer({ min: 0, max: 3000 }) }), { nil: undefined }),
      pacing: fc.option(fc.record({ from_headers: fc.boolean(), margin: fc.constantFrom(0, 0.1, 0.3), requests_per_minute: fc.integer({ min: 10, max: 600 }) }), { nil: undefined }),
      circuit_breaker: fc.option(
        fc.record(
          {
            window: fc.integer({ min: 2, max: 20 }),
            failure_rate: fc.constantFrom(0.2, 0.5, 1),
            consecutive_failures: fc.integer({ min: 1, max: 5 }),
            open_ms: fc.integer({ min: 100, max: 10_000 }),
            probes: fc.integer({ min: 1, max: 4 }),
            when_open: fc.constantFrom("fail" as const, "wait" as const),
            count_rate_limits: fc.boolean(),
          },
          { requiredKeys: ["window", "failure_rate", "open_ms", "probes", "when_open", "count_rate_limits"] },
        ),
        { nil: undefined },
      ),
      retry_budget: fc.option(fc.record({ ratio: fc.constantFrom(0, 0.1, 0.5), min_per_second: fc.constantFrom(0, 0.5, 2), window_ms: fc.integer({ min: 1000, max: 20_000 }) }), { nil: undefined }),
    })
    .map((choice) => Object.fromEntries(Object.entries(choice).filter(([, value]) => value !== undefined)) as unknown as RateControlChoice),
} satisfies { [Axis in (typeof VARIATION_AXES)[number]]: fc.Arbitrary<NonNullable<Variation[Axis]>> };

/**
 * Each axis present in half the cases, independently (so a case varies about six, and the
 * combinations are spread evenly); shrinking removes axes and moves numbers toward the mildest.
 */
export const variation: fc.Arbitrary<Variation> = fc
  .record(Object.fromEntries(VARIATION_AXES.map((axis) => [axis, fc.option(axes[axis] as fc.Arbitrary<unknown>, { freq: 2, nil: undefined })])))
  .map((drawn) => Object.fromEntries(Object.entries(drawn).filter(([, value]) => value !== undefined)) as Variation);

/** The base scenario and policy with the variation's axes applied. */
export function applyVariation(base: Scenario, basePolicy: PolicySpec, vary: Variation): { scenario: Scenario; policy: PolicySpec } {
  const tenants = [...new Set(base.templates.map((template) => template.tenant))];
  const modes = [...new Set(base.templates.map((template) => template.mode))];
  const perTenant = (limit: number): Record<string, number> => Object.fromEntries(tenants.map((tenant) => [tenant, limit]));
  const rarest = base.templates.reduce((chosen, template) => (template.weight < chosen.weight ? template : chosen));
  const scenario: Scenario = {
    ...base,
    arrivals: vary.load === undefined || base.arrivals === undefined ? base.arrivals : { ...base.arrivals, ratePerSecond: base.arrivals.ratePerSecond * vary.load },
    traces: base.traces.map((trace) => (vary.load === undefined ? trace : { ...trace, rateScale: trace.rateScale * vary.load })),
    providers: base.providers.map((provider) =>
      vary.provider_cap === undefined ? provider : { ...provider, maxConcurrent: Math.min(provider.maxConcurrent, vary.provider_cap) },
    ),
    templates: base.templates.map((template) => ({
      ...template,
      shape: vary.shape ?? template.shape,
      callsPerTask: vary.calls_per_task ?? template.callsPerTask,
      resources: vary.impossible_demand === true && template === rarest ? { ...template.resources, [IMPOSSIBLE_RESOURCE]: 2 } : template.resources,
    })),
    resources: vary.impossible_demand === true ? { ...base.resources, [IMPOSSIBLE_RESOURCE]: 1 } : base.resources,
    workers: vary.spawn_ms === undefined ? base.workers : { ...base.workers, spawnMs: { kind: "uniform", min: 0, max: vary.spawn_ms } },
  };
  const failure = vary.failure === undefined ? undefined : failureOf(vary.failure);
  const policy: PolicySpec = {
    ...basePolicy,
    globalMaxConcurrent: vary.global_cap ?? basePolicy.globalMaxConcurrent,
    projectLimits: vary.project_cap === undefined ? basePolicy.projectLimits : perTenant(vary.project_cap),
    projectMentionLimits: vary.project_cap === undefined ? basePolicy.projectMentionLimits : perTenant(vary.project_cap),
    modeLimits: vary.mode_cap === undefined ? basePolicy.modeLimits : Object.fromEntries(modes.map((mode) => [mode, vary.mode_cap])),
    taskFailure: failure === undefined ? basePolicy.taskFailure : { ...basePolicy.taskFailure, strategy: failure.strategy, maxRetries: Math.max(basePolicy.taskFailure.maxRetries, 2) },
    ask: failure?.answer === undefined ? basePolicy.ask : { answer: failure.answer, afterMs: 2000 },
    taskTimeoutMs: vary.task_timeout_ms ?? basePolicy.taskTimeoutMs,
    salvageTransient: vary.salvage ?? basePolicy.salvageTransient,
    tokenBudget: vary.token_budget === undefined ? basePolicy.tokenBudget : { tokensPerTask: vary.token_budget, enforcement: "hard" },
    queue: vary.queue === undefined ? basePolicy.queue : queueSpecOf(vary.queue, vary.global_cap ?? basePolicy.globalMaxConcurrent),
    yieldBetweenCalls: vary.queue?.yield_between_calls ?? basePolicy.yieldBetweenCalls,
    ...(vary.rate_control === undefined ? {} : rateControlOf(vary.rate_control, basePolicy, scenario)),
  };
  return { scenario, policy };
}

/** The policy's retry and rate_control as the rate_control axis sets them, through the scenario schema's own parser. */
function rateControlOf(choice: RateControlChoice, policy: PolicySpec, scenario: Scenario): Pick<PolicySpec, "retry" | "rateControl"> {
  const { pacing, circuit_breaker: breaker } = choice;
  const file = rateControlSchema.parse({
    ...(choice.aimd === undefined ? {} : { aimd: choice.aimd }),
    ...(pacing === undefined
      ? {}
      : {
          pacing: {
            from_headers: pacing.from_headers,
            margin: pacing.margin,
            limits: Object.fromEntries(scenario.providers.map((provider) => [provider.name, { requests_per_minute: pacing.requests_per_minute }])),
          },
        }),
    ...(breaker === undefined ? {} : { circuit_breaker: { ...breaker, minimum_calls: breaker.window } }),
    ...(choice.retry_budget === undefined ? {} : { retry_budget: choice.retry_budget }),
  });
  return { retry: { ...policy.retry, onRateLimit: choice.on_rate_limit, jitter: choice.jitter }, rateControl: file };
}

/** A kind with its default options; share-based kinds without a global cap to divide get a capacity of their own. */
function queueSpecOf(choice: QueueChoice, globalCap: number | undefined): QueueSpec {
  const definition = queueKind(choice.kind) ?? assertionFailed(`queue kind ${choice.kind} is not registered`);
  const ownCapacity = definition.needsCapacity && globalCap === undefined ? { capacity: 8 } : {};
  const options = definition.schema.parse({ kind: choice.kind, group_by: choice.group_by, ...ownCapacity });
  return { kind: choice.kind, groupBy: choice.group_by, options };
}

function failureOf(choice: FailureChoice): { strategy: FailureStrategy; answer?: "resume" | "cancel" } {
  switch (choice) {
    case "ask_resume":
      return { strategy: "ask", answer: "resume" };
    case "ask_cancel":
      return { strategy: "ask", answer: "cancel" };
    default:
      return { strategy: choice };
  }
}

/** Checks a variation read back from JSON (a `--replay` argument): the first problem, or undefined. */
export function variationProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return `expected an object, got ${JSON.stringify(value)}`;
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    if (!(VARIATION_AXES as readonly string[]).includes(key)) return `${key}: unknown axis (have: ${VARIATION_AXES.join(", ")})`;
    const problem = axisProblem(key as keyof Variation, entry);
    if (problem !== undefined) return `${key}: ${problem}`;
  }
  return undefined;
}

function axisProblem(key: keyof Variation, value: unknown): string | undefined {
  const integer = (min: number): string | undefined =>
    Number.isSafeInteger(value) && (value as number) >= min ? undefined : `expected an integer ≥ ${min}, got ${JSON.stringify(value)}`;
  switch (key) {
    case "provider_cap":
    case "global_cap":
    case "project_cap":
    case "mode_cap":
    case "calls_per_task":
    case "task_timeout_ms":
    case "token_budget":
    case "spawn_ms":
      return integer(1);
    case "load":
      return typeof value === "number" && Number.isFinite(value) && value > 0 ? undefined : `expected a positive number, got ${JSON.stringify(value)}`;
    case "salvage":
    case "impossible_demand":
      return typeof value === "boolean" ? undefined : `expected true or false, got ${JSON.stringify(value)}`;
    case "failure":
      return (FAILURE_CHOICES as readonly unknown[]).includes(value)
        ? undefined
        : `expected ${FAILURE_CHOICES.slice(0, -1).join(", ")} or ${FAILURE_CHOICES.at(-1)}, got ${JSON.stringify(value)}`;
    case "shape":
      return shapeProblem(value);
    case "queue":
      return queueProblem(value);
    case "rate_control": {
      const parsed = rateControlChoice.safeParse(value);
      if (parsed.success) return undefined;
      const issue = parsed.error.issues[0];
      return `${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"} (got ${JSON.stringify(value)})`;
    }
  }
}

function queueProblem(value: unknown): string | undefined {
  const choice = value as Partial<QueueChoice> | null;
  const got = JSON.stringify(value);
  const kinds = QUEUE_KINDS.map((definition) => definition.kind);
  if (typeof choice !== "object" || choice === null || Object.keys(choice).length !== 3) {
    return `expected {"kind": ..., "group_by": ..., "yield_between_calls": ...}, got ${got}`;
  }
  if (!kinds.includes(choice.kind as string)) return `kind: expected one of ${kinds.join(", ")}, got ${JSON.stringify(choice.kind)}`;
  if (!(GROUP_BY as readonly unknown[]).includes(choice.group_by)) return `group_by: expected one of ${GROUP_BY.join(", ")}, got ${JSON.stringify(choice.group_by)}`;
  if (typeof choice.yield_between_calls !== "boolean") return `yield_between_calls: expected true or false, got ${JSON.stringify(choice.yield_between_calls)}`;
  return undefined;
}

function shapeProblem(value: unknown): string | undefined {
  const shape = value as { kind?: unknown; length?: unknown; width?: unknown } | null;
  const got = JSON.stringify(value);
  if (typeof shape !== "object" || shape === null) return `expected {"kind": ...}, got ${got}`;
  if (shape.kind === "single" && Object.keys(shape).length === 1) return undefined;
  if (shape.kind === "chain" && Number.isSafeInteger(shape.length) && (shape.length as number) >= 1 && Object.keys(shape).length === 2) return undefined;
  if (shape.kind === "fanout" && Number.isSafeInteger(shape.width) && (shape.width as number) >= 1 && Object.keys(shape).length === 2) return undefined;
  return `expected {"kind": "single"}, {"kind": "chain", "length": N} or {"kind": "fanout", "width": N}, got ${got}`;
}
