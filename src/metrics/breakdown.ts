// Figures the collector keeps beside its own, in a module of their own so the collector's edit stays small: job
// outcomes per tenant, per lane and per tenant × lane (failures per tenant), and the arrival window, over which
// utilization and throughput describe the steady state rather than the drain after arrivals stop.
// Definitions are in docs/metrics.md; test/metrics/breakdown-recompute.test.ts recomputes them from a log.

import { assert } from "../policies/assert.ts";
import type { Percentiles } from "./percentiles.ts";

export interface JobCounts {
  readonly arrived: number;
  readonly completed: number;
  readonly failed: number;
  readonly canceled: number;
}

export interface JobBreakdown {
  readonly by_tenant: Readonly<Record<string, JobCounts>>;
  readonly by_lane: Readonly<Record<string, JobCounts>>;
  /** Keyed `tenant/lane`, for pairs that had a job. */
  readonly by_tenant_lane: Readonly<Record<string, JobCounts>>;
}

/** Percentiles indexed tenant × lanes + lane, as `tenant/lane` → figures for the pairs that have a value, in name order. */
export function percentilesByPair(
  byPair: readonly Percentiles[],
  tenantNames: readonly string[],
  laneNames: readonly string[],
): Record<string, Percentiles> {
  const named: [string, Percentiles][] = [];
  byPair.forEach((figures, pair) => {
    const tenant = tenantNames[Math.floor(pair / laneNames.length)];
    const lane = laneNames[pair % laneNames.length];
    if (figures.count > 0 && tenant !== undefined && lane !== undefined) named.push([tenantLaneKey(tenant, lane), figures]);
  });
  named.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(named);
}

type Status = "completed" | "failed" | "canceled";
const FIELDS = 4;
const FIELD_OF: Readonly<Record<"arrived" | Status, number>> = { arrived: 0, completed: 1, failed: 2, canceled: 3 };

/** The key of a tenant × lane pair in `by_tenant_lane` and in the `tenant_lane` rows. */
export function tenantLaneKey(tenant: string, lane: string): string {
  return `${tenant}/${lane}`;
}

/**
 * Counts per (tenant, lane) pair of group indexes, in one growable array; per tenant and per lane are sums of
 * pairs, so each event costs one increment. Lanes are a handful, so pairs stay few.
 */
export class OutcomeCounts {
  private counts = new Float64Array(0);
  private lanesMax = 8;

  arrived(tenant: number, lane: number): void {
    this.add(tenant, lane, "arrived");
  }

  finished(tenant: number, lane: number, status: Status): void {
    this.add(tenant, lane, status);
  }

  summary(tenantNames: readonly string[], laneNames: readonly string[]): JobBreakdown {
    const byTenant = new Map<string, number[]>();
    const byLane = new Map<string, number[]>();
    const byPair = new Map<string, number[]>();
    tenantNames.forEach((tenant, tenantIndex) => {
      laneNames.forEach((lane, laneIndex) => {
        const pair = this.pair(tenantIndex, laneIndex);
        if (pair.every((count) => count === 0)) return;
        accumulate(byTenant, tenant, pair);
        accumulate(byLane, lane, pair);
        accumulate(byPair, tenantLaneKey(tenant, lane), pair);
      });
    });
    return { by_tenant: named(byTenant), by_lane: named(byLane), by_tenant_lane: named(byPair) };
  }

  private add(tenant: number, lane: number, field: "arrived" | Status): void {
    if (Number.isNaN(tenant) || Number.isNaN(lane)) return;
    if (lane >= this.lanesMax) this.widen(lane);
    const index = (tenant * this.lanesMax + lane) * FIELDS + FIELD_OF[field];
    if (index >= this.counts.length) this.grow(index);
    this.counts[index] = (this.counts[index] as number) + 1;
  }

  private pair(tenant: number, lane: number): number[] {
    if (lane >= this.lanesMax) return [0, 0, 0, 0];
    const start = (tenant * this.lanesMax + lane) * FIELDS;
    return Array.from({ length: FIELDS }, (_, field) => this.counts[start + field] ?? 0);
  }

  private grow(index: number): void {
    let capacity = Math.max(64, this.counts.length * 2);
    while (capacity <= index) capacity *= 2;
    const larger = new Float64Array(capacity);
    larger.set(this.counts);
    this.counts = larger;
  }

  /** More lanes than expected: re-lay the pairs with room for them. */
  private widen(lane: number): void {
    const lanesMax = Math.max(lane + 1, this.lanesMax * 2);
    const tenants = Math.ceil(this.counts.length / (this.lanesMax * FIELDS));
    const wider = new Float64Array(tenants * lanesMax * FIELDS);
    for (let tenant = 0; tenant < tenants; tenant += 1) {
      for (let old = 0; old < this.lanesMax; old += 1) {
        for (let field = 0; field < FIELDS; field += 1) {
          wider[(tenant * lanesMax + old) * FIELDS + field] = this.counts[(tenant * this.lanesMax + old) * FIELDS + field] ?? 0;
        }
      }
    }
    this.counts = wider;
    this.lanesMax = lanesMax;
  }
}

function accumulate(into: Map<string, number[]>, key: string, pair: readonly number[]): void {
  const total = into.get(key) ?? [0, 0, 0, 0];
  pair.forEach((count, field) => {
    total[field] = (total[field] as number) + count;
  });
  into.set(key, total);
}

function named(groups: Map<string, number[]>): Record<string, JobCounts> {
  const result: Record<string, JobCounts> = {};
  for (const key of [...groups.keys()].sort()) {
    const [arrived, completed, failed, canceled] = groups.get(key) as number[];
    result[key] = { arrived: arrived as number, completed: completed as number, failed: failed as number, canceled: canceled as number };
  }
  return result;
}

export interface ArrivalWindowSummary {
  /** From the run's start to the last `job_arrived`. */
  readonly duration_ms: number;
  /** Completed jobs whose `job_finished` comes before the last `job_arrived` in the log. */
  readonly jobs_completed: number;
  readonly throughput_jobs_per_s: number;
  /** Per resource: ∫ held dt over the window / (limit × duration). */
  readonly utilization: Readonly<Record<string, number>>;
}

/** What the window needs of a resource at an arrival: its limit and the integral of held capacity so far. */
export interface HeldIntegral {
  readonly limit: number;
  readonly held: number;
  readonly sinceMs: number;
  readonly integral: number;
}

/**
 * The arrival window ends at the last arrival, which is known only once the run ends: every arrival moves the
 * end and takes a snapshot of what the window needs, O(resources) per arrival.
 */
export class ArrivalWindow {
  private endMs = 0;
  private completedAtEnd = 0;
  private readonly integralAtEnd = new Map<string, number>();
  private readonly limits = new Map<string, number>();

  arrival(timeMs: number, completedSoFar: number, resources: ReadonlyMap<string, HeldIntegral>): void {
    assert(timeMs >= this.endMs, "arrivals come in time order");
    this.endMs = timeMs;
    this.completedAtEnd = completedSoFar;
    for (const [key, use] of resources) {
      this.integralAtEnd.set(key, use.integral + use.held * (timeMs - use.sinceMs));
      this.limits.set(key, use.limit);
    }
  }

  summary(): ArrivalWindowSummary {
    const durationMs = this.endMs;
    const utilization: Record<string, number> = {};
    for (const [key, integral] of this.integralAtEnd) {
      utilization[key] = durationMs > 0 ? integral / ((this.limits.get(key) as number) * durationMs) : Number.NaN;
    }
    return {
      duration_ms: durationMs,
      jobs_completed: this.completedAtEnd,
      throughput_jobs_per_s: durationMs > 0 ? (this.completedAtEnd * 1000) / durationMs : Number.NaN,
      utilization,
    };
  }
}
