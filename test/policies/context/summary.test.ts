// How a summary is written, on hand-picked facts: the threshold and the chance of loss at their exact bounds, one
// draw per fact in order, pinned facts kept only when asked, and which facts a summary of a given size carries.

import { describe, expect, it } from "vitest";
import type { Fact } from "../../../src/policies/context/context-manager.ts";
import { fitFacts, selectFacts, summaryTokens } from "../../../src/policies/context/summary.ts";

const fact = (key: string, importance: number, pinned = false): Fact => ({ key, importance, pinned });
const drawing = (draws: number[]) => () => draws.shift() ?? expect.fail("more draws than facts");

describe("selectFacts", () => {
  it("keeps a fact at the threshold exactly and drops one just under, drawing only for those at or above it", () => {
    const draws = [0.5];
    expect(selectFacts([fact("under", 0.49), fact("at", 0.5)], 0.5, 0.1, drawing(draws), false)).toEqual({ kept: [fact("at", 0.5)], lost: 1 });
    expect(draws).toEqual([]);
  });

  it("loses a fact whose draw is under the chance of loss and keeps one whose draw equals it", () => {
    expect(selectFacts([fact("a", 0.9), fact("b", 0.9), fact("c", 0.9)], 0, 0.3, drawing([0.29, 0.3, 0.8]), false)).toEqual({ kept: [fact("b", 0.9), fact("c", 0.9)], lost: 1 });
  });

  it("keeps pinned facts without a draw when asked, and treats them like any other fact when not", () => {
    const pinned = fact("p", 0.1, true);
    expect(selectFacts([pinned], 0.5, 1, drawing([]), true)).toEqual({ kept: [pinned], lost: 0 });
    expect(selectFacts([pinned], 0.5, 0, drawing([]), false)).toEqual({ kept: [], lost: 1 });
    expect(selectFacts([fact("q", 0.9)], 0.5, 0.5, drawing([0.1]), true)).toEqual({ kept: [], lost: 1 });
  });
});

describe("summary size", () => {
  const cost = { overheadTokens: 100, tokensPerFact: 30 };

  it("costs the overhead plus each fact", () => {
    expect(summaryTokens(cost, 0)).toBe(100);
    expect(summaryTokens(cost, 3)).toBe(190);
  });

  it("carries the most important facts that fit, ties in key order, and all of them when they fit", () => {
    const facts = [fact("low", 0.2), fact("b", 0.7), fact("high", 0.9), fact("a", 0.7)];
    expect(fitFacts(cost, facts, 100 + 2 * 30 + 29)).toEqual([fact("high", 0.9), fact("a", 0.7)]);
    expect(fitFacts(cost, facts, 100 + 3 * 30)).toEqual([fact("high", 0.9), fact("a", 0.7), fact("b", 0.7)]);
    expect(fitFacts(cost, facts, 100 + 4 * 30)).toBe(facts);
    expect(fitFacts(cost, [fact("b", 0.5), fact("a", 0.5)], 130)).toEqual([fact("a", 0.5)]);
    expect(fitFacts(cost, [fact("a", 0.5), fact("b", 0.5)], 130)).toEqual([fact("a", 0.5)]);
  });

  it("carries no fact when only the overhead fits, or not even that", () => {
    expect(fitFacts(cost, [fact("a", 0.9)], 129)).toEqual([]);
    expect(fitFacts(cost, [fact("a", 0.9)], 99)).toEqual([]);
    expect(fitFacts({ overheadTokens: 100, tokensPerFact: 0 }, [fact("a", 0.9)], 99)).toEqual([]);
  });

  it("carries every fact when facts cost nothing, once the overhead fits", () => {
    const facts = [fact("a", 0.1), fact("b", 0.2)];
    expect(fitFacts({ overheadTokens: 100, tokensPerFact: 0 }, facts, 100)).toBe(facts);
  });
});
