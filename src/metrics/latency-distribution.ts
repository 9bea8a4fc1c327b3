// Job latency distributions of one run, overall, per lane and per tenant, in bounded memory (latency-histogram.ts):
// what the report's CDFs are drawn from. Latency is job_finished.t − job_arrived.t of completed jobs, as in
// docs/metrics.md.

import type { EventSink, LogEvent } from "../eventlog/events.ts";
import { type HistogramData, LatencyHistogram } from "./latency-histogram.ts";
import { LiveRecords } from "./id-table.ts";

/** Tenants past this many share one distribution, so that a trace with thousands of tenants stays bounded. */
export const DISTRIBUTION_TENANTS_MAX = 64;
export const OTHER_TENANTS = "(other tenants)";

export interface LatencyDistributions {
  readonly overall: HistogramData;
  readonly by_lane: Readonly<Record<string, HistogramData>>;
  readonly by_tenant: Readonly<Record<string, HistogramData>>;
}

const ARRIVED_MS = 0;
const LANE = 1;
const TENANT = 2;

export class LatencyDistributionSink implements EventSink {
  private readonly overall = new LatencyHistogram();
  private readonly lanes: { name: string; histogram: LatencyHistogram }[] = [];
  private readonly tenants: { name: string; histogram: LatencyHistogram }[] = [];
  private readonly jobs = new LiveRecords(3);

  record(_seq: number, timeMs: number, event: LogEvent): void {
    if (event.type === "job_arrived") {
      this.jobs.set(event.job, ARRIVED_MS, timeMs);
      this.jobs.set(event.job, LANE, groupIndex(this.lanes, event.lane, Number.POSITIVE_INFINITY));
      this.jobs.set(event.job, TENANT, groupIndex(this.tenants, event.tenant, DISTRIBUTION_TENANTS_MAX));
      return;
    }
    if (event.type !== "job_finished") return;
    const arrivedMs = this.jobs.get(event.job, ARRIVED_MS);
    if (!Number.isNaN(arrivedMs) && event.status === "completed") {
      const latencyMs = timeMs - arrivedMs;
      this.overall.add(latencyMs);
      this.lanes[this.jobs.get(event.job, LANE)]?.histogram.add(latencyMs);
      this.tenants[this.jobs.get(event.job, TENANT)]?.histogram.add(latencyMs);
    }
    this.jobs.delete(event.job);
  }

  data(): LatencyDistributions {
    return { overall: this.overall.data(), by_lane: byName(this.lanes), by_tenant: byName(this.tenants) };
  }
}

function groupIndex(groups: { name: string; histogram: LatencyHistogram }[], name: string, max: number): number {
  const known = groups.findIndex((group) => group.name === name);
  if (known >= 0) return known;
  if (groups.length >= max) return groupIndex(groups, OTHER_TENANTS, Number.POSITIVE_INFINITY);
  groups.push({ name, histogram: new LatencyHistogram() });
  return groups.length - 1;
}

function byName(groups: readonly { name: string; histogram: LatencyHistogram }[]): Record<string, HistogramData> {
  const named = groups.filter((group) => group.histogram.data().count > 0).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return Object.fromEntries(named.map((group) => [group.name, group.histogram.data()]));
}
