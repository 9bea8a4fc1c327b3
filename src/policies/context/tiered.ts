// `tiered`: hot / warm / cold, after the OS-style resource manager (REFERENCE §4). Hot turns stay at full fidelity
// within a share of the window; when they outgrow it, the oldest are compacted into a warm summary and their full
// text hibernates to a store, indexed by fact key. Warm summaries keep pinned facts always and others above an
// importance threshold that rises as the warm tier fills (adaptive compaction); when warm outgrows its share, its
// oldest summaries leave the context (the store still holds their turns). A probe for a fact no longer in the
// context recalls the turn that stated it from the store, at a token and latency cost.

import { z } from "zod";
import { assert, assertionFailed } from "../assert.ts";
import { defineContextKind } from "./context-kind.ts";
import { fraction, probability, tokens } from "./options.ts";
import type { AssembledContext, Compaction, ContextEnvironment, ContextItem, ContextManager, Fact, ProbeCost, StoreSize, Turn } from "./context-manager.ts";
import { tokensOf } from "./context-manager.ts";
import { type SummaryCost, fitFacts, selectFacts, summaryTokens } from "./summary.ts";

export interface TieredOptions extends SummaryCost {
  /** Hot turns take at most this fraction of the window; hotFraction + warmFraction ≤ 1. */
  readonly hotFraction: number;
  readonly warmFraction: number;
  /** Turns compacted together into one warm summary (one stored segment). */
  readonly segmentTurns: number;
  /** The warm threshold with an empty warm tier; it rises linearly to 1 as the tier fills. */
  readonly importanceThreshold: number;
  readonly factLossChance: number;
  /** Tokens a recall costs besides the turn it brings back (the lookup and its framing). */
  readonly recallOverheadTokens: number;
  readonly recallLatencyMs: number;
  /** Segments without a pinned fact the store keeps; beyond it the oldest of those are dropped. Pinned ones stay. */
  readonly storeSegmentsMax: number;
}

interface HotTurn {
  readonly turn: Turn;
  readonly recalled: boolean;
}

interface WarmSummary {
  readonly firstTurn: number;
  readonly lastTurn: number;
  readonly tokens: number;
  readonly facts: readonly Fact[];
}

interface Segment {
  readonly id: number;
  readonly turns: readonly Turn[];
  readonly tokens: number;
  readonly pinned: boolean;
}

export class Tiered implements ContextManager {
  readonly kind = "tiered";
  private readonly hot: HotTurn[] = [];
  private readonly warm: WarmSummary[] = [];
  /** The cold store: segments by id, and the segment holding each fact's turn. */
  private readonly segments = new Map<number, Segment>();
  private readonly segmentOfFact = new Map<string, number>();
  /** Turns already hibernated (a recalled turn compacted again is not stored twice). */
  private readonly storedTurns = new Set<number>();
  private nextSegmentId = 1;
  private storeTokens = 0;

  constructor(
    private readonly options: TieredOptions,
    private readonly environment: ContextEnvironment,
  ) {
    assert(options.hotFraction + options.warmFraction <= 1, "hot and warm fractions must share the window");
    assert(options.segmentTurns >= 1, "a segment holds at least one turn");
  }

  append(turn: Turn): readonly Compaction[] {
    this.hot.push({ turn, recalled: false });
    return this.enforceBudgets();
  }

  probe(key: string): ProbeCost {
    if (this.inContext(key)) return { kind: "none" };
    const segment = this.segmentHolding(key);
    if (segment === undefined) return { kind: "recall_miss", latencyMs: this.options.recallLatencyMs };
    // Stryker disable next-line StringLiteral: unreachable, a segment is stored with the turns whose facts index it.
    const turn = segment.turns.find((candidate) => candidate.facts.some((fact) => fact.key === key)) ?? assertionFailed(`segment ${segment.id} lost the turn of ${key}`);
    this.hot.push({ turn, recalled: true });
    const compactions = this.enforceBudgets();
    return { kind: "recall", turn: turn.index, tokens: this.options.recallOverheadTokens + turn.tokens, latencyMs: this.options.recallLatencyMs, compactions };
  }

  assemble(): AssembledContext {
    const items: ContextItem[] = [];
    for (const summary of this.warm) items.push({ kind: "summary", ...summary });
    for (const { turn, recalled } of this.hot) items.push({ kind: "turn", turn: turn.index, tokens: turn.tokens, facts: turn.facts, recalled });
    const context = { tokens: tokensOf(items), items };
    // Stryker disable next-line ConditionalExpression,StringLiteral: unreachable while the hot and warm budgets hold, which enforceBudgets and compact keep; a guard for the window the caller relies on.
    if (context.tokens > this.environment.windowTokens) assertionFailed(`tiered context of ${context.tokens} tokens exceeds the window of ${this.environment.windowTokens}`);
    return context;
  }

  storeSize(): StoreSize {
    return { segments: this.segments.size, tokens: this.storeTokens };
  }

  /** True when the store holds the turn that stated `key` (so a probe could recall it). */
  recallable(key: string): boolean {
    return this.segmentHolding(key) !== undefined;
  }

  /** The stored segment with the turn that stated `key`; undefined if it was never stored or has been evicted. */
  private segmentHolding(key: string): Segment | undefined {
    const segmentId = this.segmentOfFact.get(key);
    // Stryker disable next-line ConditionalExpression: Map.get(undefined) is undefined too; the test is for the type checker.
    return segmentId === undefined ? undefined : this.segments.get(segmentId);
  }

  private inContext(key: string): boolean {
    return this.hot.some(({ turn }) => turn.facts.some((fact) => fact.key === key)) || this.warm.some((summary) => summary.facts.some((fact) => fact.key === key));
  }

  private enforceBudgets(): Compaction[] {
    const compactions: Compaction[] = [];
    const hotBudget = this.environment.windowTokens * this.options.hotFraction;
    let hotTokens = this.hot.reduce((sum, entry) => sum + entry.turn.tokens, 0);
    while (hotTokens > hotBudget) {
      // The newest turn (just appended, or just recalled for a probe) stays hot while it fits alone: a segment of
      // older turns would otherwise sweep it into a summary before the model call it was brought in for.
      const newestTokens = (this.hot[this.hot.length - 1] as HotTurn).turn.tokens;
      const older = newestTokens <= hotBudget ? this.hot.length - 1 : this.hot.length;
      const taken = this.hot.splice(0, Math.min(this.options.segmentTurns, older));
      // Stryker disable next-line ConditionalExpression,StringLiteral: unreachable: hot is over its budget only with older turns to take or a newest turn too big to stay alone.
      if (taken.length === 0) assertionFailed(`hot tier over its budget of ${hotBudget} tokens with nothing to compact`);
      hotTokens -= taken.reduce((sum, entry) => sum + entry.turn.tokens, 0);
      compactions.push(this.compact(taken.map((entry) => entry.turn)));
    }
    return compactions;
  }

  /** Hot turns to a warm summary, their full text to the store; then warm and the store back within their limits. */
  private compact(turns: readonly Turn[]): Compaction {
    const hibernated = this.hibernate(turns);
    const warmBudget = this.environment.windowTokens * this.options.warmFraction;
    const fill = Math.min(1, tokensOf(this.warm) / warmBudget);
    const threshold = this.options.importanceThreshold + (1 - this.options.importanceThreshold) * fill;
    const candidates = turns.flatMap((turn) => turn.facts);
    const selection = selectFacts(candidates, threshold, this.options.factLossChance, this.environment.random, true);
    const fits = this.options.overheadTokens <= warmBudget;
    const facts = fits ? fitFacts(this.options, selection.kept, warmBudget) : [];
    const tokensWritten = fits ? summaryTokens(this.options, facts.length) : 0;
    if (fits) this.warm.push({ firstTurn: (turns[0] as Turn).index, lastTurn: (turns[turns.length - 1] as Turn).index, tokens: tokensWritten, facts });
    while (tokensOf(this.warm) > warmBudget) this.warm.shift();
    return { turnsCompacted: turns.length, tokensRead: tokensOf(turns), tokensWritten, factsKept: facts.length, factsLost: candidates.length - facts.length, segmentsHibernated: hibernated ? 1 : 0 };
  }

  /** Stores the turns not stored yet as one segment; false when there were none. */
  protected hibernate(turns: readonly Turn[]): boolean {
    const fresh = turns.filter((turn) => !this.storedTurns.has(turn.index));
    if (fresh.length === 0) return false;
    const segment: Segment = { id: this.nextSegmentId, turns: fresh, tokens: tokensOf(fresh), pinned: fresh.some((turn) => turn.facts.some((fact) => fact.pinned)) };
    // Stryker disable next-line AssignmentOperator: ids are only told apart, never ordered (eviction goes by insertion order); counting down keeps them distinct too.
    this.nextSegmentId += 1;
    this.segments.set(segment.id, segment);
    this.storeTokens += segment.tokens;
    for (const turn of fresh) {
      this.storedTurns.add(turn.index);
      for (const fact of turn.facts) this.segmentOfFact.set(fact.key, segment.id);
    }
    this.evictUnpinned();
    return true;
  }

  /** Drops the oldest segments without a pinned fact while more than storeSegmentsMax of them are kept. */
  private evictUnpinned(): void {
    let unpinned = 0;
    for (const segment of this.segments.values()) if (!segment.pinned) unpinned += 1;
    for (const segment of this.segments.values()) {
      if (unpinned <= this.options.storeSegmentsMax) return;
      if (segment.pinned) continue;
      this.segments.delete(segment.id);
      this.storeTokens -= segment.tokens;
      unpinned -= 1;
    }
  }
}

export const DEFAULT_TIERED = {
  hotFraction: 0.5,
  warmFraction: 0.3,
  segmentTurns: 4,
  importanceThreshold: 0.5,
  factLossChance: 0.1,
  overheadTokens: 100,
  tokensPerFact: 40,
  recallOverheadTokens: 100,
  recallLatencyMs: 300,
  storeSegmentsMax: 10_000,
} as const;

export const tieredKind = defineContextKind({
  kind: "tiered",
  summary: "hot turns in full, warm summaries with adaptive thresholds, cold segments hibernated and recalled by fact key",
  options: {
    hot_fraction: fraction.default(DEFAULT_TIERED.hotFraction),
    warm_fraction: fraction.default(DEFAULT_TIERED.warmFraction),
    segment_turns: z.number().int().min(1).max(1000).default(DEFAULT_TIERED.segmentTurns),
    importance_threshold: probability.default(DEFAULT_TIERED.importanceThreshold),
    fact_loss_chance: probability.default(DEFAULT_TIERED.factLossChance),
    summary_overhead_tokens: tokens.default(DEFAULT_TIERED.overheadTokens),
    summary_tokens_per_fact: tokens.default(DEFAULT_TIERED.tokensPerFact),
    recall_overhead_tokens: tokens.default(DEFAULT_TIERED.recallOverheadTokens),
    recall_latency_ms: tokens.default(DEFAULT_TIERED.recallLatencyMs),
    store_segments_max: z.number().int().min(0).max(10_000_000).default(DEFAULT_TIERED.storeSegmentsMax),
  },
  refine: (options) => (options.hot_fraction + options.warm_fraction > 1 ? { path: "warm_fraction", message: "hot_fraction + warm_fraction must be at most 1" } : undefined),
  create: (options, environment) =>
    new Tiered(
      {
        hotFraction: options.hot_fraction,
        warmFraction: options.warm_fraction,
        segmentTurns: options.segment_turns,
        importanceThreshold: options.importance_threshold,
        factLossChance: options.fact_loss_chance,
        overheadTokens: options.summary_overhead_tokens,
        tokensPerFact: options.summary_tokens_per_fact,
        recallOverheadTokens: options.recall_overhead_tokens,
        recallLatencyMs: options.recall_latency_ms,
        storeSegmentsMax: options.store_segments_max,
      },
      environment,
    ),
});
