import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventHeap, type ScheduledEvent } from "../../src/sim/event-heap.ts";

type Operation = { readonly push: number } | { readonly pop: true };

const operations = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 20 }).map((time): Operation => ({ push: time })) },
    { weight: 2, arbitrary: fc.constant<Operation>({ pop: true }) },
  ),
  { maxLength: 300 },
);

interface HeapLike {
  push(timeMs: number, kind: number, subject: unknown): void;
  popInto(into: ScheduledEvent): boolean;
}

/** Pops must come out by (time, insertion order): compared with a stable sort of what is pending. */
function popsInOrder(makeHeap: () => HeapLike) {
  return fc.property(operations, (script) => {
    const heap = makeHeap();
    const pending: { time: number; id: number }[] = [];
    const event: ScheduledEvent = { timeMs: 0, sequence: 0, kind: 0, subject: undefined };
    let id = 0;
    for (const operation of script) {
      if ("push" in operation) {
        heap.push(operation.push, 0, id);
        pending.push({ time: operation.push, id });
        id += 1;
        continue;
      }
      const popped = heap.popInto(event);
      pending.sort((a, b) => a.time - b.time || a.id - b.id);
      const expected = pending.shift();
      if (expected === undefined) {
        if (popped) return false;
        continue;
      }
      if (!popped || event.timeMs !== expected.time || event.subject !== expected.id) return false;
    }
    return true;
  });
}

/** Planted bug: ties come out in reverse insertion order (last in, first out). */
class LifoTieHeap implements HeapLike {
  private readonly inner = new EventHeap();
  private counter = 0;
  push(timeMs: number, kind: number, subject: unknown): void {
    this.counter += 1;
    // Later insertions get a slightly earlier time within the same integer tick.
    this.inner.push(timeMs - this.counter * 1e-9, kind, subject);
  }
  popInto(into: ScheduledEvent): boolean {
    const popped = this.inner.popInto(into);
    if (popped) into.timeMs = Math.round(into.timeMs);
    return popped;
  }
}

describe("EventHeap", () => {
  it("pops events by time, and equal times in insertion order", () => {
    fc.assert(popsInOrder(() => new EventHeap()), { numRuns: 300 });
  });

  it("the ordering property catches a heap that breaks ties the wrong way (planted bug)", () => {
    const result = fc.check(popsInOrder(() => new LifoTieHeap()), { numRuns: 300, seed: 7 });
    expect(result.failed).toBe(true);
  });

  it("grows past its initial capacity and keeps order", () => {
    const heap = new EventHeap();
    for (let index = 5000; index > 0; index -= 1) heap.push(index, index % 3, index);
    const event: ScheduledEvent = { timeMs: 0, sequence: 0, kind: 0, subject: undefined };
    let previous = -Infinity;
    let count = 0;
    while (heap.popInto(event)) {
      expect(event.timeMs).toBeGreaterThanOrEqual(previous);
      expect(event.subject).toBe(event.timeMs);
      expect(event.kind).toBe(event.timeMs % 3);
      previous = event.timeMs;
      count += 1;
    }
    expect(count).toBe(5000);
    expect(heap.size).toBe(0);
  });
});
