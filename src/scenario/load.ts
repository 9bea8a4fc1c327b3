// Reading a scenario file: JSON parse, schema validation, cross-references, defaults. Every problem a user
// can cause becomes a ScenarioError naming the file, the path to the bad value and what is wrong with it.

import { readFileSync } from "node:fs";
import { type ParseError, parse as parseTolerant, printParseErrorCode } from "jsonc-parser";
import type { z } from "zod";
import type { DistributionSpec } from "../sim/distributions.ts";
import { queueKind } from "../policies/queues/registry.ts";
import { providersNamedIn } from "../policies/rate-control/rate-control.ts";
import { type ScenarioFile, scenarioSchema } from "./schema.ts";
import type { JobTemplate, PolicySpec, ProviderSpec, Scenario } from "./types.ts";

export class ScenarioError extends Error {
  override name = "ScenarioError";
  constructor(
    readonly file: string,
    /** Path to the bad value, e.g. `providers[0].max_concurrent`; empty for the whole file. */
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${file}: ${path === "" ? "" : `${path}: `}${problem}`);
  }
}

export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory, not a scenario file" : `cannot be read (${code ?? String(error)})`;
    throw new ScenarioError(file, "", problem);
  }
  return parseScenario(text, file);
}

export function parseScenario(text: string, file: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ScenarioError(file, "", `not valid JSON: ${describeJsonError(text)}`);
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    throw new ScenarioError(file, formatPath(issue.path), describeIssue(issue, raw));
  }
  return normalize(parsed.data, file);
}

function normalize(data: ScenarioFile, file: string): Scenario {
  const fail = (path: string, problem: string): never => {
    throw new ScenarioError(file, path, problem);
  };
  requireUnique(data.providers.map((provider) => provider.name), "providers", fail);
  requireUnique(data.templates.map((template) => template.name), "templates", fail);
  requireUnique(data.policies.map((policy) => policy.name), "policies", fail);

  const providers: ProviderSpec[] = data.providers.map((provider) => ({
    name: provider.name,
    maxConcurrent: provider.max_concurrent,
    rateLimit: {
      mode: provider.rate_limit.mode,
      requestsPerMinute: provider.rate_limit.requests_per_minute,
      tokensPerMinute: provider.rate_limit.tokens_per_minute,
      windowMs: provider.rate_limit.window_ms,
    },
    latency: {
      timeToFirstTokenMs: provider.latency.time_to_first_token_ms,
      decodeTokensPerSecond: provider.latency.decode_tokens_per_second,
    },
    rejectLatencyMs: provider.reject_latency_ms,
    errorRate: provider.error_rate,
    timeoutRate: provider.timeout_rate,
    timeoutMs: provider.timeout_ms,
    outages: provider.outages.map((outage) => ({ startMs: outage.start_ms, endMs: outage.end_ms, status: outage.status })),
    latencySpikes: provider.latency_spikes.map((spike) => ({ startMs: spike.start_ms, endMs: spike.end_ms, factor: spike.factor })),
    pricePer1kInputTokens: provider.price_per_1k_input_tokens,
    pricePer1kOutputTokens: provider.price_per_1k_output_tokens,
  }));
  const providerNames = data.providers.map((provider) => provider.name);
  const requireProvider = (path: string, name: string): void => {
    if (!providerNames.includes(name)) fail(path, `no provider is named "${name}" (have: ${providerNames.join(", ")})`);
  };
  if (data.orchestrator_provider !== undefined) requireProvider("orchestrator_provider", data.orchestrator_provider);
  const declared = new Set(Object.keys(data.resources));
  for (const key of declared) {
    if (/^(global|provider:|mode:|project:)/.test(key)) fail(`resources.${key}`, "global, provider:, mode: and project: resources come from providers and policies; name it otherwise");
  }

  data.providers.forEach((provider, index) => {
    const decode = provider.latency.decode_tokens_per_second;
    if (lowerBound(decode) <= 0) {
      fail(`providers[${index}].latency.decode_tokens_per_second`, "can be zero; decode speed must stay above zero");
    }
  });

  const templates: JobTemplate[] = data.templates.map((template, index) => {
    const providerIndex = data.providers.findIndex((provider) => provider.name === template.provider);
    requireProvider(`templates[${index}].provider`, template.provider);
    for (const [role, name] of Object.entries(template.role_providers)) {
      if (name !== undefined) requireProvider(`templates[${index}].role_providers.${role}`, name);
    }
    for (const [key, amount] of Object.entries(template.resources)) {
      const limit = data.resources[key];
      if (limit === undefined) fail(`templates[${index}].resources.${key}`, `"${key}" is not declared in the scenario's resources`);
      else if (amount > limit) fail(`templates[${index}].resources.${key}`, `takes ${amount} but the limit is ${limit}: such tasks could never run`);
    }
    const tokensPerMinute = data.providers[providerIndex]?.rate_limit.tokens_per_minute;
    const largestRequest = upperBound(template.input_tokens) + template.max_output_tokens;
    if (tokensPerMinute !== undefined && Number.isFinite(largestRequest) && largestRequest > tokensPerMinute) {
      fail(
        `templates[${index}].max_output_tokens`,
        `requests of up to ${largestRequest} tokens (input + max output) can never pass providers[${providerIndex}].rate_limit.tokens_per_minute = ${tokensPerMinute}`,
      );
    }
    return {
      name: template.name,
      weight: template.weight,
      lane: template.lane,
      tenant: template.tenant,
      mode: template.mode,
      provider: template.provider,
      shape: template.shape,
      callsPerTask: template.calls_per_task,
      inputTokens: template.input_tokens,
      outputTokens: template.output_tokens,
      maxOutputTokens: template.max_output_tokens,
      roleProviders: definedOnly(template.role_providers),
      resources: template.resources,
    };
  });
  data.policies.forEach((policy, index) => {
    for (const { path, name } of providersNamedIn(policy.rate_control)) requireProvider(`policies[${index}].rate_control.${formatPath(path)}`, name);
    const needsCapacity = queueKind(policy.queue.kind)?.needsCapacity === true;
    if (needsCapacity && policy.queue.capacity === undefined && policy.global_max_concurrent === undefined) {
      fail(`policies[${index}].queue.capacity`, `a ${policy.queue.kind} queue divides a capacity: give queue.capacity or the policy's global_max_concurrent`);
    }
  });
  if (data.workers.stall_rate > 0) {
    data.policies.forEach((policy, index) => {
      if (policy.reap_after_ms === undefined && policy.task_timeout_ms === undefined) {
        fail(`policies[${index}]`, "workers.stall_rate > 0 needs reap_after_ms or task_timeout_ms, or stalled workers would hold their leases forever");
      }
    });
  }

  const policies: PolicySpec[] = data.policies.map((policy) => ({
    name: policy.name,
    description: policy.description,
    queue: { kind: policy.queue.kind, groupBy: policy.queue.group_by, options: policy.queue },
    yieldBetweenCalls: policy.yield_between_calls,
    admission: policy.admission,
    globalMaxConcurrent: policy.global_max_concurrent,
    modeLimits: definedOnly(policy.mode_limits),
    projectLimits: policy.project_limits,
    projectMentionLimits: policy.project_mention_limits,
    salvageTransient: policy.salvage_transient,
    taskFailure: {
      strategy: policy.task_failure.strategy,
      maxRetries: policy.task_failure.max_retries,
      backoffBaseMs: policy.task_failure.backoff_base_ms,
      backoffMaxMs: policy.task_failure.backoff_max_ms,
      jitter: policy.task_failure.jitter,
    },
    ask: { answer: policy.ask.answer, afterMs: policy.ask.after_ms },
    taskTimeoutMs: policy.task_timeout_ms,
    reapAfterMs: policy.reap_after_ms,
    rejectBackoff: { baseMs: policy.reject_backoff.base_ms, maxMs: policy.reject_backoff.max_ms },
    tokenBudget: policy.token_budget === undefined ? undefined : { tokensPerTask: policy.token_budget.tokens_per_task, enforcement: policy.token_budget.enforcement },
    retry: {
      maxAttempts: policy.retry.max_attempts,
      onRateLimit: policy.retry.on_rate_limit,
      fixedDelayMs: policy.retry.fixed_delay_ms,
      errorBackoffBaseMs: policy.retry.error_backoff_base_ms,
      errorBackoffMaxMs: policy.retry.error_backoff_max_ms,
      backoffMultiplier: policy.retry.backoff_multiplier,
      jitter: policy.retry.jitter,
    },
    rateControl: policy.rate_control,
  }));

  return {
    name: data.name,
    description: data.description,
    seed: data.seed,
    seeds: data.seeds,
    stop: { jobs: data.stop.jobs, durationMs: data.stop.duration_ms },
    arrivals: { process: data.arrivals.process, ratePerSecond: data.arrivals.rate_per_second },
    providers,
    templates,
    workers: {
      spawnMs: data.workers.spawn_ms,
      stopMs: data.workers.stop_ms,
      spawnFailureRate: data.workers.spawn_failure_rate,
      stallRate: data.workers.stall_rate,
      crashRate: data.workers.crash_rate,
    },
    faults: {
      jobCancelRate: data.faults.job_cancel_rate,
      cancelAfterMs: data.faults.cancel_after_ms,
      staleSelectionRate: data.faults.stale_selection_rate,
    },
    shutdown: data.shutdown === undefined ? undefined : { atMs: data.shutdown.at_ms, mode: data.shutdown.mode },
    resources: data.resources,
    orchestratorProvider: data.orchestrator_provider,
    policies,
    limits: { maxEvents: data.limits.max_events },
  };
}

/** Drops keys whose value is undefined (optional fields the file left out). */
function definedOnly<T>(record: Readonly<Record<string, T | undefined>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter((entry): entry is [string, T] => entry[1] !== undefined));
}

function requireUnique(names: string[], list: string, fail: (path: string, problem: string) => never): void {
  const seen = new Map<string, number>();
  names.forEach((name, index) => {
    const first = seen.get(name);
    if (first !== undefined) fail(`${list}[${index}].name`, `"${name}" is already the name of ${list}[${first}]`);
    seen.set(name, index);
  });
}

/** The largest value a distribution can draw (Infinity for unbounded ones). */
function upperBound(spec: DistributionSpec): number {
  switch (spec.kind) {
    case "constant":
      return spec.value;
    case "uniform":
      return spec.max;
    case "empirical":
      return Math.max(...spec.values);
    default:
      return Infinity;
  }
}

/** The smallest value a distribution can draw. */
function lowerBound(spec: DistributionSpec): number {
  switch (spec.kind) {
    case "constant":
      return spec.value;
    case "uniform":
      return spec.min;
    case "empirical":
      return Math.min(...spec.values.filter((_, index) => (spec.weights?.[index] ?? 1) > 0));
    default:
      // Exponential and lognormal draws are positive with probability one.
      return Number.MIN_VALUE;
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += text === "" ? String(part) : `.${String(part)}`;
  }
  return text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const part of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((key) => `"${key}"`).join(", ");
    return `unknown field${issue.keys.length > 1 ? "s" : ""} ${keys}`;
  }
  const value = valueAt(raw, issue.path);
  if (value === undefined) return issue.code === "invalid_type" ? `missing (${issue.message.toLowerCase()})` : issue.message;
  return `${issue.message} (got ${JSON.stringify(value)?.slice(0, 80)})`;
}

const JSON_PROBLEMS: Readonly<Record<string, string>> = {
  InvalidSymbol: "unexpected character",
  InvalidNumberFormat: "malformed number",
  PropertyNameExpected: "expected a property name in double quotes",
  ValueExpected: "expected a value",
  ColonExpected: "expected ':'",
  CommaExpected: "expected ','",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: "unexpected text after the end of the JSON value",
  InvalidCommentToken: "comments are not allowed",
  UnexpectedEndOfComment: "comments are not allowed",
  UnexpectedEndOfString: "unterminated string",
  UnexpectedEndOfNumber: "malformed number",
  InvalidUnicode: "invalid unicode escape",
  InvalidEscapeCharacter: "invalid escape character",
  InvalidCharacter: "invalid character in a string",
};

/**
 * Where and what the first syntax error is, in one line. Node's JSON.parse messages often give no position
 * and quote the text around the error, newlines included; a tolerant parser reports an exact offset.
 */
function describeJsonError(text: string): string {
  if (text.trim() === "") return "the file is empty";
  const errors: ParseError[] = [];
  parseTolerant(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first === undefined) return "the file is not a JSON value";
  const code = printParseErrorCode(first.error);
  const before = text.slice(0, first.offset);
  const line = before.split("\n").length;
  const column = first.offset - before.lastIndexOf("\n");
  const atEnd = text.slice(first.offset).trim() === "";
  const problem = atEnd && code !== "EndOfFileExpected" ? "the file ends too early" : (JSON_PROBLEMS[code] ?? code);
  return `${problem} at line ${line}, column ${column}`;
}
