// The simulator against queueing theory: if these fail, the engine's notion of time or of capacity is wrong.

import { describe, expect, it } from "vitest";
import { runOnce } from "../../src/experiment/run.ts";
import { eventsOfType, firstPolicy, minimalScenarioFile, repositoryScenario, runLogged, scenarioFrom } from "../helpers.ts";

/** Erlang C: the probability that an arrival waits in an M/M/c queue with offered load a = λ/μ. */
function erlangC(servers: number, offeredLoad: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 1; k < servers; k += 1) {
    term *= offeredLoad / k;
    sum += term;
  }
  const last = (term * offeredLoad) / servers;
  const utilization = offeredLoad / servers;
  const waiting = last / (1 - utilization);
  return waiting / (sum + waiting);
}

describe("queueing theory", () => {
  it("Little's law L = λW holds over a steady-state window of the default scenario", () => {
    const base = repositoryScenario("default");
    const scenario = { ...base, stop: { jobs: 3000, durationMs: undefined } };
    const { events } = runLogged(scenario, 5);
    const arrived = eventsOfType(events, "job_arrived");
    const finishedAt = new Map(eventsOfType(events, "job_finished").map((event) => [event.job, event.t]));
    // Leave out warm-up and drain: the middle 60% of the arrival period.
    const lastArrival = (arrived[arrived.length - 1] as { t: number }).t;
    const windowStart = 0.2 * lastArrival;
    const windowEnd = 0.8 * lastArrival;
    const windowLength = windowEnd - windowStart;

    let timeInWindow = 0;
    let arrivals = 0;
    let sojournTotal = 0;
    for (const job of arrived) {
      const finished = finishedAt.get(job.job);
      if (finished === undefined) throw new Error(`job ${job.job} never finished`);
      timeInWindow += Math.max(0, Math.min(finished, windowEnd) - Math.max(job.t, windowStart));
      if (job.t >= windowStart && job.t < windowEnd) {
        arrivals += 1;
        sojournTotal += finished - job.t;
      }
    }
    const averageInSystem = timeInWindow / windowLength;
    const arrivalRate = arrivals / windowLength;
    const meanSojourn = sojournTotal / arrivals;
    expect(arrivals).toBeGreaterThan(1000);
    expect(averageInSystem / (arrivalRate * meanSojourn)).toBeGreaterThan(0.97);
    expect(averageInSystem / (arrivalRate * meanSojourn)).toBeLessThan(1.03);
  });

  it("an M/M/4 provider at 80% load has the mean queue wait Erlang C predicts", () => {
    const servers = 4;
    const serviceMeanMs = 1000;
    const arrivalRatePerSecond = 3.2;
    const file = minimalScenarioFile();
    file.stop = { jobs: 100_000 };
    file.arrivals = { process: "poisson", rate_per_second: arrivalRatePerSecond };
    file.providers = [
      {
        name: "p",
        max_concurrent: servers,
        latency: { time_to_first_token_ms: { kind: "exponential", mean: serviceMeanMs }, decode_tokens_per_second: 100 },
      },
    ];
    file.templates = [{ name: "t", provider: "p", input_tokens: 10, output_tokens: 0, max_output_tokens: 10 }];
    const scenario = scenarioFrom(file);

    const offeredLoad = (arrivalRatePerSecond * serviceMeanMs) / 1000;
    const serviceRatePerMs = 1 / serviceMeanMs;
    const expectedWaitMs = erlangC(servers, offeredLoad) / (servers * serviceRatePerMs - arrivalRatePerSecond / 1000);

    const seeds = [1, 2, 3];
    const meanWaitMs = seeds.map((seed) => runOnce({ scenario, policy: firstPolicy(scenario), seed }).queue_wait_ms.mean).reduce((a, b) => a + b, 0) / seeds.length;
    // Erlang C for these numbers: P(wait) ≈ 0.596, Wq ≈ 745 ms.
    expect(expectedWaitMs).toBeGreaterThan(700);
    expect(meanWaitMs / expectedWaitMs).toBeGreaterThan(0.95);
    expect(meanWaitMs / expectedWaitMs).toBeLessThan(1.05);
  });
});
