// Deque edges the model property does not reach: peek, removeAt outside the items, undefined as an item, tiny
// capacities.

import { describe, expect, it } from "vitest";
import { Deque } from "../../src/policies/deque.ts";

describe("Deque edges", () => {
  it("peek shows the head without removing it, and undefined when empty", () => {
    const deque = new Deque<string>();
    expect(deque.peek()).toBeUndefined();
    deque.push("a");
    deque.push("b");
    expect(deque.peek()).toBe("a");
    expect(deque.size).toBe(2);
    deque.shift();
    expect(deque.peek()).toBe("b");
    deque.shift();
    expect(deque.peek()).toBeUndefined();
    expect(deque.shift()).toBeUndefined();
    expect(deque.size).toBe(0);
  });

  it.each([-1, 3, 4])("removeAt(%s) outside the items changes nothing", (offset) => {
    const deque = new Deque<number>(2);
    for (const value of [1, 2, 3]) deque.push(value);
    deque.removeAt(offset);
    expect([...deque]).toEqual([1, 2, 3]);
    expect(deque.size).toBe(3);
  });

  it("removeAt closes the gap across the wrap-around, at the head, the middle and the tail", () => {
    const deque = new Deque<number>(4);
    for (const value of [0, 0, 1, 2, 3]) deque.push(value);
    deque.shift();
    deque.shift();
    deque.push(4);
    deque.push(5);
    expect([...deque]).toEqual([1, 2, 3, 4, 5]);
    deque.removeAt(4);
    deque.removeAt(1);
    deque.removeAt(0);
    expect([...deque]).toEqual([3, 4]);
    deque.push(6);
    deque.push(7);
    expect([...deque]).toEqual([3, 4, 6, 7]);
    expect(deque.indexOf(7)).toBe(3);
    expect(deque.remove(9)).toBe(false);
  });

  it("indexOf and remove look at the items only, not at the free slots past them", () => {
    const deque = new Deque<string | undefined>(4);
    deque.push("a");
    deque.push("b");
    expect(deque.indexOf(undefined)).toBe(-1);
    expect(deque.remove(undefined)).toBe(false);
    expect(deque.size).toBe(2);
    deque.push(undefined);
    expect(deque.indexOf(undefined)).toBe(2);
    expect(deque.remove(undefined)).toBe(true);
    expect([...deque]).toEqual(["a", "b"]);
  });

  it.each([0, 1, 3])("works from an initial capacity of %s, growing as needed", (initialCapacity) => {
    const deque = new Deque<number>(initialCapacity);
    for (let value = 0; value < 40; value += 1) deque.push(value);
    for (let value = 0; value < 20; value += 1) expect(deque.shift()).toBe(value);
    for (let value = 40; value < 70; value += 1) deque.push(value);
    expect([...deque]).toEqual(Array.from({ length: 50 }, (_, index) => index + 20));
  });
});
