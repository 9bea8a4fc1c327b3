import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Deque } from "../../src/policies/deque.ts";

describe("Deque", () => {
  it("matches an array under push, shift, indexOf and removeAt, across wrap-around and growth", () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant("push" as const), value: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant("shift" as const) }),
      fc.record({ kind: fc.constant("removeValue" as const), value: fc.integer({ min: 0, max: 50 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const deque = new Deque<number>();
        const model: number[] = [];
        for (const action of steps) {
          if (action.kind === "push") {
            deque.push(action.value);
            model.push(action.value);
          } else if (action.kind === "shift") {
            expect(deque.shift()).toBe(model.shift());
          } else {
            const position = model.indexOf(action.value);
            expect(deque.indexOf(action.value)).toBe(position);
            expect(deque.remove(action.value)).toBe(position >= 0);
            if (position >= 0) model.splice(position, 1);
          }
          expect([...deque]).toEqual(model);
          expect(deque.size).toBe(model.length);
        }
      }),
      { numRuns: 300, seed: 2 },
    );
  });

  it("the model property catches a removeAt that forgets to close the gap (planted bug)", () => {
    class GappyDeque extends Deque<number> {
      override removeAt(): void {
        // Planted bug: removal does nothing.
      }
    }
    const property = fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 20 }), (values) => {
      const deque = new GappyDeque();
      for (const value of values) deque.push(value);
      deque.remove(values[0] as number);
      return [...deque].length === values.length - 1;
    });
    expect(fc.check(property, { seed: 1 }).failed).toBe(true);
  });
});
