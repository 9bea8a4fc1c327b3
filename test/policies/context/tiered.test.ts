// `tiered` on hand-made sessions: what its constructor refuses, which turns the hot tier keeps at its exact budget,
// how many turns one compaction takes, a warm tier filled exactly or too small for any summary, and recalled turns
// that are compacted again without being stored twice.

import { describe, expect, it } from "vitest";
import type { Fact } from "../../../src/policies/context/context-manager.ts";
import { DEFAULT_TIERED, Tiered, type TieredOptions } from "../../../src/policies/context/tiered.ts";
import { itemsOf, turnOf } from "./driver.ts";

const environment = { windowTokens: 1000, random: () => 0.5 };
const turn = turnOf;
const fact = (key: string, importance = 0.9, pinned = false): Fact => ({ key, importance, pinned });
/** One summary of `overheadTokens` per compaction, every fact kept: the tiers' sizes are easy to follow. */
const plain: TieredOptions = { ...DEFAULT_TIERED, factLossChance: 0, importanceThreshold: 0, tokensPerFact: 0 };

describe("tiered", () => {
  it("refuses hot and warm fractions over the window, and segments of no turns", () => {
    expect(() => new Tiered({ ...plain, hotFraction: 0.8, warmFraction: 0.3 }, environment)).toThrow("hot and warm fractions must share the window");
    expect(() => new Tiered({ ...plain, hotFraction: 0.9, warmFraction: 0.2 }, environment)).toThrow("hot and warm fractions must share the window");
    expect(() => new Tiered({ ...plain, segmentTurns: 0 }, environment)).toThrow("a segment holds at least one turn");
    expect(new Tiered({ ...plain, hotFraction: 0.7, warmFraction: 0.3, segmentTurns: 1 }, environment).kind).toBe("tiered");
  });

  it("keeps a newest turn of exactly the hot budget hot, and compacts the older ones", () => {
    const tiered = new Tiered({ ...plain, hotFraction: 0.5, warmFraction: 0.3 }, environment);
    tiered.append(turn(0, 200));
    expect(tiered.append(turn(1, 500))).toMatchObject([{ turnsCompacted: 1, tokensRead: 200 }]);
    expect(itemsOf(tiered)).toEqual(["summary 0-0", "turn 1"]);
  });

  it("compacts at most segment_turns turns at a time, oldest first, until hot fits", () => {
    const tiered = new Tiered({ ...plain, hotFraction: 0.5, warmFraction: 0.5, segmentTurns: 1, overheadTokens: 10 }, environment);
    for (let index = 0; index < 4; index += 1) tiered.append(turn(index, 100));
    expect(tiered.append(turn(4, 300)).map((compaction) => compaction.turnsCompacted)).toEqual([1, 1]);
    expect(itemsOf(tiered)).toEqual(["summary 0-0", "summary 1-1", "turn 2", "turn 3", "turn 4"]);
  });

  it("fills the window exactly: a warm tier at its budget keeps its summary", () => {
    const tiered = new Tiered({ ...plain, hotFraction: 0.5, warmFraction: 0.5, overheadTokens: 500 }, environment);
    tiered.append(turn(0, 500, [fact("a")]));
    expect(tiered.append(turn(1, 500))).toMatchObject([{ tokensWritten: 500, factsKept: 1 }]);
    expect(tiered.assemble().tokens).toBe(1000);
    expect(itemsOf(tiered)).toEqual(["summary 0-0", "turn 1"]);
  });

  it("writes no summary when not even its overhead fits the warm tier, and one of exactly its size", () => {
    const tooSmall = new Tiered({ ...plain, hotFraction: 0.5, warmFraction: 0.1, overheadTokens: 101 }, environment);
    tooSmall.append(turn(0, 400, [fact("a", 0.9, true)]));
    expect(tooSmall.append(turn(1, 400))).toEqual([{ turnsCompacted: 1, tokensRead: 400, tokensWritten: 0, factsKept: 0, factsLost: 1, segmentsHibernated: 1 }]);
    expect(itemsOf(tooSmall)).toEqual(["turn 1"]);
    expect(tooSmall.recallable("a")).toBe(true);

    const exact = new Tiered({ ...plain, hotFraction: 0.5, warmFraction: 0.1, overheadTokens: 100 }, environment);
    exact.append(turn(0, 400, [fact("a")]));
    expect(exact.append(turn(1, 400))).toMatchObject([{ tokensWritten: 100, factsKept: 1 }]);
    expect(itemsOf(exact)).toEqual(["summary 0-0", "turn 1"]);
  });

  it("marks a recalled turn as recalled, and stores it only once when it is compacted again", () => {
    const tiered = new Tiered({ ...plain, hotFraction: 0.5, warmFraction: 0.1, segmentTurns: 1, importanceThreshold: 1, overheadTokens: 100 }, environment);
    tiered.append(turn(0, 300, [fact("needle", 0.5)]));
    tiered.append(turn(1, 300));
    tiered.append(turn(2, 300));
    expect(tiered.storeSize()).toEqual({ segments: 2, tokens: 600 });
    expect(tiered.probe("needle")).toMatchObject({ kind: "recall", turn: 0, compactions: [{ turnsCompacted: 1, segmentsHibernated: 1 }] });
    expect(itemsOf(tiered)).toEqual(["summary 2-2", "turn 0 recalled"]);
    // The next turn pushes the recalled one out of hot again: compacted, but its segment is already stored.
    expect(tiered.append(turn(3, 300))).toMatchObject([{ turnsCompacted: 1, segmentsHibernated: 0 }]);
    expect(tiered.storeSize()).toEqual({ segments: 3, tokens: 900 });
    expect(itemsOf(tiered)).toEqual(["summary 0-0", "turn 3"]);
  });
});
