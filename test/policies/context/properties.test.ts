// Properties every context manager keeps, checked over generated sessions: the assembled context never exceeds the
// window (and its tokens are what its items add up to); `tiered` never loses a pinned fact (it is hot, warm, or
// recallable from the store); a run replays from its seed. Each property fails on a planted bug kept here.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ContextEnvironment, ContextManager } from "../../../src/policies/context/context-manager.ts";
import { contextHolds } from "../../../src/policies/context/context-manager.ts";
import { CONTEXT_KINDS, createContextManager } from "../../../src/policies/context/registry.ts";
import { DEFAULT_SUMMARIZE, Summarize } from "../../../src/policies/context/summarize.ts";
import { DEFAULT_TIERED, Tiered, type TieredOptions } from "../../../src/policies/context/tiered.ts";
import type { Turn } from "../../../src/policies/context/context-manager.ts";
import { type Session, drive, environmentOf, sessionArbitrary } from "./driver.ts";

type Build = (environment: ContextEnvironment) => ContextManager;

/** Each registered kind with its defaults, and tighter settings that make every tier and limit work. */
const builds: readonly [string, Build][] = [
  ...CONTEXT_KINDS.map((kind): [string, Build] => [kind.kind, (environment) => createContextManager({ kind: kind.kind, options: kind.schema.parse({ kind: kind.kind }) }, environment)]),
  ["summarize, lossy, triggering early", (environment) => new Summarize({ ...DEFAULT_SUMMARIZE, triggerFraction: 0.6, keepRecentFraction: 0.3, summaryMaxFraction: 0.3, factLossChance: 0.5, importanceThreshold: 0.2 }, environment)],
  ["tiered, small tiers and store", (environment) => new Tiered(tightTiered, environment)],
];

const tightTiered: TieredOptions = { ...DEFAULT_TIERED, hotFraction: 0.3, warmFraction: 0.2, segmentTurns: 2, factLossChance: 0.5, storeSegmentsMax: 3 };

function withinWindow(build: Build) {
  return fc.property(sessionArbitrary, (session) => {
    drive(build(environmentOf(session)), session, (step, manager) => {
      const context = manager.assemble();
      const itemTokens = context.items.reduce((sum, item) => sum + item.tokens, 0);
      if (itemTokens !== context.tokens) throw new Error(`step ${step}: context says ${context.tokens} tokens, its items hold ${itemTokens}`);
      if (itemTokens > session.windowTokens) throw new Error(`step ${step}: ${itemTokens} tokens in a window of ${session.windowTokens}`);
    });
  });
}

function pinnedKept(build: (environment: ContextEnvironment) => Tiered) {
  return fc.property(sessionArbitrary, (session) => {
    const pinned: string[] = [];
    drive(build(environmentOf(session)), session, (step, manager) => {
      const current = session.steps[step];
      if (current?.kind === "turn") pinned.push(...current.turn.facts.filter((fact) => fact.pinned).map((fact) => fact.key));
      const context = manager.assemble();
      for (const key of pinned) {
        if (!contextHolds(context, key) && !(manager as Tiered).recallable(key)) throw new Error(`step ${step}: pinned fact ${key} is neither in the context nor in the store`);
      }
    });
  });
}

function replays(build: Build) {
  return fc.property(sessionArbitrary, (session: Session) => {
    const first = drive(build(environmentOf(session)), session);
    const second = drive(build(environmentOf(session)), session);
    expect(second).toEqual(first);
  });
}

/** Planted bug: the summary's tokens are left out of the count, so compaction starts too late and the window overflows. */
class UncountedSummary extends Summarize {
  protected override contextTokens(): number {
    return this.assemble().items.filter((item) => item.kind === "turn").reduce((sum, item) => sum + item.tokens, 0);
  }
}

/** Planted bug: hibernated segments are never written to the store, so a fact that left warm cannot come back. */
class DroppingStore extends Tiered {
  protected override hibernate(): boolean {
    return false;
  }
}

/** Planted bug: chance drawn from one stream shared by every run instead of the injected one. */
let shared = 1;
const sharedRandom = (): number => {
  shared = (shared * 48_271) % 2_147_483_647;
  return shared / 2_147_483_647;
};

describe("context managers", () => {
  it.each(builds)("%s: the assembled context never exceeds the window", (_name, build) => {
    fc.assert(withinWindow(build), { seed: 1201, numRuns: 200 });
  });

  it.each(builds)("%s: a run replays from its seed", (_name, build) => {
    fc.assert(replays(build), { seed: 1202, numRuns: 60 });
  });

  it("tiered: a pinned fact is always hot, warm or recallable from the store", () => {
    fc.assert(pinnedKept((environment) => new Tiered(DEFAULT_TIERED, environment)), { seed: 1203, numRuns: 200 });
    fc.assert(pinnedKept((environment) => new Tiered(tightTiered, environment)), { seed: 1204, numRuns: 200 });
  });

  it("catches a summarize that forgets to count its summary's tokens", () => {
    const build: Build = (environment) => new UncountedSummary({ ...DEFAULT_SUMMARIZE, summaryMaxFraction: 0.5 }, environment);
    expect(fc.check(withinWindow(build), { seed: 1205, numRuns: 200 }).failed).toBe(true);
  });

  it("catches a tiered manager that drops hibernated segments", () => {
    expect(fc.check(pinnedKept((environment) => new DroppingStore(tightTiered, environment)), { seed: 1206, numRuns: 200 }).failed).toBe(true);
  });

  it("catches a manager whose chance does not come from the injected source", () => {
    const build: Build = (environment) => new Summarize({ ...DEFAULT_SUMMARIZE, factLossChance: 0.5, importanceThreshold: 0 }, { windowTokens: environment.windowTokens, random: sharedRandom });
    expect(fc.check(replays(build), { seed: 1207, numRuns: 60 }).failed).toBe(true);
  });
});

describe("tiered recall", () => {
  const turn = (index: number, tokens: number, key?: string): Turn => ({ index, tokens, facts: key === undefined ? [] : [{ key, importance: 0.1, pinned: false }] });

  it("brings a fact that left the context back from the store, at the recall's token and latency cost", () => {
    const options = { ...DEFAULT_TIERED, hotFraction: 0.5, warmFraction: 0.1, segmentTurns: 1, importanceThreshold: 1 };
    const tiered = new Tiered(options, { windowTokens: 1000, random: () => 0.5 });
    tiered.append(turn(0, 300, "needle"));
    for (let index = 1; index < 6; index += 1) tiered.append(turn(index, 300));
    expect(contextHolds(tiered.assemble(), "needle")).toBe(false);
    const cost = tiered.probe("needle");
    expect(cost).toMatchObject({ kind: "recall", turn: 0, tokens: options.recallOverheadTokens + 300, latencyMs: options.recallLatencyMs });
    expect(contextHolds(tiered.assemble(), "needle")).toBe(true);
    expect(tiered.probe("needle")).toEqual({ kind: "none" });
  });

  it("a probe for a fact never stated misses, at the lookup's latency", () => {
    const tiered = new Tiered(DEFAULT_TIERED, { windowTokens: 1000, random: () => 0.5 });
    expect(tiered.probe("nothing")).toEqual({ kind: "recall_miss", latencyMs: DEFAULT_TIERED.recallLatencyMs });
  });
});

describe("tiered compaction and store", () => {
  const fact = (key: string, importance: number, pinned = false) => ({ key, importance, pinned });
  const options: TieredOptions = { ...DEFAULT_TIERED, hotFraction: 0.1, warmFraction: 0.5, segmentTurns: 1, importanceThreshold: 0.5, factLossChance: 0, overheadTokens: 100, tokensPerFact: 0 };

  it("raises the warm threshold as warm fills: a fact of 0.6 is kept into an empty tier, dropped into a nearly full one; pinned facts always stay", () => {
    const tiered = new Tiered(options, { windowTokens: 1000, random: () => 0.5 });
    // Each 150-token turn overflows the 100-token hot tier at once: one warm summary of 100 tokens per turn.
    const compactions = [0, 1, 2, 3].map((index) => tiered.append({ index, tokens: 150, facts: [fact(`f${index}`, 0.6), fact(`p${index}`, 0.1, true)] })[0]);
    // Warm fill before each compaction: 0, 0.2, 0.4, 0.6 of 500 tokens, so the threshold is 0.5, 0.6, 0.7, 0.8.
    expect(compactions.map((compaction) => compaction?.factsKept)).toEqual([2, 2, 1, 1]);
    const context = tiered.assemble();
    expect(["f0", "f1", "f2", "f3"].map((key) => contextHolds(context, key))).toEqual([true, true, false, false]);
    expect(["p0", "p1", "p2", "p3"].every((key) => contextHolds(context, key))).toBe(true);
  });

  it("keeps at most store_segments_max segments without a pinned fact, the newest, and every pinned one", () => {
    const tiered = new Tiered({ ...options, storeSegmentsMax: 2 }, { windowTokens: 1000, random: () => 0.5 });
    for (let index = 0; index < 6; index += 1) tiered.append({ index, tokens: 150, facts: [fact(`f${index}`, 0.1, index === 1)] });
    expect(tiered.storeSize().segments).toBe(3);
    // Every turn overflows the hot tier, so all six are hibernated; of the five unpinned, the newest two stay.
    expect([0, 1, 2, 3, 4, 5].map((index) => tiered.recallable(`f${index}`))).toEqual([false, true, false, false, true, true]);
  });
});

describe("summarize", () => {
  it("keeps a fact above the threshold when the draw spares it and loses it when it does not", () => {
    const facts = [{ key: "kept", importance: 0.9, pinned: false }, { key: "drawn", importance: 0.9, pinned: false }, { key: "minor", importance: 0.1, pinned: true }];
    const draws = [0.5, 0.05];
    const summarize = new Summarize({ ...DEFAULT_SUMMARIZE, overheadTokens: 10, tokensPerFact: 5 }, { windowTokens: 1000, random: () => draws.shift() ?? 0.5 });
    summarize.append({ index: 0, tokens: 600, facts });
    const [compaction] = summarize.append({ index: 1, tokens: 450, facts: [] });
    expect(compaction).toMatchObject({ turnsCompacted: 1, tokensRead: 600, tokensWritten: 15, factsKept: 1, factsLost: 2 });
    const context = summarize.assemble();
    expect(["kept", "drawn", "minor"].map((key) => contextHolds(context, key))).toEqual([true, false, false]);
  });
});
