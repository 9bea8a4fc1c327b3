// KeyedStreams, the heap of per-(owner, demand) FIFOs under priority, proportional and bounded_borrow: its
// order (higher key, then earlier insertion), re-insertion at a remembered rank, the gate, the walk above a key,
// and the bounds it keeps (a stream's keys never rise; at most one empty stream per owner).

import { describe, expect, it } from "vitest";
import { KeyedStreams, StreamOwner } from "../../../src/policies/queues/keyed-streams.ts";
import { DEMANDS, type QTask, task } from "./harness.ts";

const ALL = (): boolean => true;

function drainAll(streams: KeyedStreams<QTask, StreamOwner<QTask>>, owner: StreamOwner<QTask>): QTask[] {
  const out: QTask[] = [];
  for (let next = streams.select(ALL); next !== undefined; next = streams.select(ALL)) {
    streams.commit(next, owner);
    out.push(next);
  }
  return out;
}

describe("KeyedStreams", () => {
  it("orders by key, then by insertion, across owners and demands; ordered() agrees with select", () => {
    const streams = new KeyedStreams<QTask, StreamOwner<QTask>>();
    const a = new StreamOwner<QTask>("a");
    const b = new StreamOwner<QTask>("b");
    const first = task("a");
    const second = task("b");
    const third = task("a", { demand: DEMANDS.y });
    const fourth = task("b");
    const best = task("b", { demand: DEMANDS.y });
    streams.enqueue(first, a, 1);
    streams.enqueue(second, b, 1);
    streams.enqueue(third, a, 1);
    streams.enqueue(fourth, b, 1);
    streams.enqueue(best, b, 2);
    expect(streams.ordered([a, b])).toStrictEqual([best, first, second, third, fourth]);
    expect(streams.ordered([b, a])).toStrictEqual([best, first, second, third, fourth]);
    const out: QTask[] = [];
    for (let next = streams.select(ALL); next !== undefined; next = streams.select(ALL)) {
      const owner = next.group === "a" ? a : b;
      expect(streams.commit(next, owner)).toBe(true);
      out.push(next);
    }
    expect(out).toStrictEqual([best, first, second, third, fourth]);
    expect(streams.size).toBe(0);
    expect(a.queued + b.queued).toBe(0);
  });

  it("refuses a key that rises within one stream: its FIFO order would no longer be its rank order", () => {
    const streams = new KeyedStreams<QTask, StreamOwner<QTask>>();
    const owner = new StreamOwner<QTask>("a");
    streams.enqueue(task("a"), owner, 9);
    streams.enqueue(task("a"), owner, 7);
    streams.enqueue(task("a"), owner, 5);
    streams.enqueue(task("a"), owner, 5);
    expect(() => streams.enqueue(task("a"), owner, 6)).toThrow("a stream's keys must not rise: 6 after 5");
    streams.enqueue(task("a", { demand: DEMANDS.y }), owner, 6);
    expect(streams.size).toBe(5);
  });

  it("re-inserts a task at its remembered rank, among equal keys by order", () => {
    const streams = new KeyedStreams<QTask, StreamOwner<QTask>>();
    const owner = new StreamOwner<QTask>("a");
    const tasks = [task("a"), task("a"), task("a"), task("a")];
    for (const queued of tasks) streams.enqueue(queued, owner, 3);
    // Take out the first two (orders 0 and 1), then the last (order 3).
    expect(streams.commit(tasks[0] as QTask, owner)).toBe(true);
    const firstRank = [streams.lastCommittedKey, streams.lastCommittedOrder];
    expect(streams.commit(tasks[1] as QTask, owner)).toBe(true);
    const secondRank = [streams.lastCommittedKey, streams.lastCommittedOrder];
    expect(streams.remove(tasks[3] as QTask, owner)).toBe(true);
    expect([streams.lastCommittedKey, streams.lastCommittedOrder]).toEqual([3, 3]);
    expect(firstRank).toEqual([3, 0]);
    expect(secondRank).toEqual([3, 1]);
    // Back in the other order: each goes to its own place.
    streams.reinsert(tasks[3] as QTask, owner, 3, 3);
    streams.reinsert(tasks[1] as QTask, owner, 3, 1);
    streams.reinsert(tasks[0] as QTask, owner, 3, 0);
    expect(streams.ordered([owner])).toStrictEqual(tasks);
    // The stream itself holds them in that order (ordered() sorts; the FIFO must not need it).
    expect(drainAll(streams, owner)).toStrictEqual(tasks);
    for (const queued of tasks) streams.reinsert(queued, owner, 3, tasks.indexOf(queued));
    // A higher key goes before, a lower one after, whatever its order.
    const ahead = task("a");
    const behind = task("a");
    streams.enqueue(behind, owner, 1);
    streams.reinsert(ahead, owner, 4, 2);
    expect(streams.ordered([owner])).toStrictEqual([ahead, ...tasks, behind]);
    expect(streams.select(ALL)).toBe(ahead);
    // Orders 0 to 4 were given out; 5 was not.
    expect(() => streams.reinsert(task("a"), owner, 3, 5)).toThrow("reinsert with order 5, never given out");
  });

  it("skips owners the gate closes and heads that are not eligible, without changing anything", () => {
    let open = false;
    const streams = new KeyedStreams<QTask, StreamOwner<QTask>>((owner) => open || owner.name !== "a");
    const a = new StreamOwner<QTask>("a");
    const b = new StreamOwner<QTask>("b");
    const gated = task("a");
    const blocked = task("b", { demand: DEMANDS.y });
    const free = task("b");
    streams.enqueue(gated, a, 0);
    streams.enqueue(blocked, b, 0);
    streams.enqueue(free, b, 0);
    expect(streams.select((candidate) => candidate.demand === DEMANDS.x)).toBe(free);
    expect(streams.select(ALL)).toBe(blocked);
    open = true;
    expect(streams.select(ALL)).toBe(gated);
    expect(streams.select(() => false)).toBeUndefined();
    expect(streams.size).toBe(3);
  });

  it("firstAhead walks only heads ranked strictly above the key, best first", () => {
    const streams = new KeyedStreams<QTask, StreamOwner<QTask>>();
    const owner = new StreamOwner<QTask>("a");
    const top = task("a");
    const middle = task("a", { demand: DEMANDS.y });
    streams.enqueue(top, owner, 5);
    streams.enqueue(middle, owner, 3);
    let asked = 0;
    const countingNone = (): boolean => {
      asked += 1;
      return false;
    };
    expect(streams.firstAhead(3, ALL)).toBe(top);
    expect(streams.firstAhead(2, (candidate) => candidate === middle)).toBe(middle);
    expect(streams.firstAhead(3, countingNone)).toBeUndefined();
    expect(asked).toBe(1);
    expect(streams.firstAhead(5, ALL)).toBeUndefined();
    expect(streams.firstAhead(Infinity, ALL)).toBeUndefined();
  });

  it("commits a task that is not its stream's head by removing it; refuses tasks it does not hold", () => {
    const streams = new KeyedStreams<QTask, StreamOwner<QTask>>();
    const owner = new StreamOwner<QTask>("a");
    const tasks = [task("a"), task("a"), task("a")];
    for (const queued of tasks) streams.enqueue(queued, owner, 0);
    expect(streams.commit(tasks[2] as QTask, owner)).toBe(true);
    expect(streams.lastCommittedOrder).toBe(2);
    expect(streams.commit(tasks[2] as QTask, owner)).toBe(false);
    expect(streams.remove(tasks[2] as QTask, owner)).toBe(false);
    // A demand the owner has no stream for.
    expect(streams.commit(task("a", { demand: DEMANDS.y }), owner)).toBe(false);
    expect(streams.remove(task("a", { demand: DEMANDS.y }), owner)).toBe(false);
    expect(streams.ordered([owner])).toStrictEqual([tasks[0], tasks[1]]);
    expect(owner.queued).toBe(2);
    // Emptied, the stream keeps its slot clear: committing its old head again is refused.
    streams.commit(tasks[0] as QTask, owner);
    streams.commit(tasks[1] as QTask, owner);
    expect(streams.commit(tasks[1] as QTask, owner)).toBe(false);
  });

  it("keeps at most one empty stream per owner, and grows a stream past its first slots in order", () => {
    const streams = new KeyedStreams<QTask, StreamOwner<QTask>>();
    const owner = new StreamOwner<QTask>("a");
    const onX = Array.from({ length: 40 }, () => task("a"));
    const onY = task("a", { demand: DEMANDS.y });
    for (const queued of onX) streams.enqueue(queued, owner, 0);
    streams.enqueue(onY, owner, 0);
    expect(owner.streams.size).toBe(2);
    streams.commit(onY, owner);
    expect(owner.streams.size).toBe(1);
    for (const queued of onX) expect(streams.commit(queued, owner)).toBe(true);
    expect(owner.streams.size).toBe(1);
    streams.enqueue(onY, owner, 0);
    expect(streams.select(ALL)).toBe(onY);
  });
});
