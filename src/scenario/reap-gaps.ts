// Warns when a policy's reaper would stop workers that are working. A worker reports progress when a request
// starts and when it finishes; the reaper stops one silent for reap_after_ms (release reason `reaped`). So the
// longest silence of a healthy worker is the longest request it can make, or the longest wait before a retry.
// A request lasts at most timeout_ms; below that, bounded latencies count by their maximum and unbounded ones
// by their P99.9 (distribution-stats.ts), slowed by the provider's worst latency spike.

import { HIGH_QUANTILE, LOW_QUANTILE, isBounded, practicalMaximum, practicalMinimum } from "./distribution-stats.ts";
import { type Problem, amount, quote } from "./problems.ts";
import { taskDemands } from "./task-demand.ts";
import type { JobTemplate, PolicySpec, ProviderSpec, Scenario } from "./types.ts";

interface Gap {
  readonly ms: number;
  readonly cause: string;
}

export function reapWarnings(scenario: Scenario): Problem[] {
  const warnings: Problem[] = [];
  scenario.policies.forEach((policy, index) => {
    const reapAfterMs = policy.reapAfterMs;
    if (reapAfterMs === undefined) return;
    const gap = longestGap(scenario, policy);
    if (gap === undefined || gap.ms <= reapAfterMs) return;
    warnings.push({
      path: `policies[${index}].reap_after_ms`,
      message:
        `${policy.name}: ${reapAfterMs} ms is shorter than a working worker's longest silence, about ${amount(gap.ms)} ms (${gap.cause}); ` +
        "workers that have not stalled will be reaped (counted as false_reaps in the summary)",
    });
  });
  return warnings;
}

/** The longest time a healthy worker of this policy can go without reporting progress. */
export function longestGap(scenario: Scenario, policy: PolicySpec): Gap | undefined {
  let longest: Gap | undefined;
  const consider = (gap: Gap): void => {
    if (longest === undefined || gap.ms > longest.ms) longest = gap;
  };
  for (const demand of taskDemands(scenario)) {
    consider(longestRequest(demand.provider, demand.template));
    for (const gap of retryWaits(demand.provider, policy)) consider(gap);
  }
  return longest;
}

function longestRequest(provider: ProviderSpec, template: JobTemplate): Gap {
  const spike = provider.latencySpikes.reduce((factor, window) => Math.max(factor, window.factor), 1);
  const firstTokenMs = practicalMaximum(provider.latency.timeToFirstTokenMs) * spike;
  const outputTokens = Math.min(template.maxOutputTokens, practicalMaximum(template.outputTokens));
  const decodeMs = (outputTokens * 1000) / practicalMinimum(provider.latency.decodeTokensPerSecond);
  const bounded = [provider.latency.timeToFirstTokenMs, provider.latency.decodeTokensPerSecond, template.outputTokens].every(isBounded);
  const how = bounded ? "at its slowest" : `with unbounded latencies and sizes at their P${HIGH_QUANTILE * 100} (a decode speed at its P${LOW_QUANTILE * 100})`;
  const request = `a request of template ${quote(template.name)} to ${provider.name}`;
  const ms = firstTokenMs + decodeMs;
  if (ms >= provider.timeoutMs) return { ms: provider.timeoutMs, cause: `${request}, which can run until timeout_ms` };
  return { ms, cause: `${request} ${how}` };
}

/** Waits between a failed attempt and the next, which the worker spends without progress. */
function retryWaits(provider: ProviderSpec, policy: PolicySpec): Gap[] {
  const gaps: Gap[] = [];
  const retry = policy.retry;
  if (retry.maxAttempts < 2) return gaps;
  const { mode, requestsPerMinute, tokensPerMinute, windowMs } = provider.rateLimit;
  if (mode !== "none" && (requestsPerMinute !== undefined || tokensPerMinute !== undefined)) {
    // A 429's retry-after: up to the next window of a fixed window, up to a minute's refill of a token bucket.
    const retryAfterMs = mode === "fixed_window" ? windowMs : 60_000;
    const waitMs = retry.onRateLimit === "fixed" ? retry.fixedDelayMs : retryAfterMs;
    gaps.push({ ms: waitMs, cause: `waiting out a 429 from ${provider.name} (${retry.onRateLimit === "fixed" ? "retry.fixed_delay_ms" : `retry-after, ${mode}`})` });
  }
  const canFail = provider.errorRate > 0 || provider.timeoutRate > 0 || provider.outages.length > 0;
  if (canFail) {
    const backoffMs = Math.min(retry.errorBackoffMaxMs, retry.errorBackoffBaseMs * 2 ** (retry.maxAttempts - 2));
    gaps.push({ ms: backoffMs, cause: `backing off after an error from ${provider.name}` });
  }
  return gaps;
}
