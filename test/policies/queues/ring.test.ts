// The ring of active groups (round robin, DRR) against a plain array: after random insertions (at the end of
// the round, or before a given member) and deletions (of members and of non-members), the size, the member
// `any` names and the turn order from every member equal the model's. A planted bug must fail.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Ring, type RingMember } from "../../../src/policies/queues/ring.ts";
import { refuted } from "./planted.ts";

class Member implements RingMember<Member> {
  next: Member | undefined = undefined;
  previous: Member | undefined = undefined;
  constructor(readonly name: number) {}
}

type Op = { readonly op: "insert"; readonly member: number; readonly before: number | undefined } | { readonly op: "delete"; readonly member: number };

const MEMBERS = 6;
const opsArbitrary = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant("insert" as const), member: fc.nat(MEMBERS - 1), before: fc.option(fc.nat(MEMBERS - 1), { nil: undefined }) }),
    fc.record({ op: fc.constant("delete" as const), member: fc.nat(MEMBERS - 1) }),
  ),
  { maxLength: 60 },
);

/** Plays the ops on a ring and on an array in turn order (with the member `any` names); the first difference. */
function firstDifference(make: () => Ring<Member>, ops: readonly Op[]): string | undefined {
  const ring = make();
  const members = Array.from({ length: MEMBERS }, (_, name) => new Member(name));
  const order: Member[] = [];
  let first: Member | undefined;
  for (const [step, op] of ops.entries()) {
    const member = members[op.member] as Member;
    if (op.op === "insert") {
      const before = op.before === undefined ? undefined : (members[op.before] as Member);
      // Only non-members are inserted, before a member (or at the end of the round).
      if (order.includes(member) || (before !== undefined && !order.includes(before))) continue;
      ring.insertBefore(member, before);
      const anchor = before ?? first;
      if (anchor === undefined) first = member;
      order.splice(anchor === undefined ? 0 : order.indexOf(anchor), 0, member);
    } else {
      ring.delete(member);
      const index = order.indexOf(member);
      if (index >= 0) {
        order.splice(index, 1);
        if (first === member) first = order.length === 0 ? undefined : order[index % order.length];
      }
    }
    if (ring.size !== order.length) return `step ${step}: size ${ring.size}, the model ${order.length}`;
    if (ring.any !== first) return `step ${step}: any is ${ring.any?.name}, the model ${first?.name}`;
    for (const [index, start] of order.entries()) {
      const turns = [...ring.from(start)].map((each) => each.name).join();
      const expected = [...order.slice(index), ...order.slice(0, index)].map((each) => each.name).join();
      if (turns !== expected) return `step ${step}: from ${start.name} ${turns}, the model ${expected}`;
    }
  }
  return undefined;
}

/** Planted bug: a member goes in after the one named, not before it. */
class InsertAfterRing extends Ring<Member> {
  override insertBefore(member: Member, before: Member | undefined): void {
    super.insertBefore(member, before?.next ?? before);
  }
}

describe("ring", () => {
  it("size, any and the turn order from each member match an array after random inserts and deletes", () => {
    fc.assert(
      fc.property(opsArbitrary, (ops) => {
        expect(firstDifference(() => new Ring<Member>(), ops)).toBeUndefined();
      }),
      { numRuns: 300, seed: 9_201 },
    );
  });

  it("fails that on a planted bug: members inserted after the one named", () => {
    expect(refuted(fc.check(fc.property(opsArbitrary, (ops) => firstDifference(() => new InsertAfterRing(), ops) === undefined), { numRuns: 300, seed: 9_202 }))).toBe(true);
  });

  it("an empty ring has no member and no turns; deleting a non-member changes nothing", () => {
    const ring = new Ring<Member>();
    const stranger = new Member(0);
    ring.delete(stranger);
    expect([ring.size, ring.any, [...ring.from(stranger)]]).toEqual([0, undefined, []]);
  });
});
