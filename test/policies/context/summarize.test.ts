// `summarize` on hand-made sessions: when it compacts (at the trigger exactly, not before), how many turns one
// compaction takes (at least one, then down to keep_recent exactly), a summary that spans every compaction so far
// and reads the previous one, and a summary budget too small for any summary.

import { describe, expect, it } from "vitest";
import type { Fact } from "../../../src/policies/context/context-manager.ts";
import { DEFAULT_SUMMARIZE, Summarize, type SummarizeOptions } from "../../../src/policies/context/summarize.ts";
import { itemsOf, turnOf } from "./driver.ts";

const environment = { windowTokens: 1000, random: () => 0.5 };
const turn = turnOf;
const fact = (key: string): Fact => ({ key, importance: 0.9, pinned: false });
/** Every fact kept, summaries of `overheadTokens` whatever they hold. */
const plain: SummarizeOptions = { ...DEFAULT_SUMMARIZE, factLossChance: 0, importanceThreshold: 0, tokensPerFact: 0 };

describe("summarize", () => {
  it("compacts nothing while the context is at most the trigger, answers probes at no cost and stores nothing", () => {
    const summarize = new Summarize(plain, environment);
    expect(summarize.append(turn(0, 400))).toEqual([]);
    expect(summarize.append(turn(1, 600))).toEqual([]);
    expect(summarize.assemble().tokens).toBe(1000);
    expect(itemsOf(summarize)).toEqual(["turn 0", "turn 1"]);
    expect(summarize.probe()).toEqual({ kind: "none" });
    expect(summarize.storeSize()).toEqual({ segments: 0, tokens: 0 });
  });

  it("compacts the oldest turns until the newest fit keep_recent_fraction, exactly", () => {
    const summarize = new Summarize(plain, environment);
    summarize.append(turn(0, 300));
    summarize.append(turn(1, 500));
    expect(summarize.append(turn(2, 500))).toMatchObject([{ turnsCompacted: 2, tokensRead: 800 }]);
    expect(itemsOf(summarize)).toEqual(["summary 0-1", "turn 2"]);
  });

  it("compacts at least one turn even when the newest already fit keep_recent_fraction", () => {
    // A 200-token summary and 450 tokens of turns: over the trigger of 600, while the turns fit the 500 kept.
    const summarize = new Summarize({ ...plain, triggerFraction: 0.6, overheadTokens: 200 }, environment);
    summarize.append(turn(0, 700));
    expect(itemsOf(summarize)).toEqual(["summary 0-0"]);
    summarize.append(turn(1, 150));
    summarize.append(turn(2, 150));
    expect(summarize.append(turn(3, 150))).toMatchObject([{ turnsCompacted: 1, tokensRead: 200 + 150 }]);
    expect(itemsOf(summarize)).toEqual(["summary 0-1", "turn 2", "turn 3"]);
  });

  it("folds the previous summary into the next: it spans from the first compacted turn, and its facts carry over", () => {
    const summarize = new Summarize({ ...plain, overheadTokens: 100 }, environment);
    summarize.append(turn(0, 400, [fact("a")]));
    summarize.append(turn(1, 400));
    summarize.append(turn(2, 400, [fact("b")]));
    expect(summarize.assemble().items[0]).toEqual({ kind: "summary", firstTurn: 0, lastTurn: 1, tokens: 100, facts: [fact("a")] });
    summarize.append(turn(3, 400));
    expect(summarize.append(turn(4, 400))).toMatchObject([{ turnsCompacted: 2, tokensRead: 100 + 800 }]);
    expect(summarize.assemble().items[0]).toEqual({ kind: "summary", firstTurn: 0, lastTurn: 3, tokens: 100, facts: [fact("a"), fact("b")] });
  });

  it("writes no summary when not even its overhead fits summary_max_fraction, and one of exactly that size", () => {
    const tooSmall = new Summarize({ ...plain, summaryMaxFraction: 0.25, overheadTokens: 251 }, environment);
    tooSmall.append(turn(0, 600, [fact("a")]));
    expect(tooSmall.append(turn(1, 450))).toEqual([{ turnsCompacted: 1, tokensRead: 600, tokensWritten: 0, factsKept: 0, factsLost: 1, segmentsHibernated: 0 }]);
    expect(itemsOf(tooSmall)).toEqual(["turn 1"]);

    const exact = new Summarize({ ...plain, summaryMaxFraction: 0.25, overheadTokens: 250 }, environment);
    exact.append(turn(0, 600, [fact("a")]));
    expect(exact.append(turn(1, 450))).toMatchObject([{ tokensWritten: 250, factsKept: 1, factsLost: 0 }]);
    expect(itemsOf(exact)).toEqual(["summary 0-0", "turn 1"]);
  });
});
