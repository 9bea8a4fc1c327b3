// The per-job records of the levelled queues (MLFQ, LAS), keyed by job id. A Map of a million jobs made every
// enqueue and every finished job a lookup in a hash table far larger than the cache: at a 1M backlog those
// lookups, not the queue's own work, set the cost per task (bench/queues, `queue mlfq, 1,000,000 queued`).
// Job ids are handed out in arrival order, so the jobs alive at once hold nearby ids: a ring indexed by
// `id mod capacity` puts them in nearby slots, and a new job lands next to the last one. An id that shares a slot
// with a live one (a long-running job the ids have wrapped around to, or ids that are not dense) moves that
// one to a Map instead; the ring doubles only when at least a quarter of it is in use, so its size follows the
// most jobs alive at once (at most 8 slots per job), never the largest id.

/** Slots of a new table: a power of two (the slot is `id & (capacity − 1)`). */
const INITIAL_CAPACITY = 1024;

/** A record that knows its own key; the key may change only while the record is not in the table. */
export interface JobKeyed {
  readonly id: number;
}

/** Protected rather than private state: the tests plant bugs in subclasses (test/policies/queues/job-table.test.ts). */
export class JobTable<V extends JobKeyed> {
  protected slots: (V | undefined)[] = new Array<V | undefined>(INITIAL_CAPACITY).fill(undefined);
  protected mask = INITIAL_CAPACITY - 1;
  protected inSlots = 0;
  /** Records whose slot another live record holds, and any record whose id is NaN (no slot can tell it apart). */
  protected readonly overflow = new Map<number, V>();

  get size(): number {
    return this.inSlots + this.overflow.size;
  }

  /** Slots of the ring (for the memory bound's tests). */
  get capacity(): number {
    return this.slots.length;
  }

  /** Records kept outside the ring. */
  get overflowSize(): number {
    return this.overflow.size;
  }

  get(id: number): V | undefined {
    const held = this.slots[id & this.mask];
    if (held !== undefined && held.id === id) return held;
    // Stryker disable next-line ConditionalExpression: a shortcut; the empty Map answers undefined too
    return this.overflow.size === 0 ? undefined : this.overflow.get(id);
  }

  /** Adds a record whose id the table does not hold. */
  add(record: V): void {
    const id = record.id;
    if (Number.isNaN(id)) {
      this.overflow.set(id, record);
      return;
    }
    for (;;) {
      const slot = id & this.mask;
      const held = this.slots[slot];
      if (held === undefined) {
        this.slots[slot] = record;
        this.inSlots += 1;
        return;
      }
      if (this.inSlots * 4 < this.slots.length) {
        this.overflow.set(held.id, held);
        this.slots[slot] = record;
        return;
      }
      this.grow();
    }
  }

  delete(id: number): boolean {
    const slot = id & this.mask;
    const held = this.slots[slot];
    if (held !== undefined && held.id === id) {
      this.slots[slot] = undefined;
      this.inSlots -= 1;
      return true;
    }
    return this.overflow.delete(id);
  }

  /** Doubles the ring. Records in distinct slots stay in distinct slots: the larger mask keeps every bit of the smaller. */
  protected grow(): void {
    const previous = this.slots;
    const capacity = previous.length * 2;
    this.slots = new Array<V | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    for (const record of previous) if (record !== undefined) this.slots[record.id & this.mask] = record;
  }
}
