// The swarm checker: real policies pass under random faults; deliberately broken ledgers (mutants) are
// caught, shrunk to a small fault set, and the printed case replays to the same violation.

import { describe, expect, it } from "vitest";
import { FAULT_KINDS, runCase, runSwarm } from "../../src/check/swarm.ts";
import { type Lease, LeaseLedger, type ReleaseReason, type ReleaseResult } from "../../src/policies/lease-ledger.ts";
import { firstPolicy, repositoryScenario } from "../helpers.ts";

/** Mutant: a release for a cancellation reports success but gives nothing back (a leaked slot). */
class SkipReleaseOnCancel extends LeaseLedger {
  override release(lease: Lease, reason: ReleaseReason): ReleaseResult {
    return reason === "cancel" ? "released" : super.release(lease, reason);
  }
}

/** Mutant: every release is applied one call late ("counts decremented later"); the last one never is. */
class LateRelease extends LeaseLedger {
  private pending: [Lease, ReleaseReason] | undefined;
  override release(lease: Lease, reason: ReleaseReason): ReleaseResult {
    const previous = this.pending;
    this.pending = [lease, reason];
    if (previous !== undefined) super.release(...previous);
    return "released";
  }
}

const scenario = repositoryScenario("default");
const policy = firstPolicy(scenario);

describe("swarm checks of real policies", () => {
  it("every property holds for a lease-design policy under every fault kind", () => {
    const report = runSwarm(scenario, policy, { runs: 25, seed: 7, maxJobs: 150 });
    expect(report.failure).toBeUndefined();
    expect(report.cases).toBe(25);
    for (const kind of FAULT_KINDS) expect(report.faultsExercised[kind]).toBeGreaterThan(0);
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
});

describe("mutants are caught, shrunk and replayed", () => {
  it.each([
    ["skip release on cancel", (limits: Readonly<Record<string, number>>, clock: { now(): number }) => new SkipReleaseOnCancel(limits, clock)],
    ["decrement counts late", (limits: Readonly<Record<string, number>>, clock: { now(): number }) => new LateRelease(limits, clock)],
  ])("%s", (_name, createLedger) => {
    const options = { maxJobs: 150, createLedger };
    const report = runSwarm(scenario, policy, { ...options, runs: 50, seed: 11 });
    expect(report.failure).toBeDefined();
    const failure = report.failure as NonNullable<typeof report.failure>;
    expect(failure.violations.map((violation) => violation.property)).toContain("nothing_held_at_end");
    // Shrinking turns off every fault the failure does not need.
    const faultsOn = FAULT_KINDS.filter((kind) => failure.swarm.faults[kind]).length;
    expect(faultsOn).toBeLessThanOrEqual(2);
    // The printed case is all it takes to see the same violation again.
    const replayed = runCase(scenario, policy, JSON.parse(JSON.stringify(failure.swarm)), options);
    expect(replayed.violations).toEqual(failure.violations);
  });
});
