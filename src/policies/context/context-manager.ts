// What a context manager is: it receives an agent session's turns, keeps what fits in the model's context window
// (whole turns, summaries, segments recalled from a store) and answers probes for facts. Clock-agnostic: a recall
// reports its latency and the caller spends it. Randomness (the chance a summary loses a fact) comes injected.

/** Something a later turn may need: a key, how much it matters in [0, 1], and whether it is pinned as key information. */
export interface Fact {
  readonly key: string;
  readonly importance: number;
  readonly pinned: boolean;
}

/** One turn of a session: its size in tokens and the facts it states. */
export interface Turn {
  readonly index: number;
  readonly tokens: number;
  readonly facts: readonly Fact[];
}

/** A piece of the assembled context: a turn at full fidelity, or a summary of older turns. */
export type ContextItem =
  | { readonly kind: "turn"; readonly turn: number; readonly tokens: number; readonly facts: readonly Fact[]; readonly recalled: boolean }
  | { readonly kind: "summary"; readonly firstTurn: number; readonly lastTurn: number; readonly tokens: number; readonly facts: readonly Fact[] };

export interface AssembledContext {
  readonly tokens: number;
  readonly items: readonly ContextItem[];
}

/** One compaction: turns (or a summary) read, a summary written, facts kept and lost, segments sent to the store. */
export interface Compaction {
  readonly turnsCompacted: number;
  readonly tokensRead: number;
  readonly tokensWritten: number;
  readonly factsKept: number;
  readonly factsLost: number;
  /** Segments of full turns written to the cold store (tiered only). */
  readonly segmentsHibernated: number;
}

/** What answering a probe cost: nothing, or a recall from the store (tokens read back, and the time it takes). */
export type ProbeCost =
  | { readonly kind: "none" }
  | { readonly kind: "recall"; readonly turn: number; readonly tokens: number; readonly latencyMs: number; readonly compactions: readonly Compaction[] }
  | { readonly kind: "recall_miss"; readonly latencyMs: number };

export interface StoreSize {
  readonly segments: number;
  readonly tokens: number;
}

export interface ContextManager {
  readonly kind: string;
  /** Adds the newest turn; returns the compactions it caused, oldest first. */
  append(turn: Turn): readonly Compaction[];
  /** A turn needs the fact `key`: a manager with a store may recall it into the context. */
  probe(key: string): ProbeCost;
  /** The context the next model call would see; its tokens never exceed the window. */
  assemble(): AssembledContext;
  /** What is hibernated in cold storage (nothing for managers without a store). */
  storeSize(): StoreSize;
}

export interface ContextEnvironment {
  readonly windowTokens: number;
  /** A uniform draw in [0, 1): the only source of chance a manager may use. */
  readonly random: () => number;
}

/** Sum of tokens over items or turns. */
export function tokensOf(pieces: readonly { readonly tokens: number }[]): number {
  let total = 0;
  for (const piece of pieces) total += piece.tokens;
  return total;
}

/** True when an item of the context states the fact. */
export function contextHolds(context: AssembledContext, key: string): boolean {
  return context.items.some((item) => item.facts.some((fact) => fact.key === key));
}

export const NO_STORE: StoreSize = { segments: 0, tokens: 0 };
export const NO_PROBE_COST: ProbeCost = { kind: "none" };
