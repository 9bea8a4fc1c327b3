// Reading a scenario file: JSON parse, schema validation, cross-references, defaults. Every problem a user
// can cause becomes a ScenarioError naming the file, the path to the bad value and what is wrong with it.

import { readFileSync } from "node:fs";
import type { z } from "zod";
import type { DistributionSpec } from "../sim/distributions.ts";
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
  } catch (error) {
    throw new ScenarioError(file, "", `not valid JSON: ${describeJsonError(text, error as Error)}`);
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
  }));

  data.providers.forEach((provider, index) => {
    const decode = provider.latency.decode_tokens_per_second;
    if (lowerBound(decode) <= 0) {
      fail(`providers[${index}].latency.decode_tokens_per_second`, "can be zero; decode speed must stay above zero");
    }
  });

  const templates: JobTemplate[] = data.templates.map((template, index) => {
    const providerIndex = data.providers.findIndex((provider) => provider.name === template.provider);
    if (providerIndex < 0) {
      fail(`templates[${index}].provider`, `no provider is named "${template.provider}" (have: ${data.providers.map((p) => p.name).join(", ")})`);
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
    };
  });

  const policies: PolicySpec[] = data.policies.map((policy) => ({
    name: policy.name,
    description: policy.description,
    queue: policy.queue,
    admission: policy.admission,
    globalMaxConcurrent: policy.global_max_concurrent,
    retry: {
      maxAttempts: policy.retry.max_attempts,
      onRateLimit: policy.retry.on_rate_limit,
      fixedDelayMs: policy.retry.fixed_delay_ms,
      errorBackoffBaseMs: policy.retry.error_backoff_base_ms,
      errorBackoffMaxMs: policy.retry.error_backoff_max_ms,
    },
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
    workers: { spawnMs: data.workers.spawn_ms },
    policies,
    limits: { maxEvents: data.limits.max_events },
  };
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

function describeJsonError(text: string, error: Error): string {
  const match = /position (\d+)/.exec(error.message);
  if (match === null) return error.message;
  const position = Number(match[1]);
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  return `${error.message.replace(/ in JSON at position \d+.*$/, "")} at line ${line}, column ${column}`;
}
