// GroupHeap, the indexed heap under wfq and vtc: against a sorted list of the same members, after random
// pushes, deletes and key changes, peek is the least, values() holds exactly the members, and firstMatching
// visits them best-first without changing anything. A heap whose update only sifts up is caught.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GroupHeap, type HeapMember } from "../../../src/policies/queues/group-heap.ts";

interface Member extends HeapMember {
  readonly id: number;
  key: number;
}

const before = (a: Member, b: Member): boolean => a.key < b.key || (a.key === b.key && a.id < b.id);

type Op = { kind: "push" | "delete" | "rekey" | "probe"; pick: number; key: number };
const ops = fc.array(
  fc.record({ kind: fc.constantFrom<Op["kind"]>("push", "push", "delete", "rekey", "probe"), pick: fc.nat(), key: fc.integer({ min: 0, max: 20 }) }),
  { maxLength: 200, size: "max" },
);

/** Planted bug: a changed key only moves its member towards the top, never down. */
class UpOnlyHeap extends GroupHeap<Member> {
  override update(item: Member): void {
    if (!this.has(item)) return;
    const items = this.values() as Member[];
    for (let index = item.heapIndex; index > 0; ) {
      const parent = (index - 1) >> 1;
      if (!before(items[index] as Member, items[parent] as Member)) break;
      [items[index], items[parent]] = [items[parent] as Member, items[index] as Member];
      (items[index] as Member).heapIndex = index;
      (items[parent] as Member).heapIndex = parent;
      index = parent;
    }
  }
}

function exercise(heap: GroupHeap<Member>, steps: readonly Op[]): void {
  const members = Array.from({ length: 12 }, (_, id): Member => ({ id, key: 0, heapIndex: -1 }));
  const inHeap = new Set<Member>();
  for (const step of steps) {
    const member = members[step.pick % members.length] as Member;
    if (step.kind === "push" && !inHeap.has(member)) {
      member.key = step.key;
      heap.push(member);
      inHeap.add(member);
    } else if (step.kind === "delete") {
      heap.delete(member);
      inHeap.delete(member);
    } else if (step.kind === "rekey" && inHeap.has(member)) {
      member.key = step.key;
      heap.update(member);
    } else if (step.kind === "probe") {
      const sorted = [...inHeap].sort((a, b) => (before(a, b) ? -1 : 1));
      const visited: number[] = [];
      const found = heap.firstMatching((candidate) => {
        visited.push(candidate.id);
        return candidate.key >= step.key ? candidate : undefined;
      });
      expect(found).toBe(sorted.find((candidate) => candidate.key >= step.key));
      expect(new Set(visited).size).toBe(visited.length);
    }
    const sorted = [...inHeap].sort((a, b) => (before(a, b) ? -1 : 1));
    expect(heap.size).toBe(inHeap.size);
    expect(heap.peek()).toBe(sorted[0]);
    expect(new Set(heap.values())).toEqual(inHeap);
    for (const candidate of members) expect(heap.has(candidate)).toBe(inHeap.has(candidate));
  }
}

describe("GroupHeap", () => {
  it("keeps the least member on top through pushes, deletes and key changes either way; firstMatching finds the best match", () => {
    fc.assert(fc.property(ops, (steps) => exercise(new GroupHeap<Member>(before), steps)), { seed: 5101, numRuns: 300 });
  });

  it("catches a heap whose update only sifts up", () => {
    expect(fc.check(fc.property(ops, (steps) => exercise(new UpOnlyHeap(before), steps)), { seed: 5102, numRuns: 300 }).failed).toBe(true);
  });

  it("refuses a member pushed twice", () => {
    const heap = new GroupHeap<Member>(before);
    const member: Member = { id: 1, key: 1, heapIndex: -1 };
    heap.push(member);
    expect(() => heap.push(member)).toThrow("a group was pushed into the heap twice");
  });

  it("does not count, update or delete a member of another heap", () => {
    const heap = new GroupHeap<Member>(before);
    const other = new GroupHeap<Member>(before);
    const [mine, theirs] = [{ id: 1, key: 5, heapIndex: -1 }, { id: 2, key: 1, heapIndex: -1 }];
    heap.push(mine);
    other.push(theirs);
    expect([heap.has(theirs), other.has(mine)]).toEqual([false, false]);
    heap.delete(theirs);
    heap.update(theirs);
    expect([heap.size, heap.peek(), other.peek()]).toEqual([1, mine, theirs]);
  });
});
