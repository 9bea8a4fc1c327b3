// The overload signal: a backlog that grows through the whole arrival window is reported, a steady one is
// not, however long the run, and the samples stay bounded.

import { describe, expect, it } from "vitest";
import { BacklogTrend, SAMPLES_MAX } from "../../src/metrics/backlog.ts";
import { minimalScenarioFile, runLogged, scenarioFrom } from "../helpers.ts";

function trend(jobsAt: (arrival: number) => number, arrivals: number): BacklogTrend {
  const backlog = new BacklogTrend();
  for (let arrival = 1; arrival <= arrivals; arrival += 1) backlog.arrival(arrival * 100, jobsAt(arrival));
  return backlog;
}

describe("backlog trend", () => {
  it("reports a backlog that grows the whole time", () => {
    const summary = trend((arrival) => Math.floor(arrival / 2), 100_000).summary();
    expect(summary.growing).toBe(true);
    expect(summary.jobs_at_end).toBe(50_000);
    // The half-way sample is the last one kept before it: within one stride of the true 25,000.
    expect(Math.abs(summary.jobs_at_half - 25_000)).toBeLessThan(250);
  });

  it("does not report a steady backlog, nor one that grew and then settled", () => {
    expect(trend((arrival) => 40 + (arrival % 7), 100_000).summary().growing).toBe(false);
    expect(trend((arrival) => Math.min(arrival, 5_000), 100_000).summary().growing).toBe(false);
  });

  it("does not report a handful of jobs, nor a backlog that fell in a quarter", () => {
    expect(trend((arrival) => Math.floor(arrival / 20_000), 100_000).summary().growing).toBe(false);
    expect(trend((arrival) => (arrival > 40_000 && arrival < 60_000 ? 10 : arrival), 100_000).summary().growing).toBe(false);
  });

  it("keeps at most SAMPLES_MAX samples", () => {
    const backlog = trend((arrival) => arrival, 1_000_000);
    expect((backlog as unknown as { timesMs: number[] }).timesMs.length).toBeLessThanOrEqual(SAMPLES_MAX);
  });
});

describe("backlog in a run's summary", () => {
  const run = (ratePerSecond: number): ReturnType<typeof runLogged>["summary"] => {
    const file = minimalScenarioFile();
    file.arrivals = { process: "poisson", rate_per_second: ratePerSecond };
    file.stop = { jobs: 2_000 };
    return runLogged(scenarioFrom(file), 1).summary;
  };

  // Each job is one request of about 1 s (0.5 s to the first token, 50 tokens at 100 a second) on 4 slots: 4 jobs/s.
  it("is growing when arrivals outpace service (5 jobs/s for 4 jobs/s of service), not at half the service (2 jobs/s)", () => {
    expect(run(5).backlog.growing).toBe(true);
    expect(run(2).backlog.growing).toBe(false);
  });
});
