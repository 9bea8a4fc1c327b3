// `sliding_window`: keep the newest turns that fit in the window, drop the rest. No compaction, no store: the
// baseline every other manager is measured against.

import { defineContextKind } from "./context-kind.ts";
import { type AssembledContext, type Compaction, type ContextEnvironment, type ContextManager, NO_PROBE_COST, NO_STORE, type ProbeCost, type StoreSize, type Turn } from "./context-manager.ts";

const NO_COMPACTIONS: readonly Compaction[] = [];

export class SlidingWindow implements ContextManager {
  readonly kind = "sliding_window";
  private readonly turns: Turn[] = [];
  private tokens = 0;

  constructor(private readonly environment: ContextEnvironment) {}

  append(turn: Turn): readonly Compaction[] {
    this.turns.push(turn);
    this.tokens += turn.tokens;
    while (this.tokens > this.environment.windowTokens) this.tokens -= (this.turns.shift() as Turn).tokens;
    return NO_COMPACTIONS;
  }

  probe(): ProbeCost {
    return NO_PROBE_COST;
  }

  assemble(): AssembledContext {
    const items = this.turns.map((turn) => ({ kind: "turn" as const, turn: turn.index, tokens: turn.tokens, facts: turn.facts, recalled: false }));
    return { tokens: this.tokens, items };
  }

  storeSize(): StoreSize {
    return NO_STORE;
  }
}

export const slidingWindowKind = defineContextKind({
  kind: "sliding_window",
  summary: "keep the newest turns that fit in the window",
  options: {},
  create: (_options, environment) => new SlidingWindow(environment),
});
