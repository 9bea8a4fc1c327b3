// Planted bugs in the fairness figures: the real collector with one thing changed. The fairness tests run
// against each and must fail there, which shows they can fail at all.

import type { LogEvent } from "../../src/eventlog/events.ts";
import { MetricsCollector } from "../../src/metrics/collector.ts";
import { type FairnessSummary, FairnessTracker } from "../../src/metrics/fairness.ts";
import type { Percentiles } from "../../src/metrics/percentiles.ts";

/** Normalises by nothing: `run_started.queue` weights are dropped. */
class IgnoresWeights extends FairnessTracker {
  override useWeights(): void {}
}

/** Credits a request's whole token count to contention, wherever its service fell. */
class CountsServiceOutsideContention extends FairnessTracker {
  protected override contendedShare(): number {
    return 1;
  }
}

/** A pair's range of D is kept from their first common backlog instead of restarting with each one. */
class LagNeverResets extends FairnessTracker {
  private readonly opened = new Set<string>();
  protected override openPair(a: number, b: number): void {
    const key = `${Math.min(a, b)}/${Math.max(a, b)}`;
    if (this.opened.has(key)) return;
    this.opened.add(key);
    super.openPair(a, b);
  }
}

/** No contention reported as perfectly fair instead of absent. */
class JainOneWithoutContention extends FairnessTracker {
  override summary(endMs: number, queueWaits: readonly Percentiles[]): FairnessSummary {
    const summary = super.summary(endMs, queueWaits);
    return {
      ...summary,
      fairness_jain_tokens: Number.isNaN(summary.fairness_jain_tokens) ? 1 : summary.fairness_jain_tokens,
      fairness_jain_provider_time: Number.isNaN(summary.fairness_jain_provider_time) ? 1 : summary.fairness_jain_provider_time,
    };
  }
}

/** A task canceled while it waits keeps its group backlogged (only a lease ends a wait). */
class CancelKeepsBacklog extends MetricsCollector {
  override record(seq: number, timeMs: number, event: LogEvent): void {
    if (event.type === "task_finished" && event.status === "canceled") return;
    super.record(seq, timeMs, event);
  }
}

export const FAIRNESS_MUTANTS = {
  ignores_weights: () => new MetricsCollector(() => new IgnoresWeights()),
  counts_service_outside_contention: () => new MetricsCollector(() => new CountsServiceOutsideContention()),
  lag_never_resets: () => new MetricsCollector(() => new LagNeverResets()),
  jain_one_without_contention: () => new MetricsCollector(() => new JainOneWithoutContention()),
  cancel_keeps_backlog: () => new CancelKeepsBacklog(),
} as const;

export type FairnessMutant = keyof typeof FAIRNESS_MUTANTS;
