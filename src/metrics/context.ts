// Context figures of a run's agent sessions, from the session events of its log alone (docs/metrics.md,
// "Context"): key-fact retention at probe time (overall, pinned, by importance and by session length), tokens
// spent on compaction and recall, context tokens per turn, recall latency and the size of the cold store.

import type { SessionEvent } from "../eventlog/events.ts";
import { type Percentiles, Sample, percentiles } from "./percentiles.ts";

/** Importance bands: below the default summary threshold, up to the default pin threshold, and above it. */
export const IMPORTANCE_BANDS = [
  { name: "low", from: 0 },
  { name: "medium", from: 0.5 },
  { name: "high", from: 0.8 },
] as const;

/** Session length bands, in turns: a band holds sessions of at most `upTo` turns (and more than the previous). */
export const LENGTH_BANDS = [
  { name: "1-50", upTo: 50 },
  { name: "51-100", upTo: 100 },
  { name: "101-200", upTo: 200 },
  { name: "201-500", upTo: 500 },
  { name: "501+", upTo: Number.POSITIVE_INFINITY },
] as const;

export interface Retention {
  readonly probes: number;
  readonly retained: number;
  /** retained / probes; NaN with no probe. */
  readonly retention: number;
}

export interface ContextSummary {
  readonly sessions: number;
  readonly turns: number;
  readonly retention: Retention;
  readonly retention_pinned: Retention;
  readonly retention_by_importance: Readonly<Record<string, Retention>>;
  readonly retention_by_session_length: Readonly<Record<string, Retention>>;
  readonly compactions: number;
  /** Σ (tokens_read + tokens_written) over compactions. */
  readonly compaction_tokens: number;
  readonly facts_lost: number;
  readonly recalls: number;
  readonly recall_misses: number;
  readonly recall_tokens: number;
  readonly recall_latency_ms: Percentiles;
  /** context_assembled.tokens over every turn of every session. */
  readonly context_tokens_per_turn: Percentiles;
  /** The store at each session's last turn, averaged over sessions; and the largest store seen at any turn. */
  readonly store_tokens_final_mean: number;
  readonly store_segments_final_mean: number;
  readonly store_tokens_max: number;
}

class RetentionCount {
  probes = 0;
  retained = 0;
  add(retained: boolean): void {
    this.probes += 1;
    if (retained) this.retained += 1;
  }
  summary(): Retention {
    return { probes: this.probes, retained: this.retained, retention: this.probes === 0 ? Number.NaN : this.retained / this.probes };
  }
}

export class ContextTracker {
  private readonly turnsOfSession = new Map<number, number>();
  private readonly finalStore = new Map<number, { tokens: number; segments: number }>();
  private readonly overall = new RetentionCount();
  private readonly pinned = new RetentionCount();
  private readonly byImportance = new Map<string, RetentionCount>(IMPORTANCE_BANDS.map((band) => [band.name, new RetentionCount()]));
  private readonly byLength = new Map<string, RetentionCount>(LENGTH_BANDS.map((band) => [band.name, new RetentionCount()]));
  private readonly contextTokens = new Sample();
  private readonly recallLatency = new Sample();
  private turns = 0;
  private compactions = 0;
  private compactionTokens = 0;
  private factsLost = 0;
  private recalls = 0;
  private recallMisses = 0;
  private recallTokens = 0;
  private storeTokensMax = 0;

  get active(): boolean {
    return this.turnsOfSession.size > 0;
  }

  record(event: SessionEvent): void {
    switch (event.type) {
      case "session_started":
        this.turnsOfSession.set(event.session, event.turns);
        return;
      case "context_compacted":
        this.compactions += 1;
        this.compactionTokens += this.compactionCost(event.tokens_read, event.tokens_written);
        this.factsLost += event.facts_lost;
        return;
      case "context_recalled":
        if (event.found) this.recalls += 1;
        else this.recallMisses += 1;
        this.recallTokens += event.tokens;
        this.recallLatency.push(event.latency_ms);
        return;
      case "fact_probed":
        this.overall.add(event.retained);
        if (event.pinned) this.pinned.add(event.retained);
        this.byImportance.get(importanceBand(event.importance))?.add(event.retained);
        this.byLength.get(lengthBand(this.turnsOfSession.get(event.session) ?? 0))?.add(event.retained);
        return;
      case "context_assembled":
        this.turns += 1;
        this.contextTokens.push(event.tokens);
        this.storeTokensMax = Math.max(this.storeTokensMax, event.store_tokens);
        this.finalStore.set(event.session, { tokens: event.store_tokens, segments: event.store_segments });
        return;
      case "session_finished":
        return;
    }
  }

  /** What one compaction spent; protected so that a test can plant a bug (test/metrics/context.test.ts). */
  protected compactionCost(tokensRead: number, tokensWritten: number): number {
    return tokensRead + tokensWritten;
  }

  summary(): ContextSummary {
    const finals = [...this.finalStore.values()];
    const mean = (values: readonly number[]): number => (values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length);
    return {
      sessions: this.turnsOfSession.size,
      turns: this.turns,
      retention: this.overall.summary(),
      retention_pinned: this.pinned.summary(),
      retention_by_importance: Object.fromEntries([...this.byImportance].map(([band, count]) => [band, count.summary()])),
      retention_by_session_length: Object.fromEntries([...this.byLength].map(([band, count]) => [band, count.summary()])),
      compactions: this.compactions,
      compaction_tokens: this.compactionTokens,
      facts_lost: this.factsLost,
      recalls: this.recalls,
      recall_misses: this.recallMisses,
      recall_tokens: this.recallTokens,
      recall_latency_ms: percentiles(this.recallLatency.toArray()),
      context_tokens_per_turn: percentiles(this.contextTokens.toArray()),
      store_tokens_final_mean: mean(finals.map((store) => store.tokens)),
      store_segments_final_mean: mean(finals.map((store) => store.segments)),
      store_tokens_max: this.storeTokensMax,
    };
  }
}

export function importanceBand(importance: number): string {
  let band: string = IMPORTANCE_BANDS[0].name;
  for (const candidate of IMPORTANCE_BANDS) if (importance >= candidate.from) band = candidate.name;
  return band;
}

export function lengthBand(turns: number): string {
  // The last band has no upper bound, so some band always matches.
  return (LENGTH_BANDS.find((band) => turns <= band.upTo) as (typeof LENGTH_BANDS)[number]).name;
}
