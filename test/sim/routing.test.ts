// Provider routing for plan and aggregate tasks, and cost per job, both checked from the event log.

import { describe, expect, it } from "vitest";
import { eventsOfType, minimalScenarioFile, runLogged, scenarioFrom } from "../helpers.ts";

function twoProviderFile(): Record<string, unknown> {
  const file = minimalScenarioFile();
  const latency = { time_to_first_token_ms: 100, decode_tokens_per_second: 100 };
  file.stop = { jobs: 20 };
  file.providers = [
    { name: "big", max_concurrent: 4, latency, price_per_1k_input_tokens: 0.01, price_per_1k_output_tokens: 0.03 },
    { name: "cheap", max_concurrent: 4, latency, price_per_1k_input_tokens: 0.001, price_per_1k_output_tokens: 0.002 },
    { name: "judge", max_concurrent: 4, latency },
  ];
  file.templates = [
    { name: "research", provider: "big", shape: { kind: "fanout", width: 3 }, input_tokens: 1000, output_tokens: 100, max_output_tokens: 200 },
  ];
  return file;
}

function providerByRole(file: Record<string, unknown>): Map<string, Set<string>> {
  const { events } = runLogged(scenarioFrom(file), 1);
  const roleOf = new Map(eventsOfType(events, "task_ready").map((event) => [event.task, event.role]));
  const byRole = new Map<string, Set<string>>();
  for (const request of eventsOfType(events, "request_started")) {
    const role = roleOf.get(request.task) as string;
    byRole.set(role, (byRole.get(role) ?? new Set()).add(request.provider));
  }
  return byRole;
}

describe("provider routing: explicit role provider → orchestrator provider → primary", () => {
  it("without an orchestrator provider every task uses the template's provider", () => {
    const byRole = providerByRole(twoProviderFile());
    for (const role of ["plan", "work", "aggregate"]) expect([...(byRole.get(role) ?? [])]).toEqual(["big"]);
  });

  it("plan and aggregate go to the orchestrator provider; work stays on the primary", () => {
    const file = twoProviderFile();
    file.orchestrator_provider = "cheap";
    const byRole = providerByRole(file);
    expect([...(byRole.get("plan") ?? [])]).toEqual(["cheap"]);
    expect([...(byRole.get("aggregate") ?? [])]).toEqual(["cheap"]);
    expect([...(byRole.get("work") ?? [])]).toEqual(["big"]);
  });

  it("a policy's orchestrator provider wins over the scenario's", () => {
    const file = twoProviderFile();
    file.orchestrator_provider = "cheap";
    file.policies = [{ name: "judged", orchestrator_provider: "judge" }];
    const byRole = providerByRole(file);
    expect([...(byRole.get("plan") ?? [])]).toEqual(["judge"]);
    expect([...(byRole.get("aggregate") ?? [])]).toEqual(["judge"]);
    expect([...(byRole.get("work") ?? [])]).toEqual(["big"]);
  });

  it("a template's explicit role provider wins over the orchestrator provider", () => {
    const file = twoProviderFile();
    file.orchestrator_provider = "cheap";
    (file.templates as Record<string, unknown>[])[0] = { ...(file.templates as Record<string, unknown>[])[0], role_providers: { aggregate: "judge" } };
    const byRole = providerByRole(file);
    expect([...(byRole.get("plan") ?? [])]).toEqual(["cheap"]);
    expect([...(byRole.get("aggregate") ?? [])]).toEqual(["judge"]);
  });
});

describe("cost", () => {
  it("is the price of successful requests' input and produced output, per completed job", () => {
    const file = twoProviderFile();
    file.orchestrator_provider = "cheap";
    const { summary } = runLogged(scenarioFrom(file), 1);
    // Per job: plan and aggregate on cheap, 3 workers on big; 1000 input and 100 output tokens each.
    const cheap = (1000 * 0.001 + 100 * 0.002) / 1000;
    const big = (1000 * 0.01 + 100 * 0.03) / 1000;
    const perJob = 2 * cheap + 3 * big;
    expect(summary.cost.per_completed_job.mean).toBeCloseTo(perJob, 12);
    expect(summary.cost.per_completed_job.max).toBeCloseTo(perJob, 12);
    expect(summary.cost.total).toBeCloseTo(20 * perJob, 10);
  });
});
