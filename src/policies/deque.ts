// A growable ring buffer: O(1) push at the tail and shift at the head without the O(n) cost of
// Array.prototype.shift, so a queue holding a million tasks stays cheap.

export class Deque<T> {
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;

  /** `initialCapacity` is rounded up to a power of two; small deques held by the million save memory with 2. */
  constructor(initialCapacity = 16) {
    let capacity = 1;
    // Stryker disable next-line ConditionalExpression: equivalent, a capacity of 1 grows on demand, and no caller can see the capacity.
    while (capacity < initialCapacity) capacity *= 2;
    // Stryker disable next-line ArrayDeclaration: equivalent, an empty array grows on the first push like any full one.
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count += 1;
  }

  /** Every slot outside the items is undefined (shift and removeAt clear what they free), so an empty deque's head is too. */
  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count -= 1;
    return item;
  }

  /** Position of `item` from the head, or −1. O(n). */
  indexOf(item: T): number {
    const mask = this.items.length - 1;
    for (let offset = 0; offset < this.count; offset += 1) {
      if (this.items[(this.head + offset) & mask] === item) return offset;
    }
    return -1;
  }

  /** Removes the item at `offset` from the head, keeping the order of the rest. O(n); for rare paths such as cancellation. */
  removeAt(offset: number): void {
    if (offset < 0 || offset >= this.count) return;
    const mask = this.items.length - 1;
    for (let moving = offset; moving < this.count - 1; moving += 1) {
      this.items[(this.head + moving) & mask] = this.items[(this.head + moving + 1) & mask];
    }
    this.items[(this.head + this.count - 1) & mask] = undefined;
    this.count -= 1;
  }

  /** Removes one occurrence of `item` wherever it stands. O(n). */
  remove(item: T): boolean {
    const offset = this.indexOf(item);
    if (offset < 0) return false;
    this.removeAt(offset);
    return true;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    const mask = this.items.length - 1;
    for (let offset = 0; offset < this.count; offset += 1) yield this.items[(this.head + offset) & mask] as T;
  }

  private grow(): void {
    const larger = new Array<T | undefined>(this.items.length * 2);
    for (let offset = 0; offset < this.count; offset += 1) {
      larger[offset] = this.items[(this.head + offset) & (this.items.length - 1)];
    }
    this.items = larger;
    this.head = 0;
  }
}
