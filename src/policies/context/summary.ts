// How a compaction writes a summary, shared by `summarize` and `tiered`: which facts survive (an importance
// threshold, a chance of losing each, pinned facts kept when the caller says so) and what the summary costs in tokens.

import type { Fact } from "./context-manager.ts";

export interface SummaryCost {
  /** Tokens a summary takes however few facts it keeps (framing, the gist of the turns). */
  readonly overheadTokens: number;
  readonly tokensPerFact: number;
}

export interface FactSelection {
  readonly kept: readonly Fact[];
  readonly lost: number;
}

/**
 * Facts below `threshold` are dropped; the others survive each with probability 1 − lossChance, one draw each in
 * the order given (so a run replays). With `keepPinned`, pinned facts survive whatever the threshold or draw.
 */
export function selectFacts(facts: readonly Fact[], threshold: number, lossChance: number, random: () => number, keepPinned: boolean): FactSelection {
  const kept: Fact[] = [];
  for (const fact of facts) {
    if (keepPinned && fact.pinned) kept.push(fact);
    else if (fact.importance >= threshold && random() >= lossChance) kept.push(fact);
  }
  return { kept, lost: facts.length - kept.length };
}

export function summaryTokens(cost: SummaryCost, facts: number): number {
  return cost.overheadTokens + cost.tokensPerFact * facts;
}

/** The most important facts (keys unique) that a summary of at most `maxTokens` can carry; none (and no summary) if not even its overhead fits. */
export function fitFacts(cost: SummaryCost, facts: readonly Fact[], maxTokens: number): readonly Fact[] {
  const room = cost.tokensPerFact === 0 ? facts.length : Math.floor((maxTokens - cost.overheadTokens) / cost.tokensPerFact);
  if (maxTokens < cost.overheadTokens) return [];
  if (room >= facts.length) return facts;
  // Keys are unique among the facts of one compaction (a session names each fact after its turn), so a tie in
  // importance is broken by key alone.
  // Stryker disable next-line EqualityOperator: `<=` differs from `<` only for equal keys.
  return [...facts].sort((a, b) => b.importance - a.importance || (a.key < b.key ? -1 : 1)).slice(0, room);
}
