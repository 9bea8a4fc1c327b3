// `summarize`: when the context outgrows the window, the oldest turns and the previous summary are compacted into
// one new summary that keeps the facts above an importance threshold, each at a chance of being lost. A fact
// passes through every later compaction too, so it runs that chance again each time: summaries of summaries drift.

import { defineContextKind } from "./context-kind.ts";
import { fraction, probability, tokens } from "./options.ts";
import type { AssembledContext, Compaction, ContextEnvironment, ContextItem, ContextManager, Fact, ProbeCost, StoreSize, Turn } from "./context-manager.ts";
import { NO_PROBE_COST, NO_STORE, tokensOf } from "./context-manager.ts";
import { type SummaryCost, fitFacts, selectFacts, summaryTokens } from "./summary.ts";

export interface SummarizeOptions extends SummaryCost {
  /** Compact when the context exceeds this fraction of the window. */
  readonly triggerFraction: number;
  /** After a compaction, the newest turns kept in full take at most this fraction of the window. */
  readonly keepRecentFraction: number;
  /** The summary takes at most this fraction; keepRecentFraction + summaryMaxFraction ≤ 1. */
  readonly summaryMaxFraction: number;
  readonly importanceThreshold: number;
  readonly factLossChance: number;
}

interface Summary {
  readonly firstTurn: number;
  readonly lastTurn: number;
  readonly tokens: number;
  readonly facts: readonly Fact[];
}

const NO_COMPACTIONS: readonly Compaction[] = [];

export class Summarize implements ContextManager {
  readonly kind = "summarize";
  private readonly turns: Turn[] = [];
  private summary: Summary | undefined;

  constructor(
    private readonly options: SummarizeOptions,
    private readonly environment: ContextEnvironment,
  ) {}

  append(turn: Turn): readonly Compaction[] {
    this.turns.push(turn);
    if (this.contextTokens() <= this.environment.windowTokens * this.options.triggerFraction) return NO_COMPACTIONS;
    return [this.compact()];
  }

  probe(): ProbeCost {
    return NO_PROBE_COST;
  }

  assemble(): AssembledContext {
    const items: ContextItem[] = [];
    if (this.summary !== undefined) items.push({ kind: "summary", ...this.summary });
    for (const turn of this.turns) items.push({ kind: "turn", turn: turn.index, tokens: turn.tokens, facts: turn.facts, recalled: false });
    return { tokens: this.contextTokens(), items };
  }

  storeSize(): StoreSize {
    return NO_STORE;
  }

  protected contextTokens(): number {
    return (this.summary?.tokens ?? 0) + tokensOf(this.turns);
  }

  private compact(): Compaction {
    const window = this.environment.windowTokens;
    const compacted: Turn[] = [];
    let recentTokens = tokensOf(this.turns);
    // At least one turn goes, so that a compaction always makes room (a summary alone is never re-summarised). The
    // loop stops before the turns run out: with none left, recentTokens is 0.
    while (compacted.length === 0 || recentTokens > window * this.options.keepRecentFraction) {
      const oldest = this.turns.shift() as Turn;
      compacted.push(oldest);
      recentTokens -= oldest.tokens;
    }
    const previous = this.summary;
    const candidates = [...(previous?.facts ?? []), ...compacted.flatMap((turn) => turn.facts)];
    const selection = selectFacts(candidates, this.options.importanceThreshold, this.options.factLossChance, this.environment.random, false);
    const maxTokens = window * this.options.summaryMaxFraction;
    const fits = this.options.overheadTokens <= maxTokens;
    const facts = fits ? fitFacts(this.options, selection.kept, maxTokens) : [];
    const firstTurn = previous?.firstTurn ?? (compacted[0] as Turn).index;
    const lastTurn = (compacted[compacted.length - 1] as Turn).index;
    this.summary = fits ? { firstTurn, lastTurn, tokens: summaryTokens(this.options, facts.length), facts } : undefined;
    return {
      turnsCompacted: compacted.length,
      tokensRead: tokensOf(compacted) + (previous?.tokens ?? 0),
      tokensWritten: this.summary?.tokens ?? 0,
      factsKept: facts.length,
      factsLost: candidates.length - facts.length,
      segmentsHibernated: 0,
    };
  }
}

export const DEFAULT_SUMMARIZE = {
  triggerFraction: 1,
  keepRecentFraction: 0.5,
  summaryMaxFraction: 0.25,
  importanceThreshold: 0.5,
  factLossChance: 0.1,
  overheadTokens: 200,
  tokensPerFact: 40,
} as const;

export const summarizeKind = defineContextKind({
  kind: "summarize",
  summary: "compact the oldest turns into one summary that keeps facts above an importance threshold, each at a chance of loss",
  options: {
    trigger_fraction: fraction.default(DEFAULT_SUMMARIZE.triggerFraction),
    keep_recent_fraction: fraction.default(DEFAULT_SUMMARIZE.keepRecentFraction),
    summary_max_fraction: fraction.default(DEFAULT_SUMMARIZE.summaryMaxFraction),
    importance_threshold: probability.default(DEFAULT_SUMMARIZE.importanceThreshold),
    fact_loss_chance: probability.default(DEFAULT_SUMMARIZE.factLossChance),
    summary_overhead_tokens: tokens.default(DEFAULT_SUMMARIZE.overheadTokens),
    summary_tokens_per_fact: tokens.default(DEFAULT_SUMMARIZE.tokensPerFact),
  },
  refine: (options) =>
    options.keep_recent_fraction + options.summary_max_fraction > 1 ? { path: "summary_max_fraction", message: "keep_recent_fraction + summary_max_fraction must be at most 1" } : undefined,
  create: (options, environment) =>
    new Summarize(
      {
        triggerFraction: options.trigger_fraction,
        keepRecentFraction: options.keep_recent_fraction,
        summaryMaxFraction: options.summary_max_fraction,
        importanceThreshold: options.importance_threshold,
        factLossChance: options.fact_loss_chance,
        overheadTokens: options.summary_overhead_tokens,
        tokensPerFact: options.summary_tokens_per_fact,
      },
      environment,
    ),
});
