// proportional under random arrivals and completions, with the global cap enforced as the ledger would: a group
// never starts a task past its share (capacity × quota / Σ quotas of active groups) while another group waits,
// and capacity is never left idle for a group that is not waiting (alone, a group gets all of it). Each
// property fails on a planted bug.

import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type ShareGroup } from "../../../src/policies/queues/capacity-shares.ts";
import { ProportionalQueue } from "../../../src/policies/queues/proportional.ts";
import type { QueueKind } from "../../../src/policies/queues/queue-kind.ts";
import { queueKind } from "../../../src/policies/queues/registry.ts";
import type { ReadyQueue } from "../../../src/policies/ready-queue.ts";
import { parseScenario } from "../../../src/scenario/load.ts";
import { refuted } from "./planted.ts";
import { DEMANDS, ManualClock, type QTask, buildQueue, contextFor, task } from "./harness.ts";
import { type Counts, SHARE_GROUPS, ShareDriver, type ShareCase, playShares, shareCase, withoutGlobalCap } from "./shares-driver.ts";

function shareOf(group: string, counts: Counts, quotas: Readonly<Record<string, number>>, capacity: number): number {
  const active = SHARE_GROUPS.filter((name) => (counts[name]?.queued ?? 0) + (counts[name]?.running ?? 0) > 0);
  const activeQuotas = active.reduce((sum, name) => sum + (quotas[name] as number), 0);
  return (capacity * (quotas[group] as number)) / activeQuotas;
}

function proportional(testCase: ShareCase): ProportionalQueue<QTask> {
  return buildQueue("proportional", { quotas: testCase.weights, capacity: testCase.capacity }) as ProportionalQueue<QTask>;
}

/** At every commit made while another group had queued work, the group ran fewer tasks than its share. */
function sharesHold(make: (testCase: ShareCase) => ReadyQueue<QTask>) {
  return fc.property(shareCase, (testCase) =>
    playShares(make(testCase), testCase.capacity, testCase.script).commits.every(
      (commit) => !commit.peersWaited || commit.runningBefore < shareOf(commit.group, commit.before, testCase.weights, testCase.capacity),
    ),
  );
}

/**
 * After every dispatch, a group left waiting is at its share with another group waiting too, or the capacity is
 * all in use: nothing stays idle for a group that is not there.
 */
function workConservingForWaiters(make: (testCase: ShareCase) => ReadyQueue<QTask>) {
  return fc.property(shareCase, (testCase) =>
    playShares(make(testCase), testCase.capacity, testCase.script).settled.every((counts) => {
      const runningTotal = SHARE_GROUPS.reduce((sum, group) => sum + (counts[group]?.running ?? 0), 0);
      if (runningTotal === testCase.capacity) return true;
      return SHARE_GROUPS.every((group) => {
        const own = counts[group] as { queued: number; running: number };
        if (own.queued === 0) return true;
        const othersWait = SHARE_GROUPS.some((other) => other !== group && (counts[other]?.queued ?? 0) > 0);
        return othersWait && own.running >= shareOf(group, counts, testCase.weights, testCase.capacity);
      });
    }),
  );
}

/** Planted bug: lends idle capacity even while other groups wait, so shares are not enforced. */
class LendsWhilePeersWait extends ProportionalQueue<QTask> {
  protected override peersWait(): boolean {
    return false;
  }
}

/** Planted bug: a group with tasks still running counts as waiting, so capacity idles while nobody else waits. */
class RunningPeersBlock extends ProportionalQueue<QTask> {
  protected override peersWait(group: ShareGroup<QTask>): boolean {
    for (const other of this.groups.values()) if (other !== group && other.active) return true;
    return false;
  }
}

function planted(Variant: typeof LendsWhilePeersWait | typeof RunningPeersBlock) {
  return (testCase: ShareCase): ReadyQueue<QTask> =>
    new Variant({ quotas: { byGroup: testCase.weights, defaultWeight: 1 }, capacity: testCase.capacity }, contextFor(new ManualClock()));
}

describe("proportional: properties", () => {
  it("a group never starts a task at or past its share while another group waits", () => {
    fc.assert(sharesHold(proportional), { numRuns: 300, seed: 6_001 });
  });

  it("a queue that lends while others wait fails that (planted bug)", () => {
    expect(refuted(fc.check(sharesHold(planted(LendsWhilePeersWait)), { numRuns: 300, seed: 6_002 }))).toBe(true);
  });

  it("leaves capacity idle only for groups at their share while another group waits (alone, a group gets it all)", () => {
    fc.assert(workConservingForWaiters(proportional), { numRuns: 300, seed: 6_003 });
  });

  it("a queue that holds capacity back for groups that only have tasks running fails that (planted bug)", () => {
    expect(refuted(fc.check(workConservingForWaiters(planted(RunningPeersBlock)), { numRuns: 300, seed: 6_004 }))).toBe(true);
  });
});

describe("proportional: edge cases", () => {
  it("a group alone gets the whole capacity, and keeps it until a peer arrives", () => {
    const driver = new ShareDriver(buildQueue("proportional", { quotas: { a: 1, c: 3 }, capacity: 6 }), 6);
    driver.arrive("a", 10);
    driver.dispatch();
    expect(driver.counts().a).toEqual({ queued: 4, running: 6 });
    // c arrives: a is far past its share (6 × 1/4 = 1.5), so freed slots go to c until a is back under it.
    driver.arrive("c", 10);
    for (let index = 0; index < 5; index += 1) {
      driver.finish(driver.running.find((running) => running.group === "a") as QTask);
      driver.dispatch();
    }
    // The fifth slot went to a: back under its share (1 < 1.5) and its task is the oldest.
    expect(driver.counts()).toEqual({ a: { queued: 3, running: 2 }, b: { queued: 0, running: 0 }, c: { queued: 6, running: 4 } });
  });

  it("shares by quota among active groups: 6 slots, quotas 3 and 1 → 4.5 and 1.5; refused once running reaches the share", () => {
    const queue = buildQueue("proportional", { quotas: { a: 3, c: 1 }, capacity: 6 }) as ProportionalQueue<QTask>;
    const driver = new ShareDriver(queue, 6);
    for (let index = 0; index < 8; index += 1) {
      driver.arrive("a", 1);
      driver.arrive("c", 1);
    }
    driver.dispatch();
    // Oldest first: a, c, a, c, a, then a (c at 2 ≥ 1.5 is refused), then the cap.
    expect(driver.commits.map((commit) => commit.group).join("")).toBe("acacaa");
    expect(queue.shareOf("a")).toBe(4.5);
    expect(queue.shareOf("c")).toBe(1.5);
    expect(queue.countsOf("a")).toEqual({ queued: 4, running: 4 });
  });

  it("recomputes shares when a group goes idle or a new one arrives", () => {
    const queue = buildQueue("proportional", { quotas: { a: 1, b: 1, c: 2 }, capacity: 8 }) as ProportionalQueue<QTask>;
    expect(queue.shareOf("a")).toBe(8);
    const onlyA = task("a");
    queue.enqueue(onlyA);
    expect(queue.shareOf("a")).toBe(8);
    expect(queue.shareOf("c")).toBe((8 * 2) / 3);
    const bTask = task("b");
    queue.enqueue(bTask);
    expect(queue.shareOf("a")).toBe(4);
    queue.remove(bTask);
    expect(queue.shareOf("a")).toBe(8);
    queue.commit(onlyA);
    queue.enqueue(task("b"));
    expect(queue.shareOf("b")).toBe(4);
    queue.released(onlyA);
    expect(queue.shareOf("b")).toBe(8);
    expect(queue.shareOf("zzz")).toBe(4);
  });

  it("starts Σ quotas again from 0 when no group is active, so fractional quotas leave no rounding dust", () => {
    const queue = buildQueue("proportional", { quotas: { a: 0.1, b: 0.2, c: 0.3 }, capacity: 4 }) as ProportionalQueue<QTask>;
    const a = task("a");
    const b = task("b");
    queue.enqueue(a);
    queue.enqueue(b);
    queue.remove(a);
    queue.remove(b);
    queue.enqueue(task("c"));
    expect(queue.shareOf("c")).toBe(4);
  });

  it("ignores a release it cannot match: a group it never saw, or one with nothing running", () => {
    const queue = buildQueue("proportional", { capacity: 2 }) as ProportionalQueue<QTask>;
    queue.released(task("ghost"));
    const waiting = task("a");
    queue.enqueue(waiting);
    queue.released(waiting);
    expect(queue.countsOf("a")).toEqual({ queued: 1, running: 0 });
    expect(queue.countsOf("ghost")).toEqual({ queued: 0, running: 0 });
    queue.commit(waiting);
    queue.released(waiting);
    queue.released(waiting);
    expect(queue.countsOf("a")).toEqual({ queued: 0, running: 0 });
  });

  it("sweeps idle groups once more than 64 are idle; a group going idle and active again counts once", () => {
    const queue = buildQueue("proportional", { capacity: 4 }) as ProportionalQueue<QTask>;
    for (let round = 0; round < 100; round += 1) {
      const again = task("cycling");
      queue.enqueue(again);
      queue.commit(again);
      queue.released(again);
      expect(queue.groupsTracked).toBe(1);
    }
    for (let index = 1; index <= 63; index += 1) queue.enqueue(task(`job-${index}`));
    for (let index = 1; index <= 63; index += 1) queue.remove(queue.select(() => true) as QTask);
    expect(queue.groupsTracked).toBe(64);
    const last = task("job-64");
    queue.enqueue(last);
    queue.commit(last);
    expect(queue.groupsTracked).toBe(65);
    // Its release makes 65 idle groups: the sweep drops them all.
    queue.released(last);
    expect(queue.groupsTracked).toBe(0);
  });

  it("forgets idle groups (group_by job) but never one with tasks running", () => {
    const queue = buildQueue("proportional", { capacity: 4 }) as ProportionalQueue<QTask>;
    const kept = task("kept");
    queue.enqueue(kept);
    queue.commit(kept);
    for (let index = 0; index < 300; index += 1) {
      const passing = task(`job-${index}`);
      queue.enqueue(passing);
      queue.commit(passing);
      queue.released(passing);
    }
    expect(queue.countsOf("kept")).toEqual({ queued: 0, running: 1 });
    // Shares still count kept as active: a newcomer and kept split the capacity.
    expect(queue.shareOf("new")).toBe(2);
    queue.released(kept);
    expect(queue.countsOf("kept")).toEqual({ queued: 0, running: 0 });
    expect(queue.shareOf("new")).toBe(4);
  });

  it("removes a task from the middle, refuses what is not queued, and a group emptied by removal goes idle", () => {
    const queue = buildQueue("proportional", { capacity: 4 }) as ProportionalQueue<QTask>;
    const tasks = [task("a"), task("a", { demand: DEMANDS.y }), task("a"), task("b")];
    for (const queued of tasks) queue.enqueue(queued);
    expect(queue.remove(tasks[2] as QTask)).toBe(true);
    expect(queue.remove(tasks[2] as QTask)).toBe(false);
    expect(queue.commit(tasks[2] as QTask)).toBe(false);
    expect(queue.remove(task("zzz"))).toBe(false);
    expect(queue.commit(task("zzz"))).toBe(false);
    expect(queue.remove(tasks[3] as QTask)).toBe(true);
    expect(queue.shareOf("a")).toBe(4);
    expect(queue.ordered()).toEqual([tasks[0], tasks[1]]);
    expect(queue.size).toBe(2);
  });

  it("is registered as proportional: needs a capacity, reports its quotas as fairness weights", () => {
    const definition = queueKind("proportional") as QueueKind;
    expect(definition.summary).toMatch(/share/);
    expect(definition.needsCapacity).toBe(true);
    const spec = { kind: "proportional", groupBy: "tenant" as const, options: definition.schema.parse({ kind: "proportional", quotas: { a: 3 }, default_quota: 2 }) };
    expect(definition.weights(spec)).toEqual({ byGroup: { a: 3 }, defaultWeight: 2 });
  });

  it("takes default_quota for groups not listed", () => {
    const queue = buildQueue("proportional", { quotas: { a: 1 }, default_quota: 3, capacity: 8 }) as ProportionalQueue<QTask>;
    queue.enqueue(task("a"));
    queue.enqueue(task("z"));
    expect(queue.shareOf("z")).toBe(6);
  });

  it("takes the capacity option, else the policy's global cap, and refuses a bad one by name", () => {
    expect((buildQueue("proportional", {}, new ManualClock(), 5) as ProportionalQueue<QTask>).capacity).toBe(5);
    expect((buildQueue("proportional", { capacity: 3 }, new ManualClock(), 5) as ProportionalQueue<QTask>).capacity).toBe(3);
    expect(() => buildQueue("proportional", { capacity: 0 })).toThrow(/capacity/);
    expect(() => buildQueue("proportional", { capacity: 1.5 })).toThrow(/capacity/);
    expect(() => buildQueue("proportional", { quotas: { a: 0 } })).toThrow(/quotas/);
    expect(() => buildQueue("proportional", { default_quota: -1 })).toThrow(/default_quota/);
    expect(() => withoutGlobalCap("proportional")).toThrow(/needs a capacity/);
  });

  it("a scenario without either capacity is refused at policies[i].queue.capacity", () => {
    const scenario = JSON.parse(readFileSync("scenarios/default.json", "utf8")) as { policies: unknown[] };
    scenario.policies = [{ name: "shares", queue: { kind: "proportional" } }];
    expect(() => parseScenario(JSON.stringify(scenario), "shares.json")).toThrow(/policies\[0\]\.queue\.capacity/);
    scenario.policies = [{ name: "shares", global_max_concurrent: 4, queue: { kind: "proportional" } }];
    expect(parseScenario(JSON.stringify(scenario), "shares.json").policies).toHaveLength(1);
  });
});
