// Runs the planned sessions on the simulation's clock, each through its own context manager (the policy's real
// code), and logs what the manager did: compactions, recalls, probes and the assembled context of every turn.
// A recall's latency delays the session's next turn. Each session's manager draws chance from a stream of its own.

import type { SessionEvent } from "../eventlog/events.ts";
import type { Compaction, ContextManager } from "../policies/context/context-manager.ts";
import { contextHolds } from "../policies/context/context-manager.ts";
import type { ContextSpec } from "../policies/context/context-kind.ts";
import { createContextManager } from "../policies/context/registry.ts";
import type { Timers } from "../policies/timers.ts";
import type { RandomStreams } from "./random.ts";
import type { SessionPlan } from "./sessions.ts";

export type ContextManagerFactory = (spec: ContextSpec, environment: Parameters<typeof createContextManager>[1]) => ContextManager;

export class SessionRunner {
  constructor(
    private readonly plans: readonly SessionPlan[],
    private readonly context: ContextSpec,
    private readonly windowTokens: number,
    private readonly streams: RandomStreams,
    private readonly timers: Timers,
    private readonly emit: (event: SessionEvent) => void,
    private readonly createManager: ContextManagerFactory = createContextManager,
  ) {}

  start(): void {
    for (const plan of this.plans) {
      const random = this.streams.stream(`context/${plan.id}`);
      const manager = this.createManager(this.context, { windowTokens: this.windowTokens, random: () => random.next() });
      this.emit({ type: "session_started", session: plan.id, turns: plan.turns.length, window_tokens: this.windowTokens, context: manager.kind });
      this.timers.schedule(plan.gapsMs[0] ?? 0, () => this.turn(plan, manager, 0));
    }
  }

  private turn(plan: SessionPlan, manager: ContextManager, index: number): void {
    const turn = plan.turns[index];
    if (turn === undefined) {
      this.emit({ type: "session_finished", session: plan.id, turns: plan.turns.length });
      return;
    }
    this.logCompactions(plan.id, index, manager.append(turn));
    let recallMs = 0;
    for (const probe of plan.probesByTurn.get(index) ?? []) {
      const cost = manager.probe(probe.fact.key);
      if (cost.kind === "recall") {
        this.emit({ type: "context_recalled", session: plan.id, turn: index, fact: probe.fact.key, found: true, tokens: cost.tokens, latency_ms: cost.latencyMs });
        this.logCompactions(plan.id, index, cost.compactions);
        recallMs += cost.latencyMs;
      } else if (cost.kind === "recall_miss") {
        this.emit({ type: "context_recalled", session: plan.id, turn: index, fact: probe.fact.key, found: false, tokens: 0, latency_ms: cost.latencyMs });
        recallMs += cost.latencyMs;
      }
      const retained = contextHolds(manager.assemble(), probe.fact.key);
      this.emit({ type: "fact_probed", session: plan.id, turn: index, fact: probe.fact.key, importance: probe.fact.importance, pinned: probe.fact.pinned, stated_turn: probe.statedTurn, retained });
    }
    const context = manager.assemble();
    const store = manager.storeSize();
    this.emit({ type: "context_assembled", session: plan.id, turn: index, tokens: context.tokens, store_segments: store.segments, store_tokens: store.tokens });
    this.timers.schedule(recallMs + (plan.gapsMs[index + 1] ?? 0), () => this.turn(plan, manager, index + 1));
  }

  private logCompactions(session: number, turn: number, compactions: readonly Compaction[]): void {
    for (const compaction of compactions) {
      this.emit({
        type: "context_compacted",
        session,
        turn,
        turns_compacted: compaction.turnsCompacted,
        tokens_read: compaction.tokensRead,
        tokens_written: compaction.tokensWritten,
        facts_kept: compaction.factsKept,
        facts_lost: compaction.factsLost,
        segments_hibernated: compaction.segmentsHibernated,
      });
    }
  }
}
