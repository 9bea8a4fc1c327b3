// A binary heap of queue groups that knows where each group sits, so a group whose key changed (it was
// served, charged or aged) moves in O(log groups), and a selection can walk the groups in order, skipping
// those with nothing eligible, without taking anything out.

import { assertionFailed } from "../assert.ts";

export interface HeapMember {
  /** Position in the heap's array; −1 when not in it. Owned by the heap. */
  heapIndex: number;
}

export class GroupHeap<G extends HeapMember> {
  private readonly items: G[] = [];
  /** Reused by `firstMatching`: indexes of the groups still to visit, kept as a heap. */
  // Stryker disable next-line ArrayDeclaration: firstMatching empties it before each use.
  private readonly frontier: number[] = [];

  /** `before(a, b)`: a must come out before b. It must be a strict order (ties broken inside). */
  constructor(private readonly before: (a: G, b: G) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): G | undefined {
    return this.items[0];
  }

  has(item: G): boolean {
    return item.heapIndex >= 0 && this.items[item.heapIndex] === item;
  }

  push(item: G): void {
    if (item.heapIndex >= 0) assertionFailed("a group was pushed into the heap twice");
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.up(item.heapIndex);
  }

  delete(item: G): void {
    if (!this.has(item)) return;
    const index = item.heapIndex;
    const last = this.items.pop() as G;
    item.heapIndex = -1;
    if (last === item) return;
    this.items[index] = last;
    last.heapIndex = index;
    this.update(last);
  }

  /** Restores the order after `item`'s key changed, in either direction. */
  update(item: G): void {
    if (!this.has(item)) return;
    this.down(this.up(item.heapIndex));
  }

  /** Items in heap-array order (not sorted): for sweeps that visit every group. */
  values(): readonly G[] {
    return this.items;
  }

  /**
   * The first result of `probe` over the groups in heap order, or undefined. Visits groups best-first and
   * stops at the first that answers, so the cost is O(k log k) for k groups skipped. Mutates nothing.
   */
  firstMatching<R>(probe: (item: G) => R | undefined): R | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const first = probe(items[0] as G);
    if (first !== undefined || items.length === 1) return first;
    const frontier = this.frontier;
    frontier.length = 0;
    this.pushFrontier(1);
    this.pushFrontier(2);
    while (frontier.length > 0) {
      const index = this.popFrontier();
      const found = probe(items[index] as G);
      if (found !== undefined) return found;
      this.pushFrontier(2 * index + 1);
      this.pushFrontier(2 * index + 2);
    }
    return undefined;
  }

  private up(start: number): number {
    const items = this.items;
    let index = start;
    const item = items[index] as G;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex] as G;
      if (!this.before(item, parent)) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = item;
    item.heapIndex = index;
    return index;
  }

  private down(start: number): void {
    const items = this.items;
    const count = items.length;
    let index = start;
    const item = items[index] as G;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= count) break;
      const right = left + 1;
      const child = right < count && this.before(items[right] as G, items[left] as G) ? right : left;
      const childItem = items[child] as G;
      if (!this.before(childItem, item)) break;
      items[index] = childItem;
      childItem.heapIndex = index;
      index = child;
    }
    items[index] = item;
    item.heapIndex = index;
  }

  private pushFrontier(index: number): void {
    if (index >= this.items.length) return;
    const frontier = this.frontier;
    let position = frontier.length;
    frontier.push(index);
    while (position > 0) {
      const parent = (position - 1) >> 1;
      if (!this.before(this.items[index] as G, this.items[frontier[parent] as number] as G)) break;
      frontier[position] = frontier[parent] as number;
      position = parent;
    }
    frontier[position] = index;
  }

  private popFrontier(): number {
    const frontier = this.frontier;
    const top = frontier[0] as number;
    const last = frontier.pop() as number;
    if (frontier.length === 0) return top;
    let position = 0;
    const count = frontier.length;
    for (;;) {
      const left = 2 * position + 1;
      if (left >= count) break;
      const right = left + 1;
      const child =
        right < count && this.before(this.items[frontier[right] as number] as G, this.items[frontier[left] as number] as G) ? right : left;
      if (!this.before(this.items[frontier[child] as number] as G, this.items[last] as G)) break;
      frontier[position] = frontier[child] as number;
      position = child;
    }
    frontier[position] = last;
    return top;
  }
}
