// Percentiles overall, per tenant and per lane of one sample: each value is tagged with its tenant and lane (group
// indexes) in columns beside it, so an event costs three array writes, and a dimension with a single group sorts
// nothing more than the overall sample. One Sample per group cost a second and third copy and sort of every
// value, and a Map lookup per value.

import { type Percentiles, Sample, percentiles } from "./percentiles.ts";

/** A growable column of group indexes (−1: no group). */
class GroupColumn {
  private values = new Int32Array(1024);
  private count = 0;

  push(group: number): void {
    if (this.count === this.values.length) {
      const larger = new Int32Array(this.values.length * 2);
      larger.set(this.values);
      this.values = larger;
    }
    this.values[this.count] = group;
    this.count += 1;
  }

  toArray(): Int32Array {
    return this.values.subarray(0, this.count);
  }
}

export interface GroupedPercentiles {
  readonly overall: Percentiles;
  /** Indexed by tenant group index; a group with no value has count 0. */
  readonly byTenant: readonly Percentiles[];
  readonly byLane: readonly Percentiles[];
  /** Indexed by tenant × laneCount + lane. */
  readonly byTenantLane: readonly Percentiles[];
}

export class GroupedSample {
  private readonly values = new Sample();
  private readonly tenants = new GroupColumn();
  private readonly lanes = new GroupColumn();

  /** `tenant` and `lane` are group indexes, NaN when unknown. */
  push(value: number, tenant: number, lane: number): void {
    this.values.push(value);
    this.tenants.push(Number.isNaN(tenant) ? -1 : tenant);
    this.lanes.push(Number.isNaN(lane) ? -1 : lane);
  }

  /** Sorts the overall sample in place: read it once, at the end of a run. */
  percentiles(tenantCount: number, laneCount: number): GroupedPercentiles {
    const values = this.values.toArray();
    // Per group first: the partition reads the values in the order their columns were written.
    const byTenant = percentilesByGroup(values, this.tenants.toArray(), tenantCount);
    const byLane = percentilesByGroup(values, this.lanes.toArray(), laneCount);
    const byTenantLane = percentilesByGroup(values, pairColumn(this.tenants.toArray(), this.lanes.toArray(), laneCount), tenantCount * laneCount);
    const overall = percentiles(values);
    return { overall, byTenant: byTenant ?? [overall], byLane: byLane ?? [overall], byTenantLane: byTenantLane ?? [overall] };
  }
}

/** Undefined when every value belongs to group 0 of a single group: its percentiles are the overall ones. */
function percentilesByGroup(values: Float64Array, groups: Int32Array, groupCount: number): Percentiles[] | undefined {
  if (groupCount <= 1 && allZero(groups)) return undefined;
  const starts = new Int32Array(groupCount + 1);
  for (const group of groups) if (group >= 0) starts[group + 1] = (starts[group + 1] as number) + 1;
  for (let group = 1; group <= groupCount; group += 1) starts[group] = (starts[group] as number) + (starts[group - 1] as number);
  const partitioned = new Float64Array(starts[groupCount] as number);
  const next = starts.slice(0, groupCount);
  groups.forEach((group, index) => {
    if (group < 0) return;
    partitioned[next[group] as number] = values[index] as number;
    next[group] = (next[group] as number) + 1;
  });
  const result: Percentiles[] = [];
  for (let group = 0; group < groupCount; group += 1) result.push(percentiles(partitioned.subarray(starts[group] as number, next[group] as number)));
  return result;
}

/** tenant × laneCount + lane per value (−1 when either is unknown): the pairs as one more dimension. */
function pairColumn(tenants: Int32Array, lanes: Int32Array, laneCount: number): Int32Array {
  const pairs = new Int32Array(tenants.length);
  for (let index = 0; index < tenants.length; index += 1) {
    const tenant = tenants[index] as number;
    const lane = lanes[index] as number;
    pairs[index] = tenant < 0 || lane < 0 ? -1 : tenant * laneCount + lane;
  }
  return pairs;
}

function allZero(groups: Int32Array): boolean {
  for (let index = 0; index < groups.length; index += 1) if (groups[index] !== 0) return false;
  return true;
}
