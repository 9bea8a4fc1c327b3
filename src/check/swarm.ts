// Swarm testing of a scenario: each case is a seed, a number of jobs, a random subset of fault kinds and a
// random variation of the scenario itself (vary.ts), run through the real policy and checked by the log
// properties, by determinism (the same case twice gives the same log), and against the ledger's own counts at
// the end. fast-check generates the cases and shrinks a failing one to few jobs, few faults and few variation
// axes; a case is plain JSON, so `--replay` reruns exactly it.

import { createHash } from "node:crypto";
import fc from "fast-check";
import type { EventSink, LogEvent } from "../eventlog/events.ts";
import type { PolicySpec, ProviderSpec, Scenario } from "../scenario/types.ts";
import { type RunOptions, simulate } from "../sim/simulation.ts";
import { LogChecker, type Violation } from "./log-properties.ts";
import { type Variation, VARIATION_AXES, applyVariation, variation, variationProblem } from "./vary.ts";

export const FAULT_KINDS = [
  "errors",
  "rate_limit_storm",
  "outage",
  "latency_spike",
  "timeouts",
  "worker_stalls",
  "worker_crashes",
  "spawn_failures",
  "job_cancellations",
  "shutdown",
  "stale_selections",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Far above what any job needs (a few hundred events even with every retry), far below a livelock. */
const EVENTS_PER_JOB = 20_000;

export interface SwarmCase {
  readonly seed: number;
  /** Jobs that arrive; the run then drains. */
  readonly jobs: number;
  readonly faults: Readonly<Record<FaultKind, boolean>>;
  readonly vary: Variation;
}

export interface CaseResult {
  readonly violations: readonly (Violation | { readonly property: "run_completes" | "reproducible"; readonly seq: -1; readonly message: string })[];
  readonly events: number;
  readonly hiddenWaiters: number;
  readonly releaseReasons: ReadonlySet<string>;
  /** deadlock_detected events: work nothing could admit, ended rather than left hanging. */
  readonly deadlocks: number;
  /** What request-level control did (RATE_CONTROL_ACTIONS met). */
  readonly rateControl: ReadonlySet<string>;
}

/**
 * What request-level control can do, as the swarm reports it met: AIMD moving a limit, each circuit state, each
 * reason to hold a request back, a fail-fast refusal, a denied retry.
 */
export const RATE_CONTROL_ACTIONS = [
  "aimd_decrease",
  "aimd_increase",
  "circuit_open",
  "circuit_half_open",
  "circuit_closed",
  "delayed_aimd_blocked",
  "delayed_aimd_limit",
  "delayed_circuit_half_open",
  "delayed_circuit_open",
  "delayed_pacing",
  "refused_circuit_open",
  "retry_denied",
] as const;

/**
 * A deliberately broken variant of the policy's parts (a mutant), to show that the properties catch it. The
 * real ledger and scheduler when absent.
 */
export type PolicyVariant = Pick<RunOptions, "createLedger" | "createScheduler" | "createController">;

export interface SwarmOptions {
  /** Jobs per case at most: small cases shrink and replay fast. */
  readonly maxJobs: number;
  /** Vary the scenario itself (vary.ts) as well as the faults; on unless false. */
  readonly vary?: boolean | undefined;
  readonly variant?: PolicyVariant | undefined;
}

/** Cases of at most `maxJobs` jobs; with `vary` false, every case keeps the scenario as written. */
export function swarmCases(maxJobs: number, vary = true): fc.Arbitrary<SwarmCase> {
  return fc.record({
    seed: fc.nat({ max: 2 ** 31 - 1 }),
    jobs: fc.integer({ min: 1, max: maxJobs }),
    faults: fc.record(Object.fromEntries(FAULT_KINDS.map((kind) => [kind, fc.boolean()])) as Record<FaultKind, fc.Arbitrary<boolean>>),
    vary: vary ? variation : fc.constant({}),
  });
}

/** How big a case is, for reporting a shrunk one: jobs, faults switched on, scenario axes varied. */
export function caseSize(swarm: SwarmCase): { jobs: number; faults: number; axes: number } {
  return { jobs: swarm.jobs, faults: FAULT_KINDS.filter((kind) => swarm.faults[kind]).length, axes: Object.keys(swarm.vary).length };
}

/** The case as printed: only the faults switched on (readSwarmCase reads the rest as off). */
export function printableCase(swarm: SwarmCase): { seed: number; jobs: number; faults: Partial<Record<FaultKind, true>>; vary: Variation } {
  const faults = Object.fromEntries(FAULT_KINDS.filter((kind) => swarm.faults[kind]).map((kind) => [kind, true as const]));
  return { seed: swarm.seed, jobs: swarm.jobs, faults, vary: swarm.vary };
}

/** The scenario and policy of one case: the base, varied, with the case's faults switched on. */
export function caseScenario(base: Scenario, basePolicy: PolicySpec, swarm: SwarmCase): { scenario: Scenario; policy: PolicySpec } {
  const varied = applyVariation(base, basePolicy, swarm.vary);
  return withFaults(varied.scenario, varied.policy, swarm);
}

function withFaults(base: Scenario, policy: PolicySpec, swarm: SwarmCase): { scenario: Scenario; policy: PolicySpec } {
  const jobs = Math.min(base.stop.jobs ?? swarm.jobs, swarm.jobs);
  // A trace-only scenario has no rate to go by: its faults are placed as if one job came per second.
  const horizonMs = (jobs * 1000) / (base.arrivals?.ratePerSecond ?? 1);
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
    latencySpikes: [...provider.latencySpikes, ...(on.latency_spike ? [{ startMs: 0.4 * horizonMs, endMs: 0.5 * horizonMs, factor: 20 }] : [])],
  }));
  const scenario: Scenario = {
    ...base,
    stop: { jobs, durationMs: base.stop.durationMs },
    // A livelock (work that keeps rescheduling itself) must end as a violation, not as a case that runs for hours.
    limits: { ...base.limits, maxEvents: Math.min(base.limits.maxEvents, EVENTS_PER_JOB * jobs + 100_000) },
    providers,
    workers: {
      ...base.workers,
      stopMs: on.worker_stalls || on.job_cancellations || on.shutdown ? { kind: "uniform", min: 0, max: 500 } : base.workers.stopMs,
      stallRate: on.worker_stalls ? Math.max(base.workers.stallRate, 0.05) : base.workers.stallRate,
      crashRate: on.worker_crashes ? Math.max(base.workers.crashRate, 0.03) : base.workers.crashRate,
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

export function runCase(base: Scenario, basePolicy: PolicySpec, swarm: SwarmCase, options: Pick<SwarmOptions, "variant"> = {}): CaseResult {
  const { scenario, policy } = caseScenario(base, basePolicy, swarm);
  const first = runChecked(scenario, policy, swarm.seed, options);
  if (first.violations.length > 0) return first;
  const second = runChecked(scenario, policy, swarm.seed, options);
  if (second.hash === first.hash) return first;
  return {
    ...first,
    violations: [{ property: "reproducible", seq: -1, message: `the same case gave two different event logs (${first.hash.slice(0, 12)} vs ${second.hash.slice(0, 12)})` }],
  };
}

function runChecked(scenario: Scenario, policy: PolicySpec, seed: number, options: Pick<SwarmOptions, "variant">): CaseResult & { hash: string } {
  const checker = new LogChecker();
  const hasher = new HashingSink();
  const coverage = new CoverageSink();
  const sinks: EventSink[] = [checker, hasher, coverage];
  const seen = (): Omit<CaseResult, "violations"> => ({
    events: hasher.events,
    hiddenWaiters: checker.hiddenWaiters,
    releaseReasons: coverage.seen,
    deadlocks: coverage.deadlocks,
    rateControl: coverage.rateControl,
  });
  let heldAtEnd: Readonly<Record<string, number>> = {};
  try {
    heldAtEnd = simulate({ scenario, policy, seed, sinks, ...options.variant }).heldAtEnd;
  } catch (error) {
    const message = `${(error as Error).name}: ${(error as Error).message}`;
    return { violations: [{ property: "run_completes", seq: -1, message }], ...seen(), hash: "" };
  }
  const violations: CaseResult["violations"][number][] = [...checker.violations()];
  for (const [resource, held] of Object.entries(heldAtEnd)) {
    if (Math.abs(held) > 1e-9) violations.push({ property: "nothing_held_at_end", seq: -1, message: `the ledger still holds ${held} of ${resource} at the end` });
  }
  return { violations, ...seen(), hash: hasher.digest() };
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

/** What a run exercised: the release reasons met, the deadlocks detected, what rate control did. */
class CoverageSink implements EventSink {
  readonly seen = new Set<string>();
  readonly rateControl = new Set<string>();
  deadlocks = 0;
  record(_seq: number, _timeMs: number, event: LogEvent): void {
    switch (event.type) {
      case "lease_released":
        this.seen.add(event.reason);
        return;
      case "deadlock_detected":
        this.deadlocks += 1;
        return;
      case "limit_changed":
        this.rateControl.add(event.reason);
        return;
      case "circuit_state_changed":
        this.rateControl.add(`circuit_${event.state}`);
        return;
      case "request_delayed":
        this.rateControl.add(`delayed_${event.reason}`);
        return;
      case "request_refused":
        this.rateControl.add(`refused_${event.reason}`);
        return;
      case "retry_denied":
        this.rateControl.add("retry_denied");
        return;
      default:
        return;
    }
  }
}

export interface SwarmReport {
  readonly cases: number;
  readonly events: number;
  readonly faultsExercised: Readonly<Record<FaultKind, number>>;
  /** Cases that varied each axis of the scenario. */
  readonly axesExercised: Readonly<Record<(typeof VARIATION_AXES)[number], number>>;
  readonly releaseReasons: readonly string[];
  /** RATE_CONTROL_ACTIONS met in some case, sorted. */
  readonly rateControlSeen: readonly string[];
  /** Cases that had hidden waiters, and the most in one case (a finding for designs other than lease). */
  readonly casesWithHiddenWaiters: number;
  readonly hiddenWaitersMax: number;
  /** Cases in which a deadlock was detected (and ended, rather than hung). */
  readonly casesWithDeadlocks: number;
  /** The first failing case, shrunk to a minimal one, with what it violates. */
  readonly failure: { readonly swarm: SwarmCase; readonly violations: CaseResult["violations"]; readonly shrinkSteps: number } | undefined;
}

/** Runs `runs` generated cases from fast-check seed `seed`; stops at the first failure and shrinks it. */
export function runSwarm(
  base: Scenario,
  policy: PolicySpec,
  options: SwarmOptions & { readonly runs: number; readonly seed: number; readonly onCase?: ((index: number) => void) | undefined },
): SwarmReport {
  const tally = new SwarmTally();
  let shrinking = false;
  const property = fc.property(swarmCases(options.maxJobs, options.vary ?? true), (swarm) => {
    const result = runCase(base, policy, swarm, options);
    if (!shrinking) {
      tally.add(swarm, result);
      options.onCase?.(tally.cases);
    }
    if (result.violations.length > 0) shrinking = true;
    return result.violations.length === 0;
  });
  const outcome = fc.check(property, { numRuns: options.runs, seed: options.seed });
  return tally.report(failureOf(base, policy, outcome, options));
}

/**
 * The cases runSwarm would run, generated up front, so they can be run elsewhere (worker threads) and handed
 * to swarmReportOf: fast-check's sample draws the same values from a seed as its check does.
 */
export function sampleSwarmCases(options: Pick<SwarmOptions, "maxJobs" | "vary"> & { readonly runs: number; readonly seed: number }): SwarmCase[] {
  return fc.sample(swarmCases(options.maxJobs, options.vary ?? true), { numRuns: options.runs, seed: options.seed });
}

/**
 * The report runSwarm gives, from the results of sampleSwarmCases' cases in order: tallied up to the first
 * failure, which is then replayed by its index in fast-check's sequence and shrunk here as runSwarm shrinks it.
 */
export function swarmReportOf(
  base: Scenario,
  policy: PolicySpec,
  cases: readonly SwarmCase[],
  results: readonly CaseResult[],
  options: SwarmOptions & { readonly runs: number; readonly seed: number },
): SwarmReport {
  const tally = new SwarmTally();
  const failing = results.findIndex((result) => result.violations.length > 0);
  const counted = failing === -1 ? results.length : failing + 1;
  for (let index = 0; index < counted; index += 1) tally.add(cases[index] as SwarmCase, results[index] as CaseResult);
  if (failing === -1) return tally.report(undefined);
  const property = fc.property(swarmCases(options.maxJobs, options.vary ?? true), (swarm) => runCase(base, policy, swarm, options).violations.length === 0);
  const outcome = fc.check(property, { numRuns: options.runs, seed: options.seed, path: String(failing) });
  return tally.report(failureOf(base, policy, outcome, options));
}

function failureOf(base: Scenario, policy: PolicySpec, outcome: fc.RunDetails<[SwarmCase]>, options: SwarmOptions): SwarmReport["failure"] {
  const counterexample = outcome.counterexample?.[0];
  return outcome.failed && counterexample !== undefined
    ? { swarm: counterexample, violations: runCase(base, policy, counterexample, options).violations, shrinkSteps: outcome.numShrinks }
    : undefined;
}

/** What a swarm's cases exercised, counted case by case. */
class SwarmTally {
  private readonly faultsExercised = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  private readonly axesExercised = Object.fromEntries(VARIATION_AXES.map((axis) => [axis, 0])) as Record<(typeof VARIATION_AXES)[number], number>;
  private readonly reasons = new Set<string>();
  private readonly rateControl = new Set<string>();
  cases = 0;
  private events = 0;
  private casesWithHiddenWaiters = 0;
  private hiddenWaitersMax = 0;
  private casesWithDeadlocks = 0;

  add(swarm: SwarmCase, result: CaseResult): void {
    this.cases += 1;
    this.events += result.events;
    for (const kind of FAULT_KINDS) if (swarm.faults[kind]) this.faultsExercised[kind] += 1;
    for (const axis of VARIATION_AXES) if (swarm.vary[axis] !== undefined) this.axesExercised[axis] += 1;
    for (const reason of result.releaseReasons) this.reasons.add(reason);
    for (const action of result.rateControl) this.rateControl.add(action);
    if (result.hiddenWaiters > 0) this.casesWithHiddenWaiters += 1;
    this.hiddenWaitersMax = Math.max(this.hiddenWaitersMax, result.hiddenWaiters);
    if (result.deadlocks > 0) this.casesWithDeadlocks += 1;
  }

  report(failure: SwarmReport["failure"]): SwarmReport {
    return {
      cases: this.cases,
      events: this.events,
      faultsExercised: this.faultsExercised,
      axesExercised: this.axesExercised,
      releaseReasons: [...this.reasons].sort(),
      rateControlSeen: [...this.rateControl].sort(),
      casesWithHiddenWaiters: this.casesWithHiddenWaiters,
      hiddenWaitersMax: this.hiddenWaitersMax,
      casesWithDeadlocks: this.casesWithDeadlocks,
      failure,
    };
  }
}

/** A case read back from JSON (as printed with a failure), or the first problem with it. */
export function readSwarmCase(value: unknown, defaultJobs: number): SwarmCase | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return 'expected {"seed": N, "jobs": N, "faults": {...}, "vary": {...}} as printed by a failure';
  const candidate = value as Record<string, unknown>;
  for (const key of Object.keys(candidate)) if (!["seed", "jobs", "faults", "vary"].includes(key)) return `${key}: unknown field (have: seed, jobs, faults, vary)`;
  if (!Number.isSafeInteger(candidate.seed) || (candidate.seed as number) < 0) return `seed: expected a whole number ≥ 0, got ${JSON.stringify(candidate.seed)}`;
  const jobs = candidate.jobs ?? defaultJobs;
  if (!Number.isSafeInteger(jobs) || (jobs as number) < 1) return `jobs: expected a whole number ≥ 1, got ${JSON.stringify(jobs)}`;
  const faults = candidate.faults ?? {};
  if (typeof faults !== "object" || faults === null || Array.isArray(faults)) return `faults: expected an object, got ${JSON.stringify(faults)}`;
  for (const [key, on] of Object.entries(faults)) {
    if (!(FAULT_KINDS as readonly string[]).includes(key)) return `faults.${key}: unknown fault kind (have: ${FAULT_KINDS.join(", ")})`;
    if (typeof on !== "boolean") return `faults.${key}: expected true or false, got ${JSON.stringify(on)}`;
  }
  const vary = candidate.vary ?? {};
  if (typeof vary !== "object" || vary === null || Array.isArray(vary)) return `vary: expected an object, got ${JSON.stringify(vary)}`;
  const problem = variationProblem(vary);
  if (problem !== undefined) return `vary.${problem}`;
  const complete = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, (faults as Record<string, unknown>)[kind] === true])) as Record<FaultKind, boolean>;
  return { seed: candidate.seed as number, jobs: jobs as number, faults: complete, vary: vary as Variation };
}
