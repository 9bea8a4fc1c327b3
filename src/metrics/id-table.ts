// Per-entity numbers (times, small codes) keyed by the log's dense integer ids (job, task, lease), kept in
// typed arrays instead of a Map. A Map of boxed numbers churned a million times made the young-generation
// collector copy and promote them: in the 1M-job benchmark that cost 1.4 s of scavenging.

import { assert } from "../policies/assert.ts";

/**
 * One number per id, for entities that come and go (a job until it ends, a task until it finishes). Kept in a
 * LiveRecords ring, so memory follows the span of ids alive at once rather than the largest id ever seen: a run
 * of a million jobs, a few hundred in the system at a time, holds a few hundred slots. Deleting an id's value
 * when its entity is gone is what keeps the ring small.
 */
export class IdTable {
  private readonly rows: LiveRecords;

  constructor(initialCapacity = 1024) {
    this.rows = new LiveRecords(1, initialCapacity);
  }

  /** NaN when the id has no value. */
  get(id: number): number {
    return this.rows.get(id, 0);
  }

  set(id: number, value: number): void {
    this.rows.set(id, 0, value);
  }

  delete(id: number): void {
    this.rows.delete(id);
  }
}

/**
 * Rows of numbers (`fields` per row) for entities alive for a while, such as a request in flight or a task until
 * it finishes, keyed by their dense ids. Rows live in a ring indexed by `id mod capacity`, which doubles only
 * when two live ids would share a slot: memory follows the span of ids alive at once (the concurrency), not the
 * run's length, so a million requests neither allocate a million rows nor make the collector scavenge them.
 * Ids are below 2³¹ (they index with `&`).
 */
export class LiveRecords {
  /** The id whose row each slot holds; NaN when free. */
  private ids: Float64Array;
  private values: Float64Array;
  private mask: number;

  constructor(
    private readonly fields: number,
    initialCapacity = 1024,
  ) {
    assert(Number.isInteger(Math.log2(initialCapacity)), "LiveRecords capacity must be a power of two");
    this.mask = initialCapacity - 1;
    this.ids = new Float64Array(initialCapacity).fill(Number.NaN);
    this.values = new Float64Array(initialCapacity * fields);
  }

  /** NaN when the id has no live row. */
  get(id: number, field: number): number {
    const slot = id & this.mask;
    return this.ids[slot] === id ? (this.values[slot * this.fields + field] as number) : Number.NaN;
  }

  /** Sets one field, making the row live (its other fields NaN) if it was not. */
  set(id: number, field: number, value: number): void {
    let slot = id & this.mask;
    if (this.ids[slot] !== id) {
      if (!Number.isNaN(this.ids[slot] as number)) {
        this.grow(id);
        slot = id & this.mask;
      }
      this.ids[slot] = id;
      for (let other = 0; other < this.fields; other += 1) this.values[slot * this.fields + other] = Number.NaN;
    }
    this.values[slot * this.fields + field] = value;
  }

  /** The entity is gone: its slot is free again. */
  delete(id: number): void {
    const slot = id & this.mask;
    if (this.ids[slot] === id) this.ids[slot] = Number.NaN;
  }

  /** Doubles until every live row and `id` have a slot of their own. */
  private grow(id: number): void {
    for (let capacity = this.ids.length * 2; ; capacity *= 2) {
      const ids = new Float64Array(capacity).fill(Number.NaN);
      const values = new Float64Array(capacity * this.fields);
      const mask = capacity - 1;
      let collided = false;
      for (let slot = 0; slot < this.ids.length && !collided; slot += 1) {
        const live = this.ids[slot] as number;
        if (Number.isNaN(live)) continue;
        const target = live & mask;
        if (!Number.isNaN(ids[target] as number)) collided = true;
        ids[target] = live;
        values.set(this.values.subarray(slot * this.fields, (slot + 1) * this.fields), target * this.fields);
      }
      if (collided || !Number.isNaN(ids[id & mask] as number)) continue;
      this.ids = ids;
      this.values = values;
      this.mask = mask;
      return;
    }
  }
}
