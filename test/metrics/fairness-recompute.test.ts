// Recomputes every fairness figure from a parsed JSONL log with independent, deliberately naive code (whole
// sets of waiting tasks after each event, lists of contended intervals, the lag of each pair from the list of
// its D values), and checks the summary agrees; then shows that each planted bug makes it disagree.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { LoggedEvent } from "../../src/eventlog/events.ts";
import type { RunSummary } from "../../src/metrics/collector.ts";
import type { FairnessSummary } from "../../src/metrics/fairness.ts";
import { eventsOfType, minimalScenarioFile, runLogged, scenarioFrom } from "../helpers.ts";
import { FAIRNESS_MUTANTS, type FairnessMutant } from "./fairness-mutants.ts";

type Dimension = "tenant" | "lane";

interface GroupFigures {
  tokens: number;
  providerTimeMs: number;
  backloggedContendedMs: number;
  contendedTokens: number;
  contendedProviderTimeMs: number;
  waits: number[];
}

interface Figures {
  readonly groups: Map<string, GroupFigures>;
  readonly contendedMs: number;
  readonly jainTokens: number;
  readonly jainProviderTime: number;
  readonly lagMaxTokens: number;
}

function naiveJain(values: number[]): number {
  const sum = values.reduce((total, value) => total + value, 0);
  const squares = values.reduce((total, value) => total + value * value, 0);
  return values.length === 0 || squares === 0 ? Number.NaN : (sum * sum) / (values.length * squares);
}

function naivePercentile(values: number[], percent: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.find((candidate) => sorted.filter((value) => value <= candidate).length >= (percent / 100) * sorted.length) ?? Number.NaN;
}

function recompute(events: readonly LoggedEvent[], dimension: Dimension): Figures {
  const queue = eventsOfType(events, "run_started")[0]?.queue;
  const weighsThis = queue !== undefined && (queue.group_by === dimension || (dimension === "tenant" && queue.group_by === "project"));
  const weightOf = (group: string): number => (weighsThis ? (queue.weights[group] ?? queue.default_weight) / queue.default_weight : 1);

  const groupOfJob = new Map(eventsOfType(events, "job_arrived").map((event) => [event.job, event[dimension]]));
  const groupOfTask = new Map(eventsOfType(events, "task_ready").map((event) => [event.task, groupOfJob.get(event.job) as string]));
  const groups = new Map<string, GroupFigures>();
  for (const group of groupOfJob.values()) {
    groups.set(group, { tokens: 0, providerTimeMs: 0, backloggedContendedMs: 0, contendedTokens: 0, contendedProviderTimeMs: 0, waits: [] });
  }
  const figuresOf = (group: string): GroupFigures => groups.get(group) as GroupFigures;

  // After each event: the set of backlogged groups (a group with a task between task_ready and its lease or end).
  const waiting = new Map<number, number>();
  const backloggedAfter: Set<string>[] = [];
  for (const event of events) {
    // A second task_ready while it waits restarts its wait (as queue wait does) but adds no second waiting task.
    if (event.type === "task_ready") waiting.set(event.task, event.t);
    if (event.type === "lease_acquired" && waiting.has(event.task)) {
      figuresOf(groupOfTask.get(event.task) as string).waits.push(event.t - (waiting.get(event.task) as number));
      waiting.delete(event.task);
    }
    if (event.type === "task_finished") waiting.delete(event.task);
    backloggedAfter.push(new Set([...waiting.keys()].map((task) => groupOfTask.get(task) as string)));
  }

  // Contended intervals of each group: between two events, while it and at least one other group are backlogged.
  const intervals = new Map<string, [number, number][]>([...groups.keys()].map((group) => [group, []]));
  let contendedMs = 0;
  for (let index = 0; index + 1 < events.length; index += 1) {
    const from = (events[index] as LoggedEvent).t;
    const to = (events[index + 1] as LoggedEvent).t;
    const backlogged = backloggedAfter[index] as Set<string>;
    if (backlogged.size < 2 || to === from) continue;
    contendedMs += to - from;
    for (const group of backlogged) intervals.get(group)?.push([from, to]);
  }
  for (const [group, list] of intervals) figuresOf(group).backloggedContendedMs = list.reduce((total, [from, to]) => total + to - from, 0);
  const overlap = (group: string, from: number, to: number): number =>
    (intervals.get(group) ?? []).reduce((total, [start, end]) => total + Math.max(0, Math.min(to, end) - Math.max(from, start)), 0);

  // Requests: tokens of ok ones, duration of every finished one, and the parts that fell in contended intervals.
  const started = new Map(eventsOfType(events, "request_started").map((event) => [event.request, event]));
  for (const finished of eventsOfType(events, "request_finished")) {
    const start = started.get(finished.request);
    if (start === undefined) throw new Error(`request ${finished.request} finished without starting`);
    const group = figuresOf(groupOfTask.get(finished.task) as string);
    const durationMs = finished.t - start.t;
    const inContentionMs = overlap(groupOfTask.get(finished.task) as string, start.t, finished.t);
    group.providerTimeMs += durationMs;
    group.contendedProviderTimeMs += inContentionMs;
    if (finished.status !== "ok") continue;
    const tokens = start.input_tokens + finished.output_tokens;
    group.tokens += tokens;
    if (durationMs > 0) group.contendedTokens += (tokens * inContentionMs) / durationMs;
  }

  const rated = [...groups].filter(([, group]) => group.backloggedContendedMs > 0);
  const rate = (service: (group: GroupFigures) => number) =>
    rated.map(([name, group]) => service(group) / (weightOf(name) * group.backloggedContendedMs));

  // Lag: for each pair, the D values over each run of events after which both are backlogged.
  const names = [...groups.keys()];
  let lagMaxTokens = 0;
  const closePeriod = (values: number[]): void => {
    if (values.length > 0) lagMaxTokens = Math.max(lagMaxTokens, values.reduce((a, b) => Math.max(a, b)) - values.reduce((a, b) => Math.min(a, b)));
  };
  for (const first of names) {
    for (const second of names) {
      if (first >= second) continue;
      const normalised = new Map([[first, 0], [second, 0]]);
      let values: number[] = [];
      events.forEach((event, index) => {
        if (event.type === "request_finished" && event.status === "ok") {
          const group = groupOfTask.get(event.task) as string;
          const start = started.get(event.request);
          if (normalised.has(group) && start !== undefined) {
            normalised.set(group, (normalised.get(group) as number) + (start.input_tokens + event.output_tokens) / weightOf(group));
          }
        }
        const backlogged = backloggedAfter[index] as Set<string>;
        if (backlogged.has(first) && backlogged.has(second)) {
          values.push((normalised.get(first) as number) - (normalised.get(second) as number));
        } else {
          closePeriod(values);
          values = [];
        }
      });
      closePeriod(values);
    }
  }
  return {
    groups,
    contendedMs,
    jainTokens: naiveJain(rate((group) => group.contendedTokens)),
    jainProviderTime: naiveJain(rate((group) => group.contendedProviderTimeMs)),
    lagMaxTokens: contendedMs > 0 ? lagMaxTokens : Number.NaN,
  };
}

/** Disagreements between a reported fairness summary and the naive figures (empty when they agree). */
function disagreements(reported: FairnessSummary, naive: Figures): string[] {
  const problems: string[] = [];
  const close = (what: string, actual: number, expected: number): void => {
    const same = Number.isNaN(expected) ? Number.isNaN(actual) : Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
    if (!same) problems.push(`${what}: reported ${actual}, recomputed ${expected}`);
  };
  close("contended_ms", reported.contended_ms, naive.contendedMs);
  close("fairness_jain_tokens", reported.fairness_jain_tokens, naive.jainTokens);
  close("fairness_jain_provider_time", reported.fairness_jain_provider_time, naive.jainProviderTime);
  close("service_lag_max_tokens", reported.service_lag_max_tokens, naive.lagMaxTokens);
  if (Object.keys(reported.groups).join() !== [...naive.groups.keys()].sort().join()) problems.push("groups differ");
  const tokensTotal = [...naive.groups.values()].reduce((total, group) => total + group.tokens, 0);
  const providerTimeTotalMs = [...naive.groups.values()].reduce((total, group) => total + group.providerTimeMs, 0);
  for (const [name, group] of naive.groups) {
    const service = reported.groups[name];
    if (service === undefined) continue;
    close(`${name} service_tokens`, service.service_tokens, group.tokens);
    close(`${name} service_tokens_share`, service.service_tokens_share, group.tokens / tokensTotal);
    close(`${name} provider_time_ms`, service.provider_time_ms, group.providerTimeMs);
    close(`${name} provider_time_share`, service.provider_time_share, group.providerTimeMs / providerTimeTotalMs);
    close(`${name} backlogged_contended_ms`, service.backlogged_contended_ms, group.backloggedContendedMs);
    close(`${name} contended_service_tokens`, service.contended_service_tokens, group.contendedTokens);
    close(`${name} contended_provider_time_ms`, service.contended_provider_time_ms, group.contendedProviderTimeMs);
    close(`${name} queue_wait_ms_p95`, service.queue_wait_ms.p95, naivePercentile(group.waits, 95));
    close(`${name} queue_wait_ms_max`, service.queue_wait_ms.max, group.waits.length === 0 ? Number.NaN : Math.max(...group.waits));
  }
  return problems;
}

function allDisagreements(summary: RunSummary, events: readonly LoggedEvent[]): string[] {
  return [
    ...disagreements(summary.fairness.by_tenant, recompute(events, "tenant")).map((problem) => `tenant ${problem}`),
    ...disagreements(summary.fairness.by_lane, recompute(events, "lane")).map((problem) => `lane ${problem}`),
  ];
}

/** scenarios/multi-tenant.json, smaller, with cancellations, stale selections, errors and timeouts, and the given queue. */
function multiTenant(queue: Record<string, unknown>): ReturnType<typeof scenarioFrom> {
  const file = JSON.parse(readFileSync(new URL("../../scenarios/multi-tenant.json", import.meta.url), "utf8")) as Record<string, unknown>;
  const [provider] = file.providers as Record<string, unknown>[];
  return scenarioFrom({
    ...file,
    stop: { jobs: 500 },
    providers: [{ ...provider, error_rate: 0.03, timeout_rate: 0.01, timeout_ms: 4000 }],
    faults: { job_cancel_rate: 0.08, cancel_after_ms: { kind: "uniform", min: 0, max: 20000 }, stale_selection_rate: 0.02 },
    policies: [{ name: "under-test", queue }],
  });
}

describe("fairness figures recomputed from the event log", () => {
  const weighted = runLogged(multiTenant({ kind: "wfq", group_by: "tenant", weights: { bulk: 3 }, cost: "tokens" }), 5);
  const byLane = runLogged(multiTenant({ kind: "drr", group_by: "lane", quanta: { interactive: 2 } }), 5);
  const single = runLogged(scenarioFrom(minimalScenarioFile()), 5);
  const logged = [
    ["multi-tenant, wfq by tenant with bulk at weight 3", weighted],
    ["multi-tenant, drr by lane with interactive at twice the quantum", byLane],
    ["one tenant, one lane: nothing to contend", single],
  ] as const;

  it.each(logged)("%s", (_, { summary, events }) => {
    expect(allDisagreements(summary, events)).toEqual([]);
  });

  it("the runs exercise what the figures depend on", () => {
    const tenants = weighted.summary.fairness.by_tenant;
    expect(tenants.weighted).toBe(true);
    expect(tenants.contended_ms).toBeGreaterThan(0);
    expect(tenants.fairness_jain_tokens).toBeLessThan(1);
    expect(tenants.service_lag_max_tokens).toBeGreaterThan(0);
    expect(weighted.summary.requests.errors + weighted.summary.requests.timeouts).toBeGreaterThan(0);
    // Some task was canceled while it waited (task_finished with no lease since its task_ready).
    const leasedSinceReady = new Set<number>();
    let canceledWhileWaiting = 0;
    for (const event of weighted.events) {
      if (event.type === "task_ready") leasedSinceReady.delete(event.task);
      if (event.type === "lease_acquired") leasedSinceReady.add(event.task);
      if (event.type === "task_finished" && event.status === "canceled" && !leasedSinceReady.has(event.task)) canceledWhileWaiting += 1;
    }
    expect(canceledWhileWaiting).toBeGreaterThan(0);
    expect(byLane.summary.fairness.by_lane.weighted).toBe(true);
    expect(byLane.summary.fairness.by_lane.groups["interactive"]?.weight).toBe(2);
    expect(single.summary.fairness.by_tenant.fairness_jain_tokens).toBeNaN();
  });

  it.each(Object.keys(FAIRNESS_MUTANTS) as FairnessMutant[])("catches the planted bug %s", (mutant) => {
    const found = logged.flatMap(([, { events }]) => allDisagreements(FAIRNESS_MUTANTS[mutant]().replay(events).summary(), events));
    expect(found).not.toEqual([]);
  });
});
