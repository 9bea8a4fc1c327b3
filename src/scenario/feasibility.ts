// Settings that can never work, found before a run: a decode speed that can be zero, a request larger than
// its provider's tokens per minute (which fails at once and is never retried), a share-based queue with
// nothing to share, and stalled workers that nothing would ever reap.

import { queueKind } from "../policies/queues/registry.ts";
import { HIGH_QUANTILE, exceedance, isBounded, lowerBound, practicalMaximum } from "./distribution-stats.ts";
import type { Indexed, ProviderFile, ScenarioParts, TemplateFile } from "./parts.ts";
import type { Problem } from "./problems.ts";
import { type TaskRole, taskGraph } from "../sim/workload.ts";

export function feasibilityProblems(parts: ScenarioParts): Problem[] {
  return [...decodeSpeeds(parts), ...tokenFits(parts), ...queueCapacities(parts), ...reapers(parts)];
}

function decodeSpeeds(parts: ScenarioParts): Problem[] {
  return parts.providers
    .filter(({ value }) => lowerBound(value.latency.decode_tokens_per_second) <= 0)
    .map(({ index }) => ({ path: `providers[${index}].latency.decode_tokens_per_second`, message: "can be zero; decode speed must stay above zero" }));
}

/**
 * Each request is charged its input plus max_output_tokens up front; one that exceeds the provider's tokens per
 * minute can never pass. Checked for every provider a template's tasks use (role providers and the
 * orchestrator's plan and aggregate included), at the input's maximum, or its P99.9 when it has none.
 */
function tokenFits(parts: ScenarioParts): Problem[] {
  const problems: Problem[] = [];
  for (const template of parts.templates) {
    const checked = new Set<number>();
    // Plan and aggregate tasks go to the scenario's orchestrator provider or to a policy's own.
    const orchestrators = new Set([parts.orchestratorProvider, ...parts.policies.map((policy) => policy.value.orchestrator_provider).filter((name) => name !== undefined)]);
    for (const role of new Set(taskGraph(template.value.shape).map((node) => node.role))) {
      for (const orchestrator of orchestrators) {
        const provider = providerOf(parts, template.value, role, orchestrator);
        if (provider === undefined || checked.has(provider.index)) continue;
        checked.add(provider.index);
        const problem = tokenFit(template, provider, role);
        if (problem !== undefined) problems.push(problem);
      }
    }
  }
  return problems;
}

function tokenFit(template: Indexed<TemplateFile>, provider: Indexed<ProviderFile>, role: TaskRole): Problem | undefined {
  const limit = provider.value.rate_limit.tokens_per_minute;
  if (limit === undefined) return undefined;
  const input = template.value.input_tokens;
  const maxOutput = template.value.max_output_tokens;
  const largest = Math.ceil(practicalMaximum(input)) + maxOutput;
  if (!(largest > limit)) return undefined;
  const limitPath = `providers[${provider.index}].rate_limit.tokens_per_minute = ${limit}`;
  const routed = role === "call" || provider.value.name === template.value.provider ? "" : ` (its ${role} tasks go to ${provider.value.name})`;
  const path = `templates[${template.index}].max_output_tokens`;
  if (isBounded(input)) {
    return { path, message: `requests of up to ${largest} tokens (input + max output) can never pass ${limitPath}${routed}` };
  }
  const failing = exceedance(input, limit - maxOutput);
  return {
    path,
    message:
      `requests of ${largest} tokens (input_tokens at its P${HIGH_QUANTILE * 100}, a ${input.kind} has no maximum, + max output) can never pass ${limitPath}${routed}: ` +
      `${percent(failing)} of them would fail`,
  };
}

/** The provider a task of this role is sent to: role_providers, then the orchestrator (plan, aggregate), then the template's. */
function providerOf(parts: ScenarioParts, template: TemplateFile, role: TaskRole, orchestrator: string | undefined): Indexed<ProviderFile> | undefined {
  const orchestrating = role === "plan" || role === "aggregate";
  const name = template.role_providers[role] ?? (orchestrating ? orchestrator : undefined) ?? template.provider;
  return parts.providers.find((provider) => provider.value.name === name);
}

function queueCapacities(parts: ScenarioParts): Problem[] {
  return parts.policies
    .filter(({ value }) => queueKind(value.queue.kind)?.needsCapacity === true && value.queue.capacity === undefined && value.global_max_concurrent === undefined)
    .map(({ index, value }) => ({
      path: `policies[${index}].queue.capacity`,
      message: `a ${value.queue.kind} queue divides a capacity: give queue.capacity or the policy's global_max_concurrent`,
    }));
}

function reapers(parts: ScenarioParts): Problem[] {
  if ((parts.workers?.stall_rate ?? 0) === 0) return [];
  return parts.policies
    .filter(({ value }) => value.reap_after_ms === undefined && value.task_timeout_ms === undefined)
    .map(({ index }) => ({ path: `policies[${index}]`, message: "workers.stall_rate > 0 needs reap_after_ms or task_timeout_ms, or stalled workers would hold their leases forever" }));
}

function percent(fraction: number): string {
  if (fraction >= 0.995) return "all";
  if (fraction < 0.001) return "fewer than 0.1%";
  return `about ${(fraction * 100).toPrecision(2)}%`;
}

