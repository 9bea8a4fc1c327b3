// Did-you-mean: a plausible typo (one edit per three letters, a swapped pair, a case slip) finds its name;
// anything further, or absurdly long, finds nothing.

import { describe, expect, it } from "vitest";
import { closest, didYouMean } from "../../src/scenario/suggest.ts";

describe("closest", () => {
  it.each([
    ["max_concurent", ["max_concurrent", "name", "latency"], "max_concurrent"],
    ["fats", ["fast", "smart"], "fast"],
    ["acmee", ["acme", "globex"], "acme"],
    ["Interactive", ["interactive", "batch"], "interactive"],
    ["lognormall", ["lognormal", "uniform"], "lognormal"],
    ["weigths", ["weights", "default_weight", "cost"], "weights"],
  ])("finds %s → %s", (name, candidates, expected) => {
    expect(closest(name, candidates)).toBe(expected);
  });

  it.each([
    ["zzz", ["fast", "smart"]],
    ["a", ["abc"]],
    ["totally_unrelated", ["max_concurrent"]],
    ["x".repeat(1000), ["x".repeat(999)]],
  ])("finds nothing for %s", (name, candidates) => {
    expect(closest(name, candidates)).toBeUndefined();
  });

  it("prefers the nearer of two candidates, and words the suggestion", () => {
    expect(closest("smrt", ["smart", "start2"])).toBe("smart");
    expect(didYouMean("fats", ["fast"])).toBe('; did you mean "fast"?');
    expect(didYouMean("zzz", ["fast"])).toBe("");
  });
});
