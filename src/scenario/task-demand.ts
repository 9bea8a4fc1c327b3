// What the jobs of a scenario ask of each provider, per kind of task: how many such tasks a second brings,
// how many requests each makes and how long each holds its lease. The expected values behind the loader's
// load and reaping warnings; they describe the file, not a run, so they never consult a random stream.

import type { TaskRole } from "../sim/workload.ts";
import { taskGraph } from "../sim/workload.ts";
import { expectation } from "./distribution-stats.ts";
import type { JobTemplate, ProviderSpec, Scenario } from "./types.ts";

/** Tasks of one role of one template, sent to one provider. */
export interface TaskDemand {
  readonly template: JobTemplate;
  readonly role: TaskRole;
  readonly provider: ProviderSpec;
  /** Index of the provider in the scenario's list, for paths. */
  readonly providerIndex: number;
  /** Such tasks arriving per second, on average. */
  readonly tasksPerSecond: number;
  /** Requests each task makes (first attempts). */
  readonly callsPerTask: number;
  /** Mean tokens charged per request: input plus max output, charged up front. */
  readonly chargedTokensPerRequest: number;
  /** Mean time one request takes: time to first token, then the output actually produced at the decode speed. */
  readonly requestMs: number;
  /** Mean time a task holds its lease: spawn, its requests, stop. */
  readonly leaseMs: number;
}

export function taskDemands(scenario: Scenario): TaskDemand[] {
  const drawn = scenario.arrivals?.templates;
  const synthetic = (template: JobTemplate): boolean => drawn === undefined || drawn.includes(template.name);
  const totalWeight = scenario.templates.filter(synthetic).reduce((sum, template) => sum + template.weight, 0);
  const spawnMs = expectation(scenario.workers.spawnMs, (x) => x);
  const stopMs = expectation(scenario.workers.stopMs, (x) => x);
  const demands: TaskDemand[] = [];
  for (const template of scenario.templates) {
    // Synthetic arrivals only: a trace's load is what it is, and is not estimated here.
    const jobsPerSecond = synthetic(template) ? ((scenario.arrivals?.ratePerSecond ?? 0) * template.weight) / totalWeight : 0;
    const tasksByRole = new Map<TaskRole, number>();
    for (const node of taskGraph(template.shape)) tasksByRole.set(node.role, (tasksByRole.get(node.role) ?? 0) + 1);
    const inputTokens = expectation(template.inputTokens, (x) => Math.max(1, Math.round(x)));
    for (const [role, tasks] of tasksByRole) {
      const providerIndex = scenario.providers.findIndex((provider) => provider.name === providerForRole(scenario, template, role));
      const provider = scenario.providers[providerIndex];
      if (provider === undefined) continue;
      const requestMs = meanRequestMs(provider, template);
      demands.push({
        template,
        role,
        provider,
        providerIndex,
        tasksPerSecond: jobsPerSecond * tasks,
        callsPerTask: template.callsPerTask,
        chargedTokensPerRequest: inputTokens + template.maxOutputTokens,
        requestMs,
        leaseMs: spawnMs + template.callsPerTask * requestMs + stopMs,
      });
    }
  }
  return demands;
}

/** The fallback chain of src/sim/simulation.ts: role_providers, then the orchestrator (plan, aggregate), then the template's. */
export function providerForRole(scenario: Scenario, template: JobTemplate, role: TaskRole): string {
  const orchestrating = role === "plan" || role === "aggregate";
  return template.roleProviders[role] ?? (orchestrating ? scenario.orchestratorProvider : undefined) ?? template.provider;
}

/** E[time to first token] + E[min(output, max output)] × E[1 / decode speed], at most the timeout. */
function meanRequestMs(provider: ProviderSpec, template: JobTemplate): number {
  const firstTokenMs = expectation(provider.latency.timeToFirstTokenMs, (x) => x);
  const producedTokens = expectation(template.outputTokens, (x) => Math.min(Math.max(0, Math.round(x)), template.maxOutputTokens));
  const secondsPerToken = expectation(provider.latency.decodeTokensPerSecond, (x) => 1 / x);
  return Math.min(provider.timeoutMs, firstTokenMs + producedTokens * secondsPerToken * 1000);
}
