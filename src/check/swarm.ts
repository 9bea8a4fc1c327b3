// Swarm testing of a scenario: each case is a seed plus a random subset of fault kinds laid over the scenario,
// run through the real policy and checked by the log properties, by determinism (the same case twice gives the
// same log), and against the ledger's own counts at the end. fast-check generates the cases and shrinks a
// failing one to a minimal fault set; a case is plain JSON, so `--replay` reruns exactly it.

import { createHash } from "node:crypto";
import fc from "fast-check";
import type { EventSink, LogEvent } from "../eventlog/events.ts";
import type { Clock } from "../policies/clock.ts";
import type { LeaseLedger } from "../policies/lease-ledger.ts";
import type { PolicySpec, ProviderSpec, Scenario } from "../scenario/types.ts";
import { simulate } from "../sim/simulation.ts";
import { LogChecker, type Violation } from "./log-properties.ts";

export const FAULT_KINDS = [
  "errors",
  "rate_limit_storm",
  "outage",
  "timeouts",
  "worker_stalls",
  "spawn_failures",
  "job_cancellations",
  "shutdown",
  "stale_selections",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface SwarmCase {
  readonly seed: number;
  readonly faults: Readonly<Record<FaultKind, boolean>>;
}

export interface CaseResult {
  readonly violations: readonly (Violation | { readonly property: "run_completes" | "reproducible"; readonly seq: -1; readonly message: string })[];
  readonly events: number;
  readonly hiddenWaiters: number;
  readonly releaseReasons: ReadonlySet<string>;
}

export interface SwarmOptions {
  /** Jobs per case at most: small cases shrink and replay fast. */
  readonly maxJobs: number;
  readonly createLedger?: ((limits: Readonly<Record<string, number>>, clock: Clock) => LeaseLedger) | undefined;
}

export const swarmCase: fc.Arbitrary<SwarmCase> = fc.record({
  seed: fc.nat({ max: 2 ** 31 - 1 }),
  faults: fc.record(Object.fromEntries(FAULT_KINDS.map((kind) => [kind, fc.boolean()])) as Record<FaultKind, fc.Arbitrary<boolean>>),
});

/** The scenario and policy of one case: the base with the case's faults switched on. */
export function withFaults(base: Scenario, policy: PolicySpec, swarm: SwarmCase, maxJobs: number): { scenario: Scenario; policy: PolicySpec } {
  const jobs = Math.min(base.stop.jobs ?? maxJobs, maxJobs);
  const horizonMs = (jobs * 1000) / base.arrivals.ratePerSecond;
  const on = swarm.faults;
  const providers = base.providers.map((provider): ProviderSpec => ({
    ...provider,
    errorRate: on.errors ? Math.max(provider.errorRate, 0.1) : provider.errorRate,
    timeoutRate: on.errors ? Math.max(provider.timeoutRate, 0.02) : provider.timeoutRate,
    rateLimit: on.rate_limit_storm
      ? { ...provider.rateLimit, mode: provider.rateLimit.mode === "none" ? "token_bucket" : provider.rateLimit.mode, requestsPerMinute: Math.min(provider.rateLimit.requestsPerMinute ?? Infinity, 30) }
      : provider.rateLimit,
    outages: [
      ...provider.outages,
      ...(on.outage ? [{ startMs: 0.2 * horizonMs, endMs: 0.3 * horizonMs, status: "error" as const }] : []),
      ...(on.timeouts ? [{ startMs: 0.5 * horizonMs, endMs: 0.55 * horizonMs, status: "timeout" as const }] : []),
    ],
  }));
  const scenario: Scenario = {
    ...base,
    stop: { jobs, durationMs: base.stop.durationMs },
    providers,
    workers: {
      ...base.workers,
      stopMs: on.worker_stalls || on.job_cancellations || on.shutdown ? { kind: "uniform", min: 0, max: 500 } : base.workers.stopMs,
      stallRate: on.worker_stalls ? Math.max(base.workers.stallRate, 0.05) : base.workers.stallRate,
      spawnFailureRate: on.spawn_failures ? Math.max(base.workers.spawnFailureRate, 0.05) : base.workers.spawnFailureRate,
    },
    faults: {
      jobCancelRate: on.job_cancellations ? Math.max(base.faults.jobCancelRate, 0.1) : base.faults.jobCancelRate,
      cancelAfterMs: on.job_cancellations ? { kind: "uniform", min: 0, max: 5000 } : base.faults.cancelAfterMs,
      staleSelectionRate: on.stale_selections ? Math.max(base.faults.staleSelectionRate, 0.05) : base.faults.staleSelectionRate,
    },
    shutdown: on.shutdown ? { atMs: 0.6 * horizonMs, mode: swarm.seed % 2 === 0 ? "cancel" : "drain" } : base.shutdown,
  };
  // A stalled worker needs something to find it, or it would hold its lease forever.
  const needsReaper = scenario.workers.stallRate > 0 && policy.reapAfterMs === undefined && policy.taskTimeoutMs === undefined;
  return { scenario, policy: needsReaper ? { ...policy, reapAfterMs: 30_000 } : policy };
}

export function runCase(base: Scenario, basePolicy: PolicySpec, swarm: SwarmCase, options: SwarmOptions): CaseResult {
  const { scenario, policy } = withFaults(base, basePolicy, swarm, options.maxJobs);
  const first = runChecked(scenario, policy, swarm.seed, options);
  if (first.violations.length > 0) return first;
  const second = runChecked(scenario, policy, swarm.seed, options);
  if (second.hash === first.hash) return first;
  return {
    ...first,
    violations: [{ property: "reproducible", seq: -1, message: `the same case gave two different event logs (${first.hash.slice(0, 12)} vs ${second.hash.slice(0, 12)})` }],
  };
}

function runChecked(scenario: Scenario, policy: PolicySpec, seed: number, options: SwarmOptions): CaseResult & { hash: string } {
  const checker = new LogChecker();
  const hasher = new HashingSink();
  const reasons = new ReasonsSink();
  const sinks: EventSink[] = [checker, hasher, reasons];
  let heldAtEnd: Readonly<Record<string, number>> = {};
  try {
    heldAtEnd = simulate({ scenario, policy, seed, sinks, createLedger: options.createLedger }).heldAtEnd;
  } catch (error) {
    const message = `${(error as Error).name}: ${(error as Error).message}`;
    return { violations: [{ property: "run_completes", seq: -1, message }], events: hasher.events, hiddenWaiters: checker.hiddenWaiters, releaseReasons: reasons.seen, hash: "" };
  }
  const violations: CaseResult["violations"][number][] = [...checker.violations()];
  for (const [resource, held] of Object.entries(heldAtEnd)) {
    if (Math.abs(held) > 1e-9) violations.push({ property: "nothing_held_at_end", seq: -1, message: `the ledger still holds ${held} of ${resource} at the end` });
  }
  return { violations, events: hasher.events, hiddenWaiters: checker.hiddenWaiters, releaseReasons: reasons.seen, hash: hasher.digest() };
}

class HashingSink implements EventSink {
  private readonly hash = createHash("sha256");
  events = 0;
  record(seq: number, timeMs: number, event: LogEvent): void {
    this.events += 1;
    this.hash.update(`${seq} ${timeMs} ${JSON.stringify(event)}\n`);
  }
  digest(): string {
    return this.hash.digest("hex");
  }
}

class ReasonsSink implements EventSink {
  readonly seen = new Set<string>();
  record(_seq: number, _timeMs: number, event: LogEvent): void {
    if (event.type === "lease_released") this.seen.add(event.reason);
  }
}

export interface SwarmReport {
  readonly cases: number;
  readonly events: number;
  readonly faultsExercised: Readonly<Record<FaultKind, number>>;
  readonly releaseReasons: readonly string[];
  /** Cases that had hidden waiters, and the most in one case (a finding for designs other than lease). */
  readonly casesWithHiddenWaiters: number;
  readonly hiddenWaitersMax: number;
  /** The first failing case, shrunk to a minimal one, with what it violates. */
  readonly failure: { readonly swarm: SwarmCase; readonly violations: CaseResult["violations"]; readonly shrinkSteps: number } | undefined;
}

/** Runs `runs` generated cases from fast-check seed `seed`; stops at the first failure and shrinks it. */
export function runSwarm(
  base: Scenario,
  policy: PolicySpec,
  options: SwarmOptions & { readonly runs: number; readonly seed: number; readonly onCase?: ((index: number) => void) | undefined },
): SwarmReport {
  const faultsExercised = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  const reasons = new Set<string>();
  let cases = 0;
  let events = 0;
  let casesWithHiddenWaiters = 0;
  let hiddenWaitersMax = 0;
  let shrinking = false;
  const property = fc.property(swarmCase, (swarm) => {
    const result = runCase(base, policy, swarm, options);
    if (!shrinking) {
      cases += 1;
      events += result.events;
      options.onCase?.(cases);
      for (const kind of FAULT_KINDS) if (swarm.faults[kind]) faultsExercised[kind] += 1;
      for (const reason of result.releaseReasons) reasons.add(reason);
      if (result.hiddenWaiters > 0) casesWithHiddenWaiters += 1;
      hiddenWaitersMax = Math.max(hiddenWaitersMax, result.hiddenWaiters);
    }
    if (result.violations.length > 0) shrinking = true;
    return result.violations.length === 0;
  });
  const outcome = fc.check(property, { numRuns: options.runs, seed: options.seed });
  const counterexample = outcome.counterexample?.[0];
  const failure =
    outcome.failed && counterexample !== undefined
      ? { swarm: counterexample, violations: runCase(base, policy, counterexample, options).violations, shrinkSteps: outcome.numShrinks }
      : undefined;
  return { cases, events, faultsExercised, releaseReasons: [...reasons].sort(), casesWithHiddenWaiters, hiddenWaitersMax, failure };
}
