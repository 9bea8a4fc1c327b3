import { describe, expect, it } from "vitest";
import { eventsOfType, minimalScenarioFile, repositoryScenario, runLogged, scenarioFrom, sha256 } from "../helpers.ts";

describe("determinism", () => {
  const scenario = repositoryScenario("default");

  it.each(scenario.policies.map((policy) => [policy.name, policy] as const))(
    "the same scenario and seed give a byte-identical event log (%s)",
    (_name, policy) => {
      const first = runLogged(scenario, 7, policy);
      const second = runLogged(scenario, 7, policy);
      expect(first.text.length).toBeGreaterThan(0);
      expect(sha256(second.text)).toBe(sha256(first.text));
    },
  );

  it("different seeds give different logs", () => {
    const hashes = new Set([1, 2, 3].map((seed) => sha256(runLogged(scenario, seed).text)));
    expect(hashes.size).toBe(3);
  });

  it("every policy compared on one seed sees the same jobs at the same times", () => {
    const arrivals = scenario.policies.map((policy) =>
      eventsOfType(runLogged(scenario, 4, policy).events, "job_arrived").map((event) => [event.t, event.template, event.tasks]),
    );
    for (const other of arrivals.slice(1)) expect(other).toEqual(arrivals[0]);
  });

  it("switching on faults does not reshuffle arrivals (independent random streams)", () => {
    const calm = minimalScenarioFile();
    const faulty = structuredClone(calm);
    const provider = (faulty.providers as Record<string, unknown>[])[0] as Record<string, unknown>;
    provider.error_rate = 0.3;
    provider.timeout_rate = 0.1;
    const arrivalsOf = (file: Record<string, unknown>) =>
      eventsOfType(runLogged(scenarioFrom(file), 11).events, "job_arrived").map((event) => event.t);
    const calmRun = runLogged(scenarioFrom(calm), 11);
    const faultyRun = runLogged(scenarioFrom(faulty), 11);
    expect(faultyRun.summary.requests.errors).toBeGreaterThan(0);
    expect(arrivalsOf(faulty)).toEqual(arrivalsOf(calm));
    expect(calmRun.summary.requests.errors).toBe(0);
  });

  it("sequence numbers increase by one and time never goes back", () => {
    const { events } = runLogged(scenario, 2);
    events.forEach((event, index) => {
      expect(event.seq).toBe(index);
      if (index > 0) expect(event.t).toBeGreaterThanOrEqual((events[index - 1] as { t: number }).t);
    });
    expect(events[0]?.type).toBe("run_started");
    expect(events[events.length - 1]?.type).toBe("run_finished");
  });
});
