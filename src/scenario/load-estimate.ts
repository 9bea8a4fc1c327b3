// Warns when a scenario offers a resource more work than it can do: the backlog then grows for the whole
// run, and every latency figure measures the length of the run rather than the policy. Offered load is
// estimated from expected values (task-demand.ts): for a concurrency cap, the slots kept busy by Little's law
// (tasks per second × mean lease time); for requests and tokens per minute, the rate of first attempts. Retries,
// 429 waits and queueing only add to it, so an estimate above 1 is an overload for certain.

import { type Problem, amount } from "./problems.ts";
import { type TaskDemand, taskDemands } from "./task-demand.ts";
import type { PolicySpec, Scenario } from "./types.ts";

/** Offered load above this fraction of capacity is reported: past 1 the backlog grows without bound. */
export const OVERLOAD_RATIO = 1;

interface Use {
  readonly offered: number;
  readonly capacity: number;
  readonly describe: (ratio: string) => string;
}

export function overloadWarnings(scenario: Scenario): Problem[] {
  const demands = taskDemands(scenario);
  const warnings: Problem[] = [];
  scenario.providers.forEach((provider, index) => {
    const own = demands.filter((demand) => demand.providerIndex === index);
    const worst = worstOf(providerUses(provider, own));
    if (worst !== undefined) warnings.push({ path: `providers[${index}]`, message: `${provider.name}: ${worst}` });
  });
  for (const [key, limit] of Object.entries(scenario.resources)) {
    const busy = slotsBusy(demands.filter((demand) => demand.template.resources[key] !== undefined), (demand) => demand.template.resources[key] ?? 0);
    const worst = worstOf([slotUse(busy, limit, `the limit ${limit}`)]);
    if (worst !== undefined) warnings.push({ path: `resources.${key}`, message: worst });
  }
  scenario.policies.forEach((policy, index) => {
    for (const [field, worst] of policyOverloads(policy, demands)) warnings.push({ path: `policies[${index}].${field}`, message: `${policy.name}: ${worst}` });
  });
  return warnings;
}

/** What a provider is offered, on average: slots kept busy, first attempts and tokens charged per minute. */
export interface ProviderLoad {
  readonly busySlots: number;
  readonly requestsPerMinute: number;
  readonly tokensPerMinute: number;
}

export function providerLoads(scenario: Scenario): ProviderLoad[] {
  const demands = taskDemands(scenario);
  return scenario.providers.map((_, index) => providerLoad(demands.filter((demand) => demand.providerIndex === index)));
}

function providerLoad(demands: readonly TaskDemand[]): ProviderLoad & { readonly busy: Busy } {
  const busy = slotsBusy(demands);
  return {
    busy,
    busySlots: busy.slots,
    requestsPerMinute: 60 * demands.reduce((sum, demand) => sum + demand.tasksPerSecond * demand.callsPerTask, 0),
    tokensPerMinute: 60 * demands.reduce((sum, demand) => sum + demand.tasksPerSecond * demand.callsPerTask * demand.chargedTokensPerRequest, 0),
  };
}

function providerUses(provider: Scenario["providers"][number], demands: readonly TaskDemand[]): Use[] {
  const load = providerLoad(demands);
  const uses = [slotUse(load.busy, provider.maxConcurrent, `its max_concurrent = ${provider.maxConcurrent} slots`)];
  const { requestsPerMinute, tokensPerMinute } = provider.rateLimit;
  if (provider.rateLimit.mode !== "none" && requestsPerMinute !== undefined) {
    uses.push({
      offered: load.requestsPerMinute,
      capacity: requestsPerMinute,
      describe: (ratio) => `offered about ${ratio} its requests_per_minute = ${amount(requestsPerMinute)}: ${amount(load.requestsPerMinute)} requests a minute (first attempts)`,
    });
  }
  if (provider.rateLimit.mode !== "none" && tokensPerMinute !== undefined) {
    uses.push({
      offered: load.tokensPerMinute,
      capacity: tokensPerMinute,
      describe: (ratio) =>
        `offered about ${ratio} its tokens_per_minute = ${amount(tokensPerMinute)}: ${amount(load.tokensPerMinute)} tokens a minute (input + max output, charged up front)`,
    });
  }
  return uses;
}

/** The global cap, mode limits and project limits of one policy. */
function policyOverloads(policy: PolicySpec, demands: readonly TaskDemand[]): [string, string][] {
  const found: [string, string][] = [];
  const check = (field: string, limit: number, uses: (demand: TaskDemand) => boolean): void => {
    const worst = worstOf([slotUse(slotsBusy(demands.filter(uses)), limit, `${field} = ${limit}`)]);
    if (worst !== undefined) found.push([field, worst]);
  };
  if (policy.globalMaxConcurrent !== undefined) check("global_max_concurrent", policy.globalMaxConcurrent, () => true);
  for (const [mode, limit] of Object.entries(policy.modeLimits)) check(`mode_limits.${mode}`, limit, (demand) => demand.template.mode === mode);
  for (const [tenant, limit] of Object.entries(policy.projectLimits)) check(`project_limits.${tenant}`, limit, (demand) => demand.template.tenant === tenant);
  for (const [tenant, limit] of Object.entries(policy.projectMentionLimits)) {
    check(`project_mention_limits.${tenant}`, limit, (demand) => demand.template.tenant === tenant && demand.template.mode === "mention");
  }
  return found;
}

interface Busy {
  readonly slots: number;
  readonly tasksPerSecond: number;
  readonly leaseMs: number;
}

/** Little's law: slots kept busy = arrival rate × mean holding time, summed over kinds of task. */
function slotsBusy(demands: readonly TaskDemand[], amountOf: (demand: TaskDemand) => number = () => 1): Busy {
  let slots = 0;
  let tasksPerSecond = 0;
  for (const demand of demands) {
    slots += demand.tasksPerSecond * (demand.leaseMs / 1000) * amountOf(demand);
    tasksPerSecond += demand.tasksPerSecond;
  }
  return { slots, tasksPerSecond, leaseMs: tasksPerSecond > 0 ? (slots * 1000) / tasksPerSecond : 0 };
}

function slotUse(busy: Busy, limit: number, what: string): Use {
  return {
    offered: busy.slots,
    capacity: limit,
    describe: (ratio) =>
      `offered about ${ratio} what ${what} can serve: ${amount(busy.tasksPerSecond)} tasks a second holding a lease about ${amount(busy.leaseMs / 1000)} s each ` +
      `would keep ${amount(busy.slots)} busy on average (Little's law)`,
  };
}

/** The most overloaded use, described, with the others over capacity named after it; undefined if none is. */
function worstOf(uses: readonly Use[]): string | undefined {
  const over = uses.filter((use) => use.offered > use.capacity * OVERLOAD_RATIO).sort((a, b) => b.offered / b.capacity - a.offered / a.capacity);
  const [worst, ...others] = over;
  if (worst === undefined) return undefined;
  const also = others.length === 0 ? "" : `; also over ${others.length === 1 ? "another limit" : `${others.length} other limits`}`;
  return `${worst.describe(ratioText(worst.offered / worst.capacity))}${also}; the backlog will grow for the whole run`;
}

function ratioText(ratio: number): string {
  return `${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(ratio >= 2 ? 1 : 2)}×`;
}
