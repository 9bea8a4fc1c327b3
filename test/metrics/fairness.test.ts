// Fairness figures on hand-built event logs whose answers are worked out by hand (docs/metrics.md, "Fairness").
// Each case that guards against a particular mistake is also run on that planted bug (fairness-mutants.ts) and
// must fail there.

import { describe, expect, it } from "vitest";
import type { LoggedEvent } from "../../src/eventlog/events.ts";
import { MetricsCollector } from "../../src/metrics/collector.ts";
import { type FairnessSummary, LAG_GROUPS_MAX } from "../../src/metrics/fairness.ts";
import { FairnessLog } from "./fairness-log.ts";
import { FAIRNESS_MUTANTS, type FairnessMutant } from "./fairness-mutants.ts";

type NewCollector = () => MetricsCollector;

function fairness(events: readonly LoggedEvent[], newCollector: NewCollector): { by_tenant: FairnessSummary; by_lane: FairnessSummary } {
  return newCollector().replay(events).summary().fairness;
}

function group(summary: FairnessSummary, name: string) {
  const found = summary.groups[name];
  if (found === undefined) throw new Error(`no group ${name}`);
  return found;
}

/** Tenants a and b each have a request in flight over [0, 200] and a task waiting over [0, 100]. */
function equalService(): LoggedEvent[] {
  return new FairnessLog()
    .job(0, 1, "a")
    .job(0, 2, "b")
    .ready(0, 1, 1).lease(0, 1).start(0, 1, 1, 100)
    .ready(0, 3, 2).lease(0, 3).start(0, 3, 2, 100)
    .ready(0, 2, 1)
    .ready(0, 4, 2)
    .lease(100, 2)
    .lease(100, 4)
    .finish(200, 1, 1, 100).done(200, 1)
    .finish(200, 3, 2, 100).done(200, 3)
    .done(300, 2)
    .done(300, 4)
    .end(300);
}

/** Tenants a and b wait over [0, 100]; a gets 400 tokens over [0, 40], b 200 tokens over [0, 60]. */
function twoToOne(queue?: ConstructorParameters<typeof FairnessLog>[0]): LoggedEvent[] {
  return new FairnessLog(queue)
    .job(0, 1, "a", "interactive")
    .job(0, 2, "b", "batch")
    .ready(0, 1, 1)
    .ready(0, 2, 2)
    .ready(0, 3, 1).lease(0, 3).start(0, 3, 1, 400)
    .ready(0, 4, 2).lease(0, 4).start(0, 4, 2, 200)
    .finish(40, 3, 1, 0).done(40, 3)
    .finish(60, 4, 2, 0).done(60, 4)
    .lease(100, 1)
    .lease(100, 2)
    .done(100, 1)
    .done(100, 2)
    .end(100);
}

/**
 * Tenant a has a request in flight whenever a and b both wait: 50 tokens at t=5 (before b waits), then the
 * pair's D = N_a − N_b goes 50 → 150 (a, t=10) → −150 (b, t=20) → −50 (a, t=30) → −150 (b, t=40): a lag of 300.
 * Both stop waiting at 100; a gets 1,000 tokens alone at 150; from 200 both wait again and D goes 850 → 1,050.
 */
function lagByHand(): LoggedEvent[] {
  return new FairnessLog()
    .job(0, 1, "a")
    .job(0, 2, "b")
    .ready(0, 10, 1)
    .ready(0, 11, 1).lease(0, 11).start(0, 11, 1, 20)
    .ready(0, 12, 1).lease(0, 12).start(0, 12, 2, 50)
    .ready(0, 13, 1).lease(0, 13).start(0, 13, 4, 50)
    .finish(5, 11, 1, 30).done(5, 11)
    .ready(8, 20, 2)
    .ready(8, 21, 2).lease(8, 21).start(8, 21, 3, 100)
    .ready(8, 22, 2).lease(8, 22).start(8, 22, 5, 50)
    .finish(10, 12, 2, 50).done(10, 12)
    .finish(20, 21, 3, 200).done(20, 21)
    .finish(30, 13, 4, 50).done(30, 13)
    .finish(40, 22, 5, 50).done(40, 22)
    .lease(100, 10).done(100, 10)
    .lease(100, 20).done(100, 20)
    .ready(110, 14, 1).lease(110, 14).start(110, 14, 6, 500)
    .finish(150, 14, 6, 500).done(150, 14)
    .ready(200, 15, 1)
    .ready(200, 23, 2)
    .ready(200, 16, 1).lease(200, 16).start(200, 16, 7, 100)
    .finish(250, 16, 7, 100).done(250, 16)
    .lease(300, 15).done(300, 15)
    .lease(300, 23).done(300, 23)
    .end(300);
}

interface Case {
  readonly name: string;
  /** The planted bug this case exists to catch, if any. */
  readonly catches?: FairnessMutant;
  check(newCollector: NewCollector): void;
}

const CASES: readonly Case[] = [
  {
    name: "two tenants with equal service while both wait: Jain 1, shares ½; one lane: no contention",
    check: (newCollector) => {
      const { by_tenant: tenants, by_lane: lanes } = fairness(equalService(), newCollector);
      expect(tenants.contended_ms).toBe(100);
      expect(tenants.fairness_jain_tokens).toBe(1);
      expect(tenants.fairness_jain_provider_time).toBe(1);
      // Each request's 200 tokens are spread over [0, 200]: half fell while its tenant waited with the other.
      expect(group(tenants, "a").contended_service_tokens).toBe(100);
      expect(group(tenants, "a").backlogged_contended_ms).toBe(100);
      expect(group(tenants, "b").service_tokens_share).toBe(0.5);
      expect(group(tenants, "b").provider_time_share).toBe(0.5);
      expect(tenants.service_lag_max_tokens).toBe(0);
      expect(Object.keys(lanes.groups)).toEqual(["batch"]);
      expect(lanes.fairness_jain_tokens).toBeNaN();
      expect(lanes.service_lag_max_tokens).toBeNaN();
    },
  },
  {
    name: "one of three tenants served while all three wait: Jain 1/3",
    check: (newCollector) => {
      const events = new FairnessLog()
        .job(0, 1, "a")
        .job(0, 2, "b")
        .job(0, 3, "c")
        .ready(0, 1, 1).lease(0, 1).start(0, 1, 1, 200)
        .ready(0, 2, 1)
        .ready(0, 3, 2)
        .ready(0, 4, 3)
        .finish(100, 1, 1, 100).done(100, 1)
        .lease(100, 2).done(150, 2)
        .lease(200, 3).done(200, 3)
        .lease(200, 4).done(200, 4)
        .end(200);
      const tenants = fairness(events, newCollector).by_tenant;
      expect(tenants.fairness_jain_tokens).toBeCloseTo(1 / 3, 12);
      expect(tenants.fairness_jain_provider_time).toBeCloseTo(1 / 3, 12);
      expect(group(tenants, "a").backlogged_contended_ms).toBe(100);
      expect(group(tenants, "c").backlogged_contended_ms).toBe(200);
      expect(tenants.service_lag_max_tokens).toBe(300);
    },
  },
  {
    name: "weights from run_started.queue: a at weight 2 getting twice b's tokens is fair",
    catches: "ignores_weights",
    check: (newCollector) => {
      const weighted = fairness(twoToOne({ kind: "wfq", group_by: "tenant", weights: { a: 2 }, default_weight: 1 }), newCollector);
      expect(weighted.by_tenant.fairness_jain_tokens).toBe(1);
      // D = 400/2 − 0 at t=40, then 200 − 200/1 at t=60.
      expect(weighted.by_tenant.service_lag_max_tokens).toBe(200);
      expect(weighted.by_tenant.weighted).toBe(true);
      expect(group(weighted.by_tenant, "a").weight).toBe(2);
      // The queue groups by tenant: lanes keep weight 1.
      expect(weighted.by_lane.weighted).toBe(false);
      expect(weighted.by_lane.fairness_jain_tokens).toBeCloseTo(0.9, 12);
      // Without a queue every weight is 1: rates 4 and 2 tokens/ms, (4 + 2)² / (2 × (16 + 4)) = 0.9.
      const plain = fairness(twoToOne(), newCollector).by_tenant;
      expect(plain.weighted).toBe(false);
      expect(plain.fairness_jain_tokens).toBeCloseTo(0.9, 12);
      expect(plain.service_lag_max_tokens).toBe(400);
    },
  },
  {
    name: "weights are relative to the default weight (DRR quanta in tokens), and project or lane grouping picks the dimension",
    catches: "ignores_weights",
    check: (newCollector) => {
      const quanta = fairness(twoToOne({ kind: "drr", group_by: "tenant", weights: { a: 8000 }, default_weight: 4000 }), newCollector).by_tenant;
      expect(quanta.service_lag_max_tokens).toBe(200);
      expect(group(quanta, "a").weight).toBe(2);
      expect(group(quanta, "b").weight).toBe(1);
      const project = fairness(twoToOne({ kind: "wfq", group_by: "project", weights: { a: 2 }, default_weight: 1 }), newCollector).by_tenant;
      expect(project.fairness_jain_tokens).toBe(1);
      const byLane = fairness(twoToOne({ kind: "wfq", group_by: "lane", weights: { interactive: 2 }, default_weight: 1 }), newCollector);
      expect(byLane.by_lane.fairness_jain_tokens).toBe(1);
      expect(byLane.by_tenant.fairness_jain_tokens).toBeCloseTo(0.9, 12);
    },
  },
  {
    name: "no two tenants ever wait at once (or only for an instant): Jain and lag absent, not 1",
    catches: "jain_one_without_contention",
    check: (newCollector) => {
      const events = new FairnessLog()
        .job(0, 1, "a")
        .job(0, 2, "b")
        .job(0, 3, "c")
        .job(0, 4, "d")
        .ready(0, 1, 1).lease(10, 1).start(10, 1, 1, 100).finish(20, 1, 1, 10).done(20, 1)
        .ready(20, 2, 2).lease(30, 2).start(30, 2, 2, 100).finish(40, 2, 2, 10).done(40, 2)
        .ready(50, 3, 3)
        .ready(50, 4, 4)
        .lease(50, 3)
        .lease(50, 4)
        .done(60, 3)
        .done(60, 4)
        .end(60);
      const tenants = fairness(events, newCollector).by_tenant;
      expect(tenants.contended_ms).toBe(0);
      expect(tenants.fairness_jain_tokens).toBeNaN();
      expect(tenants.fairness_jain_provider_time).toBeNaN();
      expect(tenants.service_lag_max_tokens).toBeNaN();
      expect(group(tenants, "a").service_tokens).toBe(110);
    },
  },
  {
    name: "service lag worked by hand: 300 tokens, measured afresh in each period both wait",
    catches: "lag_never_resets",
    check: (newCollector) => {
      const tenants = fairness(lagByHand(), newCollector).by_tenant;
      expect(tenants.service_lag_max_tokens).toBe(300);
      expect(tenants.contended_ms).toBe(92 + 100);
      expect(group(tenants, "a").service_tokens).toBe(50 + 100 + 100 + 1000 + 200);
    },
  },
  {
    name: "service outside contended time counts in shares but not in Jain",
    catches: "counts_service_outside_contention",
    check: (newCollector) => {
      // As equalService, plus 400 tokens for a over [100, 300], after the contention ended.
      const events = new FairnessLog()
        .job(0, 1, "a")
        .job(0, 2, "b")
        .ready(0, 1, 1).lease(0, 1).start(0, 1, 1, 100)
        .ready(0, 3, 2).lease(0, 3).start(0, 3, 2, 100)
        .ready(0, 2, 1)
        .ready(0, 4, 2)
        .lease(100, 2).start(100, 2, 3, 400)
        .lease(100, 4)
        .finish(200, 1, 1, 100).done(200, 1)
        .finish(200, 3, 2, 100).done(200, 3)
        .finish(300, 2, 3, 0).done(300, 2)
        .done(300, 4)
        .end(300);
      const tenants = fairness(events, newCollector).by_tenant;
      expect(tenants.fairness_jain_tokens).toBe(1);
      expect(group(tenants, "a").service_tokens_share).toBe(0.75);
    },
  },
  {
    name: "a task canceled while it waits ends its tenant's backlog at task_finished",
    catches: "cancel_keeps_backlog",
    check: (newCollector) => {
      const events = new FairnessLog()
        .job(0, 1, "a")
        .job(0, 2, "b")
        .ready(0, 1, 1)
        .ready(0, 2, 2)
        .done(40, 1, "canceled")
        .lease(100, 2).done(100, 2)
        .end(100);
      const tenants = fairness(events, newCollector).by_tenant;
      expect(tenants.contended_ms).toBe(40);
      expect(group(tenants, "a").backlogged_contended_ms).toBe(40);
      expect(group(tenants, "b").backlogged_contended_ms).toBe(40);
      // The canceled task never got a lease: no queue-wait sample for it.
      expect(group(tenants, "a").queue_wait_ms.count).toBe(0);
      expect(group(tenants, "b").queue_wait_ms.max).toBe(100);
    },
  },
  {
    name: "failed requests count in provider time, not in tokens",
    check: (newCollector) => {
      const events = new FairnessLog()
        .job(0, 1, "a")
        .job(0, 2, "b")
        .ready(0, 1, 1).lease(0, 1).start(0, 1, 1, 1000)
        .ready(0, 2, 2).lease(0, 2).start(0, 2, 2, 1000)
        .finish(50, 1, 1, 0, "rate_limited").start(50, 1, 3, 1000)
        .finish(100, 2, 2, 0, "error").done(100, 2, "failed")
        .finish(150, 1, 3, 200).done(150, 1)
        .end(150);
      const tenants = fairness(events, newCollector).by_tenant;
      expect(group(tenants, "a").service_tokens).toBe(1200);
      expect(group(tenants, "a").provider_time_ms).toBe(150);
      expect(group(tenants, "b").service_tokens).toBe(0);
      expect(group(tenants, "b").provider_time_ms).toBe(100);
      expect(group(tenants, "a").service_tokens_share).toBe(1);
      expect(group(tenants, "b").provider_time_share).toBe(0.4);
    },
  },
  {
    name: "a tenant that waits for one instant while a big request finishes does not decide the index",
    check: (newCollector) => {
      // a, b and c each get 2,000 tokens over [0, 1000]; a and b wait throughout, c only over [999, 1000].
      // Counted at the finish instant, c would show 2,000 tokens in 1 ms and Jain ≈ 1/3; spread, c's rate is a's.
      const log = new FairnessLog().job(0, 1, "a").job(0, 2, "b").job(0, 3, "c");
      for (const [job, running, waiting] of [[1, 1, 2], [2, 3, 4], [3, 5, 6]] as const) {
        log.ready(0, running, job).lease(0, running).start(0, running, job, 1000);
        if (job !== 3) log.ready(0, waiting, job);
      }
      log.ready(999, 6, 3);
      for (const [running, request] of [[1, 1], [3, 2], [5, 3]] as const) log.finish(1000, running, request, 1000).done(1000, running);
      for (const waiting of [2, 4, 6]) log.lease(1000, waiting).done(1000, waiting);
      const tenants = fairness(log.end(1000), newCollector).by_tenant;
      expect(tenants.fairness_jain_tokens).toBeCloseTo(1, 12);
      expect(group(tenants, "c").backlogged_contended_ms).toBe(1);
    },
  },
  {
    name: `past ${LAG_GROUPS_MAX} tenants the lag is absent: its pair state would grow with their square`,
    check: (newCollector) => {
      const log = new FairnessLog();
      const tenants = LAG_GROUPS_MAX + 1;
      for (let job = 1; job <= tenants; job += 1) log.job(0, job, `t${job}`).ready(0, job, job);
      for (let job = 1; job <= tenants; job += 1) log.lease(10, job).done(10, job);
      const summary = fairness(log.end(10), newCollector).by_tenant;
      expect(summary.contended_ms).toBe(10);
      expect(summary.service_lag_max_tokens).toBeNaN();
      expect(Object.keys(summary.groups)).toHaveLength(tenants);
    },
  },
  {
    name: "queue wait per tenant and per lane: P95 and max (nearest rank)",
    check: (newCollector) => {
      const log = new FairnessLog().job(0, 1, "a", "interactive").job(0, 2, "b", "batch").job(0, 3, "c", "batch");
      log.ready(0, 1, 1).ready(0, 2, 1).ready(0, 3, 2).ready(0, 4, 3);
      log.lease(10, 1).lease(20, 2).lease(30, 4).lease(100, 3);
      for (const task of [1, 2, 3, 4]) log.done(100, task);
      const { by_tenant: tenants, by_lane: lanes } = fairness(log.end(100), newCollector);
      expect(group(tenants, "a").queue_wait_ms).toMatchObject({ count: 2, p95: 20, max: 20 });
      expect(group(tenants, "b").queue_wait_ms).toMatchObject({ count: 1, p95: 100, max: 100 });
      expect(group(lanes, "batch").queue_wait_ms).toMatchObject({ count: 2, p50: 30, p95: 100, max: 100 });
      expect(group(lanes, "interactive").queue_wait_ms).toMatchObject({ count: 2, p50: 10, max: 20 });
    },
  },
];

describe("fairness on hand-built logs", () => {
  it.each(CASES.map((testCase) => [testCase.name, testCase] as const))("%s", (_, testCase) => {
    testCase.check(() => new MetricsCollector());
  });
});

function failureOf(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("the hand-built cases catch planted bugs", () => {
  const guarded = CASES.filter((testCase): testCase is Case & { catches: FairnessMutant } => testCase.catches !== undefined);
  it.each(guarded.map((testCase) => [testCase.catches, testCase] as const))("%s", (mutant, testCase) => {
    // The case must fail on an expectation, not on some other error in the case itself.
    expect(failureOf(() => testCase.check(FAIRNESS_MUTANTS[mutant]))).toMatchObject({ name: "AssertionError" });
  });

  it("every planted bug is caught by some case", () => {
    expect(new Set(guarded.map((testCase) => testCase.catches))).toEqual(new Set(Object.keys(FAIRNESS_MUTANTS)));
  });
});
