// Every mutant in test/mutants/ is caught by the swarm's properties, shrunk to a small case, and the printed
// case replays to the same violation. The shrunk sizes are reported with each test (the annotation) and in
// docs/checking.md.

import { describe, expect, it } from "vitest";
import { caseSize, printableCase, readSwarmCase, runCase, runSwarm } from "../../src/check/swarm.ts";
import { firstPolicy, repositoryScenario } from "../helpers.ts";
import { MUTANTS } from "../mutants/mutants.ts";

const scenario = repositoryScenario("default");
const policy = firstPolicy(scenario);
const MAX_JOBS = 150;

describe("mutants are caught, shrunk and replayed", () => {
  it.for(MUTANTS.map((mutant) => [mutant.name, mutant] as const))("%s", async ([, mutant], { annotate }) => {
    const report = runSwarm(scenario, policy, { runs: mutant.runs ?? 100, seed: 11, maxJobs: MAX_JOBS, variant: mutant.variant });
    expect(report.failure, "the properties did not catch it").toBeDefined();
    const failure = report.failure as NonNullable<typeof report.failure>;
    expect(failure.violations.map((violation) => violation.property)).toContain(mutant.caughtBy);
    const size = caseSize(failure.swarm);
    await annotate(
      `caught by ${mutant.caughtBy} after ${report.cases} cases; shrunk in ${failure.shrinkSteps} steps to ` +
        `${size.jobs} jobs, ${size.faults} faults, ${size.axes} varied axes: ${JSON.stringify(printableCase(failure.swarm))}`,
    );
    // Shrinking leaves a case far smaller than the ones generated.
    expect(size.jobs).toBeLessThanOrEqual(MAX_JOBS / 3);
    expect(size.faults).toBeLessThanOrEqual(2);
    expect(size.axes).toBeLessThanOrEqual(3);
    // The printed case, read back as --replay reads it, is all it takes to see the same violation again.
    const printed = readSwarmCase(JSON.parse(JSON.stringify(printableCase(failure.swarm))), MAX_JOBS);
    if (typeof printed === "string") throw new Error(printed);
    expect(printed).toEqual(failure.swarm);
    expect(runCase(scenario, policy, printed, { variant: mutant.variant }).violations).toEqual(failure.violations);
  });
});
