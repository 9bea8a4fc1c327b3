import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EventLimitError } from "../../src/sim/engine.ts";
import { leaseViolations } from "../lease-checker.ts";
import { eventsOfType, minimalScenarioFile, repositoryScenario, runLogged, scenarioFrom } from "../helpers.ts";

const scenarioNames = readdirSync(new URL("../../scenarios", import.meta.url))
  // schema.json beside them is the format's JSON Schema, for editors; not a scenario.
  .filter((name) => name.endsWith(".json") && name !== "schema.json")
  .map((name) => name.replace(/\.json$/, ""));

function provider(file: Record<string, unknown>): Record<string, unknown> {
  return (file.providers as Record<string, unknown>[])[0] as Record<string, unknown>;
}

describe("every scenario in scenarios/ keeps the lease contract", () => {
  const cases = scenarioNames.flatMap((name) => repositoryScenario(name).policies.map((policy) => [name, policy.name] as const));
  it.each(cases)("%s / %s: no over-limit instant, every lease released exactly once, nothing lost", (name, policyName) => {
    const base = repositoryScenario(name);
    // Large benchmark scenarios are checked on their first 3000 jobs.
    const scenario = { ...base, stop: { jobs: Math.min(base.stop.jobs ?? 3000, 3000), durationMs: base.stop.durationMs } };
    const policy = scenario.policies.find((candidate) => candidate.name === policyName);
    if (policy === undefined) throw new Error(`no policy ${policyName}`);
    const { events, summary } = runLogged(scenario, 1, policy);
    expect(leaseViolations(events)).toEqual([]);
    expect(summary.leases.unreleased).toBe(0);
    expect(summary.jobs.completed + summary.jobs.failed).toBe(summary.jobs.arrived);
  });

  it("the checker itself reports a leaked and an over-limit lease (planted in a log)", () => {
    const { events } = runLogged(scenarioFrom(minimalScenarioFile()), 1);
    const firstRelease = events.findIndex((event) => event.type === "lease_released");
    const leaked = events.filter((_, index) => index !== firstRelease);
    expect(leaseViolations(leaked).some((problem) => problem.includes("never released"))).toBe(true);
    const squeezed = events.map((event) => (event.type === "run_started" ? { ...event, capacities: { "provider:p": 1 } } : event));
    expect(leaseViolations(squeezed).some((problem) => problem.includes("> limit"))).toBe(true);
    const firstTask = events.findIndex((event) => event.type === "task_finished");
    const failedButCompleted = events.map((event, index) => (index === firstTask ? { ...event, status: "failed" } : event)) as typeof events;
    expect(leaseViolations(failedButCompleted).some((problem) => problem.includes("reported completed"))).toBe(true);
  });
});

describe("provider limits seen in the event log", () => {
  function overloaded(mode: "token_bucket" | "fixed_window") {
    const file = minimalScenarioFile();
    file.stop = { jobs: 600 };
    file.arrivals = { process: "poisson", rate_per_second: 3 };
    Object.assign(provider(file), { max_concurrent: 8, rate_limit: { mode, requests_per_minute: 60, tokens_per_minute: 20_000 } });
    return runLogged(scenarioFrom(file), 2);
  }

  function admittedTimes(events: ReturnType<typeof overloaded>["events"]): number[] {
    const started = new Map(eventsOfType(events, "request_started").map((event) => [event.request, event.t]));
    return eventsOfType(events, "request_finished")
      .filter((event) => event.status !== "rate_limited")
      .map((event) => started.get(event.request) as number)
      .sort((a, b) => a - b);
  }

  it("fixed window: no minute holds more admitted requests than the RPM, and it does get 429s", () => {
    const { events, summary } = overloaded("fixed_window");
    const perMinute = new Map<number, number>();
    for (const time of admittedTimes(events)) perMinute.set(Math.floor(time / 60_000), (perMinute.get(Math.floor(time / 60_000)) ?? 0) + 1);
    expect(Math.max(...perMinute.values())).toBeLessThanOrEqual(60);
    expect(Math.max(...perMinute.values())).toBe(60);
    expect(summary.requests.rate_limited).toBeGreaterThan(0);
  });

  it("token bucket: any span of d ms admits at most RPM + RPM·d/60 000 requests", () => {
    const { events, summary } = overloaded("token_bucket");
    const times = admittedTimes(events);
    for (let first = 0; first < times.length; first += 1) {
      for (let last = first; last < times.length; last += 1) {
        const span = (times[last] as number) - (times[first] as number);
        expect(last - first + 1).toBeLessThanOrEqual(60 + (60 * span) / 60_000 + 1e-6);
      }
    }
    expect(summary.requests.rate_limited).toBeGreaterThan(0);
  });

  it("a policy that honours retry-after retries exactly when the 429 said", () => {
    const { events } = overloaded("token_bucket");
    const started = eventsOfType(events, "request_started");
    let checked = 0;
    for (const refusal of eventsOfType(events, "request_finished").filter((event) => event.status === "rate_limited")) {
      const retry = started.find((event) => event.task === refusal.task && event.seq > refusal.seq);
      if (retry === undefined) continue;
      expect(retry.t).toBeCloseTo(refusal.t + (refusal.retry_after_ms as number), 6);
      expect(retry.attempt).toBeGreaterThan(1);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(10);
  });
});

describe("failure paths", () => {
  it("a task that exhausts its attempts fails its job; queued and pending siblings are canceled", () => {
    const file = minimalScenarioFile();
    file.stop = { jobs: 20 };
    provider(file).error_rate = 1;
    file.templates = [{ name: "t", provider: "p", shape: { kind: "fanout", width: 3 }, input_tokens: 10, output_tokens: 5, max_output_tokens: 10 }];
    file.policies = [{ name: "fifo", retry: { max_attempts: 3, error_backoff_base_ms: 100 } }];
    const { events, summary } = runLogged(scenarioFrom(file), 1);
    expect(summary.jobs.failed).toBe(20);
    expect(summary.requests.started).toBe(20 * 3);
    // Each job: the plan task fails after 3 attempts; its 3 workers and the aggregate are canceled.
    expect(summary.tasks.failed).toBe(20);
    expect(summary.tasks.canceled).toBe(20 * 4);
    expect(summary.leases.reasons).toEqual({ failure: 20 });
    expect(leaseViolations(events)).toEqual([]);
    // Errors wait error_backoff_base_ms × 2^(attempt − 1) before the next attempt: 100 ms, then 200 ms.
    const started = eventsOfType(events, "request_started").filter((event) => event.task === 1);
    const failed = eventsOfType(events, "request_finished").filter((event) => event.task === 1);
    expect(started.slice(1).map((event, index) => event.t - (failed[index] as { t: number }).t)).toEqual([100, 200]);
  });

  it("requests that start inside an outage fail; before and after it they succeed", () => {
    const file = minimalScenarioFile();
    file.stop = { jobs: 300 };
    provider(file).outages = [{ start_ms: 10_000, end_ms: 20_000, status: "error" }];
    file.policies = [{ name: "fifo", retry: { max_attempts: 1 } }];
    const { events } = runLogged(scenarioFrom(file), 1);
    const started = new Map(eventsOfType(events, "request_started").map((event) => [event.request, event.t]));
    for (const finished of eventsOfType(events, "request_finished")) {
      const start = started.get(finished.request) as number;
      expect(finished.status).toBe(start >= 10_000 && start < 20_000 ? "error" : "ok");
    }
    expect(eventsOfType(events, "request_finished").some((event) => event.status === "error")).toBe(true);
  });

  it("a request larger than the provider's token limit fails at once, without retries", () => {
    const file = minimalScenarioFile();
    file.stop = { jobs: 5 };
    provider(file).rate_limit = { mode: "token_bucket", tokens_per_minute: 1000 };
    file.templates = [{ name: "t", provider: "p", input_tokens: 100, output_tokens: 1, max_output_tokens: 10 }];
    // The loader refuses such a template (its P99.9 cannot fit); the simulator must still fail its requests at once.
    const loaded = scenarioFrom(file);
    const template = loaded.templates[0] as (typeof loaded.templates)[number];
    const scenario = { ...loaded, templates: [{ ...template, inputTokens: { kind: "exponential" as const, mean: 100_000 } }] };
    const { events, summary } = runLogged(scenario, 1);
    expect(summary.jobs.failed).toBe(5);
    expect(summary.requests.retries).toBe(0);
    expect(eventsOfType(events, "job_finished").map((event) => event.status)).toEqual(Array(5).fill("failed"));
  });

  it("a run over its event limit stops with a clear error instead of running on", () => {
    // The loader refuses a file whose jobs must go over (size-limits.ts); a run can still go over when retries and faults add events.
    const file = minimalScenarioFile();
    file.limits = { max_events: 100 };
    expect(() => scenarioFrom(file)).toThrow(/stop\.jobs: makes about 200 jobs of at least 8 events each/);
    delete file.limits;
    const loaded = scenarioFrom(file);
    const scenario = { ...loaded, limits: { ...loaded.limits, maxEvents: 100 } };
    expect(() => runLogged(scenario, 1)).toThrow(EventLimitError);
    expect(() => runLogged(scenario, 1)).toThrow(/limit of 100 events/);
  });
});

describe("job shapes", () => {
  it("fan-out: the plan completes before any worker starts, the aggregate starts after every worker", () => {
    const file = minimalScenarioFile();
    file.stop = { jobs: 30 };
    file.templates = [{ name: "t", provider: "p", shape: { kind: "fanout", width: 4 }, input_tokens: 10, output_tokens: 5, max_output_tokens: 10 }];
    const { events } = runLogged(scenarioFrom(file), 3);
    const finishedAt = new Map(eventsOfType(events, "task_finished").map((event) => [event.task, event.t]));
    for (const job of eventsOfType(events, "job_arrived")) {
      const ready = eventsOfType(events, "task_ready").filter((event) => event.job === job.job);
      expect(ready.map((event) => event.role)).toEqual(["plan", "work", "work", "work", "work", "aggregate"]);
      const plan = ready[0] as { task: number };
      const aggregate = ready[5] as { t: number };
      for (const work of ready.slice(1, 5)) {
        expect(work.t).toBe(finishedAt.get(plan.task));
        expect(aggregate.t).toBeGreaterThanOrEqual(finishedAt.get(work.task) as number);
      }
    }
  });

  it("chain: each task is ready only when the previous one finished; calls_per_task makes sequential requests", () => {
    const file = minimalScenarioFile();
    file.stop = { jobs: 10 };
    file.templates = [{ name: "t", provider: "p", shape: { kind: "chain", length: 3 }, calls_per_task: 2, input_tokens: 10, output_tokens: 5, max_output_tokens: 10 }];
    const { events, summary } = runLogged(scenarioFrom(file), 3);
    expect(summary.requests.started).toBe(10 * 3 * 2);
    const finishedAt = new Map(eventsOfType(events, "task_finished").map((event) => [event.task, event.t]));
    for (const ready of eventsOfType(events, "task_ready")) {
      if (ready.task % 3 !== 1) expect(ready.t).toBe(finishedAt.get(ready.task - 1));
    }
  });

  it("spawn delay: the worker starts spawn_ms after its lease, and holds the lease meanwhile", () => {
    const file = minimalScenarioFile();
    file.stop = { jobs: 20 };
    file.workers = { spawn_ms: 250 };
    const { events } = runLogged(scenarioFrom(file), 3);
    const leasedAt = new Map(eventsOfType(events, "lease_acquired").map((event) => [event.task, event.t]));
    for (const spawned of eventsOfType(events, "worker_spawned")) expect(spawned.t - (leasedAt.get(spawned.task) as number)).toBeCloseTo(250, 6);
  });
});

describe("the default scenario", () => {
  it("runs its slow provider near 85% of its request limit", () => {
    const scenario = repositoryScenario("default");
    const { events, summary } = runLogged(scenario, 1);
    const smartAdmitted = eventsOfType(events, "request_finished").filter((event) => event.provider === "smart" && event.status !== "rate_limited").length;
    const requestsPerMinute = (smartAdmitted * 60_000) / summary.makespan_ms;
    const limit = scenario.providers.find((candidate) => candidate.name === "smart")?.rateLimit.requestsPerMinute as number;
    expect(requestsPerMinute / limit).toBeGreaterThan(0.75);
    expect(requestsPerMinute / limit).toBeLessThan(0.95);
  });
});

describe("workload", () => {
  it("constant arrivals are evenly spaced at 1/rate", () => {
    const file = minimalScenarioFile();
    file.stop = { jobs: 50 };
    file.arrivals = { process: "constant", rate_per_second: 4 };
    const times = eventsOfType(runLogged(scenarioFrom(file), 1).events, "job_arrived").map((event) => event.t);
    expect(times).toHaveLength(50);
    times.forEach((time, index) => expect(time).toBeCloseTo(250 * (index + 1), 6));
  });

  it("Poisson arrivals have the requested mean rate", () => {
    const file = minimalScenarioFile();
    file.stop = { jobs: 20_000 };
    file.arrivals = { process: "poisson", rate_per_second: 4 };
    const arrived = eventsOfType(runLogged(scenarioFrom(file), 1).events, "job_arrived");
    const ratePerSecond = (arrived.length * 1000) / (arrived[arrived.length - 1] as { t: number }).t;
    expect(ratePerSecond).toBeGreaterThan(3.9);
    expect(ratePerSecond).toBeLessThan(4.1);
  });

  it("a duration stops arrivals at duration_ms, then the run drains every job", () => {
    const file = minimalScenarioFile();
    file.stop = { duration_ms: 60_000 };
    const { events, summary } = runLogged(scenarioFrom(file), 1);
    const arrived = eventsOfType(events, "job_arrived");
    expect(Math.max(...arrived.map((event) => event.t))).toBeLessThan(60_000);
    expect(arrived.length).toBeGreaterThan(250);
    expect(summary.jobs.completed).toBe(arrived.length);
    expect(summary.makespan_ms).toBeGreaterThanOrEqual(Math.max(...arrived.map((event) => event.t)));
  });

  it("with both jobs and duration_ms, whichever comes first stops arrivals", () => {
    const file = minimalScenarioFile();
    file.stop = { jobs: 10, duration_ms: 60_000 };
    expect(runLogged(scenarioFrom(file), 1).summary.jobs.arrived).toBe(10);
  });

  it("templates are chosen in proportion to their weights", () => {
    const file = minimalScenarioFile();
    file.stop = { jobs: 4000 };
    file.templates = [
      { name: "common", weight: 3, provider: "p", input_tokens: 10, output_tokens: 5, max_output_tokens: 10 },
      { name: "rare", weight: 1, provider: "p", input_tokens: 10, output_tokens: 5, max_output_tokens: 10 },
    ];
    const arrived = eventsOfType(runLogged(scenarioFrom(file), 1).events, "job_arrived");
    const rareShare = arrived.filter((event) => event.template === "rare").length / arrived.length;
    expect(rareShare).toBeGreaterThan(0.22);
    expect(rareShare).toBeLessThan(0.28);
  });
});
