// The swarm checker on real policies: every property holds under random faults over generated variations of
// the scenario, every fault kind, variation axis and release reason is met, and spawn_then_wait's hidden
// waiters are found (a finding for that design, not a violation). Mutants are in mutants.test.ts.

import { describe, expect, it } from "vitest";
import { FAULT_KINDS, RATE_CONTROL_ACTIONS, caseScenario, readSwarmCase, runCase, runSwarm, sampleSwarmCases, swarmReportOf } from "../../src/check/swarm.ts";
import { VARIATION_AXES, applyVariation } from "../../src/check/vary.ts";
import { runOnce } from "../../src/experiment/run.ts";
import { RELEASE_REASONS } from "../../src/policies/lease-ledger.ts";
import { firstPolicy, repositoryScenario } from "../helpers.ts";

const scenario = repositoryScenario("default");
const policy = firstPolicy(scenario);

describe("swarm checks of real policies", () => {
  it("every property holds for a lease-design policy; every fault kind, variation axis and release reason is exercised", () => {
    const report = runSwarm(scenario, policy, { runs: 60, seed: 7, maxJobs: 120 });
    expect(report.failure).toBeUndefined();
    expect(report.cases).toBe(60);
    // A property that never meets a cancellation proves nothing about cancellations.
    for (const kind of FAULT_KINDS) expect(report.faultsExercised[kind], kind).toBeGreaterThan(0);
    for (const axis of VARIATION_AXES) expect(report.axesExercised[axis], axis).toBeGreaterThan(0);
    expect(report.releaseReasons).toEqual([...RELEASE_REASONS].sort());
    // Every strategy of the rate_control axis acted somewhere: limits moved, circuits cycled, requests were held back.
    expect(report.rateControlSeen).toEqual([...RATE_CONTROL_ACTIONS].sort());
    expect(report.casesWithHiddenWaiters).toBe(0);
    // Work that nothing can ever admit (the impossible_demand axis) ended in deadlock events, not a hang.
    expect(report.casesWithDeadlocks).toBeGreaterThan(0);
  });

  it.each(["fifo-fixed-retry", "fifo-no-global-cap"])("every property holds for %s too", (name) => {
    const other = scenario.policies.find((candidate) => candidate.name === name);
    if (other === undefined) throw new Error(`no policy ${name}`);
    expect(runSwarm(scenario, other, { runs: 15, seed: 8, maxJobs: 100 }).failure).toBeUndefined();
  });

  it.each(["lease", "reject_backoff"])("every property holds for the %s policy of hidden-waiters.json", (name) => {
    const hidden = repositoryScenario("hidden-waiters");
    const chosen = hidden.policies.find((candidate) => candidate.name === name);
    if (chosen === undefined) throw new Error(`no policy ${name}`);
    const report = runSwarm(hidden, chosen, { runs: 15, seed: 9, maxJobs: 100 });
    expect(report.failure).toBeUndefined();
    expect(report.casesWithHiddenWaiters).toBe(0);
  });

  it("finds the hidden waiters of spawn_then_wait, and reports them as a finding, not a violation", () => {
    const hidden = repositoryScenario("hidden-waiters");
    const spawnThenWait = hidden.policies.find((candidate) => candidate.admission === "spawn_then_wait");
    if (spawnThenWait === undefined) throw new Error("no spawn_then_wait policy");
    const report = runSwarm(hidden, spawnThenWait, { runs: 10, seed: 3, maxJobs: 150 });
    expect(report.failure).toBeUndefined();
    expect(report.casesWithHiddenWaiters).toBeGreaterThan(0);
    expect(report.hiddenWaitersMax).toBeGreaterThan(1);
  });

  it("without variation, a case keeps the scenario as written but for its faults and job count", () => {
    const report = runSwarm(scenario, policy, { runs: 5, seed: 1, maxJobs: 50, vary: false });
    expect(Object.values(report.axesExercised).every((count) => count === 0)).toBe(true);
    const quiet = { seed: 1, jobs: 50, faults: Object.fromEntries(FAULT_KINDS.map((kind) => [kind, false])) as Record<(typeof FAULT_KINDS)[number], boolean>, vary: {} };
    const built = caseScenario(scenario, policy, quiet);
    expect(built.policy).toEqual(policy);
    expect({ ...built.scenario, limits: scenario.limits }).toEqual({ ...scenario, stop: { jobs: 50, durationMs: scenario.stop.durationMs } });
    // Only the event limit is tightened, so that a livelock ends as a violation rather than a run of hours.
    expect(built.scenario.limits.maxEvents).toBeLessThan(scenario.limits.maxEvents);
  });
});

describe("readSwarmCase", () => {
  it("reads back a printed case, filling absent faults as off and an absent job count from the default", () => {
    expect(readSwarmCase({ seed: 3, faults: { outage: true }, vary: { provider_cap: 2, shape: { kind: "chain", length: 3 } } }, 40)).toEqual({
      seed: 3,
      jobs: 40,
      faults: Object.fromEntries(FAULT_KINDS.map((kind) => [kind, kind === "outage"])),
      vary: { provider_cap: 2, shape: { kind: "chain", length: 3 } },
    });
  });

  it.each<[unknown, string]>([
    [[], "expected {"],
    [{ seed: -1 }, "seed: expected a whole number ≥ 0, got -1"],
    [{ seed: 1, jobs: 0 }, "jobs: expected a whole number ≥ 1, got 0"],
    [{ seed: 1, faults: { meteor: true } }, "faults.meteor: unknown fault kind"],
    [{ seed: 1, faults: { outage: "yes" } }, 'faults.outage: expected true or false, got "yes"'],
    [{ seed: 1, vary: { provider_cap: 0 } }, "vary.provider_cap: expected an integer ≥ 1, got 0"],
    [{ seed: 1, vary: { shape: { kind: "ring" } } }, "vary.shape: expected"],
    [{ seed: 1, vary: { colour: 1 } }, "vary.colour: unknown axis"],
    [{ seed: 1, extra: 1 }, "extra: unknown field"],
  ])("names the bad field of %j", (value, message) => {
    const result = readSwarmCase(value, 10);
    expect(typeof result).toBe("string");
    expect(result as string).toContain(message);
  });
});

describe("the queue axis", () => {
  it("a share-based kind drawn for a policy without a global cap gets a capacity of its own, and runs", () => {
    const uncapped = { ...policy, globalMaxConcurrent: undefined };
    const small = { ...scenario, stop: { jobs: 40, durationMs: undefined } };
    for (const kind of ["proportional", "bounded_borrow"]) {
      const varied = applyVariation(small, uncapped, { queue: { kind, group_by: "tenant", yield_between_calls: false } });
      expect(varied.policy.queue.options.capacity).toBe(8);
      expect(runOnce({ scenario: varied.scenario, policy: varied.policy, seed: 1 }).jobs.arrived).toBe(40);
    }
  });
});

describe("the swarm from cases run elsewhere (check --jobs)", () => {
  const report = (base: typeof scenario, options: { runs: number; seed: number; maxJobs: number }) => {
    const cases = sampleSwarmCases(options);
    return swarmReportOf(base, policy, cases, cases.map((swarm) => runCase(base, policy, swarm)), options);
  };

  it("gives runSwarm's report when every property holds", () => {
    const options = { runs: 12, seed: 11, maxJobs: 60 };
    expect(report(scenario, options)).toEqual(runSwarm(scenario, policy, options));
  });

  it("gives runSwarm's report on a failure: the same cases counted, the same shrunk case and steps", () => {
    // Runs that cannot finish in their event budget fail run_completes once a case has enough jobs.
    const tight = { ...scenario, limits: { ...scenario.limits, maxEvents: 300 } };
    const options = { runs: 20, seed: 5, maxJobs: 60 };
    const sequential = runSwarm(tight, policy, options);
    expect(sequential.failure).toBeDefined();
    expect(sequential.failure?.shrinkSteps).toBeGreaterThan(0);
    expect(report(tight, options)).toEqual(sequential);
  });
});
