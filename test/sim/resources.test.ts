// Scheduler resources beyond global and provider caps: per-mode and per-project limits, resources a scenario
// declares, a deadlock they can cause, and per-task token budgets. Checked from the event log.

import { describe, expect, it } from "vitest";
import { leaseViolations } from "../lease-checker.ts";
import { eventsOfType, minimalScenarioFile, runLogged, scenarioFrom } from "../helpers.ts";

function twoTenantFile(): Record<string, unknown> {
  const file = minimalScenarioFile();
  file.stop = { jobs: 300 };
  file.arrivals = { process: "poisson", rate_per_second: 8 };
  (file.providers as Record<string, unknown>[])[0] = { ...(file.providers as Record<string, unknown>[])[0], max_concurrent: 10 };
  const base = { provider: "p", input_tokens: 10, output_tokens: 5, max_output_tokens: 10 };
  file.templates = [
    { ...base, name: "alpha-issue", tenant: "alpha", mode: "issue" },
    { ...base, name: "alpha-mention", tenant: "alpha", mode: "mention" },
    { ...base, name: "beta-time", tenant: "beta", mode: "time" },
  ];
  return file;
}

/** The most leases held at once on a resource, from lease_acquired / lease_released. */
function peakHeld(events: ReturnType<typeof runLogged>["events"], resource: string): number {
  const amounts = new Map(eventsOfType(events, "lease_acquired").map((event) => [event.lease, event.resources[resource] ?? 0]));
  let held = 0;
  let peak = 0;
  for (const event of events) {
    if (event.type === "lease_acquired") held += amounts.get(event.lease) ?? 0;
    if (event.type === "lease_released" && event.result === "released") held -= amounts.get(event.lease) ?? 0;
    peak = Math.max(peak, held);
  }
  return peak;
}

describe("mode and project limits", () => {
  it("each limit becomes a resource, is taken by the matching tasks only, and is never exceeded", () => {
    const file = twoTenantFile();
    file.policies = [{ name: "fair", mode_limits: { issue: 2, time: 3 }, project_limits: { alpha: 4 }, project_mention_limits: { alpha: 1 } }];
    const { events } = runLogged(scenarioFrom(file), 2);
    const capacities = eventsOfType(events, "run_started")[0]?.capacities ?? {};
    expect(capacities).toMatchObject({ "mode:issue": 2, "mode:time": 3, "project:alpha": 4, "project:alpha:mention": 1 });
    expect(peakHeld(events, "mode:issue")).toBe(2);
    expect(peakHeld(events, "project:alpha:mention")).toBe(1);
    expect(peakHeld(events, "project:alpha")).toBeLessThanOrEqual(4);
    const templateOfJob = new Map(eventsOfType(events, "job_arrived").map((event) => [event.job, event.template]));
    const templateOfTask = new Map(eventsOfType(events, "task_ready").map((event) => [event.task, templateOfJob.get(event.job)]));
    const expected: Record<string, string[]> = {
      "alpha-issue": ["mode:issue", "project:alpha", "provider:p"],
      "alpha-mention": ["project:alpha", "project:alpha:mention", "provider:p"],
      "beta-time": ["mode:time", "provider:p"],
    };
    for (const lease of eventsOfType(events, "lease_acquired")) {
      expect(Object.keys(lease.resources).sort()).toEqual(expected[templateOfTask.get(lease.task) as string]);
    }
    expect(leaseViolations(events)).toEqual([]);
  });
});

describe("declared resources", () => {
  it("a template can take a resource the scenario declares, within its limit", () => {
    const file = twoTenantFile();
    file.resources = { gpu: 2 };
    (file.templates as Record<string, unknown>[])[2] = { ...(file.templates as Record<string, unknown>[])[2], resources: { gpu: 1 } };
    const { events } = runLogged(scenarioFrom(file), 2);
    expect(peakHeld(events, "gpu")).toBe(2);
    expect(leaseViolations(events)).toEqual([]);
  });

  it("a task that can never fit is reported as a deadlock and its job fails; the run ends", () => {
    const file = twoTenantFile();
    file.stop = { jobs: 5 };
    file.policies = [{ name: "tight", mode_limits: { issue: 1 } }];
    file.resources = { gpu: 1 };
    // Validation refuses a template asking for more than a declared limit, so the test builds the clash through
    // a second declared resource whose limit it lowers after validation.
    (file.templates as Record<string, unknown>[])[0] = { ...(file.templates as Record<string, unknown>[])[0], resources: { gpu: 1 } };
    const scenario = scenarioFrom(file);
    const squeezed = { ...scenario, resources: { gpu: 0.5 } };
    const { events, summary } = runLogged(squeezed, 2);
    expect(eventsOfType(events, "deadlock_detected").length).toBeGreaterThan(0);
    expect(summary.jobs.failed).toBeGreaterThan(0);
    expect(summary.jobs.completed + summary.jobs.failed).toBe(summary.jobs.arrived);
    expect(leaseViolations(events)).toEqual([]);
  });

  it("a template asking for more of a declared resource than its limit is rejected when loading", () => {
    const file = twoTenantFile();
    file.resources = { gpu: 1 };
    (file.templates as Record<string, unknown>[])[0] = { ...(file.templates as Record<string, unknown>[])[0], resources: { gpu: 2 } };
    expect(() => scenarioFrom(file)).toThrow(/templates\[0\]\.resources\.gpu: takes 2 but the limit is 1/);
  });
});

describe("token budget per task", () => {
  function budgetFile(enforcement: "warn" | "hard"): Record<string, unknown> {
    const file = minimalScenarioFile();
    file.stop = { jobs: 20 };
    file.templates = [{ name: "t", provider: "p", calls_per_task: 3, input_tokens: 100, output_tokens: 50, max_output_tokens: 100 }];
    // Each call charges 200 tokens: the third call of every task goes over 500.
    file.policies = [{ name: "budget", token_budget: { tokens_per_task: 500, enforcement } }];
    return file;
  }

  it("warn: the overrun is recorded and the task goes on", () => {
    const { summary } = runLogged(scenarioFrom(budgetFile("warn")), 1);
    expect(summary.scheduler.budget_warnings).toBe(20);
    expect(summary.jobs.completed).toBe(20);
  });

  it("hard: the task fails before the request that would overrun it", () => {
    const { summary, events } = runLogged(scenarioFrom(budgetFile("hard")), 1);
    expect(summary.scheduler.budget_enforced).toBe(20);
    expect(summary.jobs.failed).toBe(20);
    expect(summary.requests.started).toBe(40);
    expect(leaseViolations(events)).toEqual([]);
  });
});
