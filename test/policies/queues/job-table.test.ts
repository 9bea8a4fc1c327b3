// The job table of the levelled queues (job-table.ts), checked against a Map: after every call of a random
// sequence of adds, lookups and deletes, over ids that share slots of the ring at every size (multiples of 1024
// apart), negative, fractional, NaN and huge ids, every lookup and the size equal the Map's. And its memory: the
// ring follows the most records alive at once, not the largest id. Planted bugs must fail.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JobTable } from "../../../src/policies/queues/job-table.ts";
import { refuted } from "./planted.ts";

interface Entry {
  id: number;
  readonly name: string;
}

/** Ids that meet in one slot at every ring size up to 2¹⁴, their neighbours, and ids no slot tells apart. */
const IDS: readonly number[] = [
  ...Array.from({ length: 24 }, (_, index) => index),
  ...Array.from({ length: 12 }, (_, index) => (index + 1) * 1024),
  ...Array.from({ length: 6 }, (_, index) => (index + 1) * 16_384 + 1),
  -1,
  -1024,
  0.5,
  1.5,
  Number.NaN,
  2 ** 40,
  2 ** 40 + 1,
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
];

type Op = { readonly op: "add" | "delete"; readonly id: number } | { readonly op: "fill"; readonly from: number; readonly count: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom("add" as const, "delete" as const), id: fc.constantFrom(...IDS) }),
  // A run of dense ids: fills the ring past a quarter, so it grows while other ids sit in its slots.
  fc.record({ op: fc.constant("fill" as const), from: fc.integer({ min: 0, max: 5_000 }), count: fc.integer({ min: 1, max: 1_500 }) }),
);

type TableFactory = () => JobTable<Entry>;

/** The first call after which the table and the model disagree, or undefined. */
function firstDifference(make: TableFactory, ops: readonly Op[]): number | undefined {
  const table = make();
  const model = new Map<number, Entry>();
  const add = (id: number): void => {
    if (model.has(id)) return; // the caller's contract: add only an id the table does not hold
    const entry = { id, name: `job ${id}` };
    model.set(id, entry);
    table.add(entry);
  };
  for (const [index, op] of ops.entries()) {
    if (op.op === "fill") for (let id = op.from; id < op.from + op.count; id += 1) add(id);
    else if (op.op === "add") add(op.id);
    else if (table.delete(op.id) !== model.delete(op.id)) return index;
    if (table.size !== model.size) return index;
    for (const id of IDS) if (table.get(id) !== model.get(id)) return index;
    for (const [id, entry] of model) if (table.get(id) !== entry) return index;
  }
  return undefined;
}

const opsArbitrary = fc.array(opArbitrary, { maxLength: 40 });

describe("job table", () => {
  it("answers every lookup, delete and size as a Map does", () => {
    fc.assert(
      fc.property(opsArbitrary, (ops) => firstDifference(() => new JobTable<Entry>(), ops) === undefined),
      { numRuns: 200, seed: 9_201 },
    );
  });

  it("a record's id may change while it is out of the table (the queues reuse records)", () => {
    const table = new JobTable<Entry>();
    const entry = { id: 3, name: "pooled" };
    table.add(entry);
    expect(table.delete(3)).toBe(true);
    entry.id = 1027;
    table.add(entry);
    expect([table.get(3), table.get(1027), table.size]).toEqual([undefined, entry, 1]);
  });

  it("keeps the ring at the records alive at once: a million ids in arrival order, a hundred alive, one never ending", () => {
    const table = new JobTable<Entry>();
    const longLived = { id: 0, name: "long" };
    table.add(longLived);
    for (let id = 1; id <= 1_000_000; id += 1) {
      table.add({ id, name: "" });
      if (id > 100) table.delete(id - 100);
    }
    expect([table.capacity, table.overflowSize, table.size, table.get(0)]).toEqual([1024, 1, 101, longLived]);
  });

  it("grows once a quarter of the ring is in use, and not before", () => {
    const table = new JobTable<Entry>();
    for (let id = 1; id < 256; id += 1) table.add({ id, name: "" });
    table.add({ id: 1025, name: "" }); // 255 in use: id 1 moves to the overflow
    expect([table.capacity, table.overflowSize]).toEqual([1024, 1]);
    table.add({ id: 0, name: "" });
    table.add({ id: 1026, name: "" }); // 256 of 1024 in use: the ring doubles, and 1026 finds its own slot
    expect([table.capacity, table.overflowSize, table.get(2)?.id, table.get(1026)?.id]).toEqual([2048, 1, 2, 1026]);
  });

  it("grows with the records alive at once, at most 8 slots each, and keeps dense ids in the ring", () => {
    const table = new JobTable<Entry>();
    for (let id = 0; id < 100_000; id += 1) table.add({ id, name: "" });
    expect([table.capacity, table.overflowSize]).toEqual([131_072, 0]);
    // Sparse ids (every 1024th): they all meet in slot 0 of the first ring; the ring grows only while a quarter is in use.
    const sparse = new JobTable<Entry>();
    for (let index = 0; index < 5_000; index += 1) sparse.add({ id: index * 1024, name: "" });
    expect(sparse.size).toBe(5_000);
    expect(sparse.capacity).toBeLessThanOrEqual(8 * 5_000);
    for (let index = 0; index < 5_000; index += 1) expect(sparse.get(index * 1024)?.id).toBe(index * 1024);
  });

  it("fails that on planted bugs: a displaced record dropped, the overflow not searched, a grown ring with the old mask", () => {
    for (const make of [() => new DroppingTable(), () => new OverflowBlindTable(), () => new StaleMaskTable()]) {
      expect(refuted(fc.check(fc.property(opsArbitrary, (ops) => firstDifference(make, ops) === undefined), { numRuns: 200, seed: 9_202 }))).toBe(true);
    }
  });
});

/** Planted bug: a record whose slot a new one takes is dropped instead of kept in the overflow. */
class DroppingTable extends JobTable<Entry> {
  override add(record: Entry): void {
    const slot = record.id & this.mask;
    if (this.slots[slot] === undefined) this.inSlots += 1;
    this.slots[slot] = record;
  }
}

/** Planted bug: a lookup that misses in the ring does not look in the overflow. */
class OverflowBlindTable extends JobTable<Entry> {
  override get(id: number): Entry | undefined {
    const held = this.slots[id & this.mask];
    return held !== undefined && held.id === id ? held : undefined;
  }
}

/** Planted bug: the grown ring places records by the mask they had before. */
class StaleMaskTable extends JobTable<Entry> {
  protected override grow(): void {
    const previous = this.slots;
    this.slots = new Array<Entry | undefined>(previous.length * 2).fill(undefined);
    for (const record of previous) if (record !== undefined) this.slots[record.id & this.mask] = record;
    this.mask = this.slots.length - 1;
  }
}
