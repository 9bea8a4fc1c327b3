// Tasks kept in one FIFO per (owner, demand) stream, streams in a heap by their head's key (higher first, then
// earlier insertion). A key fixed at enqueue is enough for static priority with aging (priority − rate ×
// enqueuedAt) and for FIFO across groups (every key equal). select walks streams best-first and skips those
// whose owner is gated or whose head is not eligible, without mutating; enqueue and commit cost O(log streams).

import { assertionFailed } from "../assert.ts";
import type { Queueable } from "../ready-queue.ts";
import { GroupHeap } from "./group-heap.ts";

/** A group of a keyed-streams queue: its tasks, one stream per demand. Queues add their own fields in a subclass. */
export class StreamOwner<T> {
  /** Tasks of this owner waiting, over all its streams. Kept by KeyedStreams. */
  queued = 0;
  /** Streams by demand key. Owned by KeyedStreams; at most one of them is empty (kept for reuse). */
  readonly streams = new Map<string, Stream<T>>();

  constructor(readonly name: string) {}
}

/**
 * One FIFO of tasks with each task's key and insertion order, as three ring buffers in step: the numbers live
 * in Float64Arrays, so a million queued tasks do not mean a million boxed numbers for the collector to trace.
 * Entries stay sorted by (key descending, order ascending), so the head is the stream's best task.
 */
export class Stream<T> {
  heapIndex = -1;
  size = 0;
  private tasks: (T | undefined)[];
  private keys: Float64Array;
  private orders: Float64Array;
  private head = 0;

  constructor(
    readonly owner: StreamOwner<T>,
    readonly demandKey: string,
  ) {
    this.tasks = new Array<T | undefined>(2);
    this.keys = new Float64Array(2);
    this.orders = new Float64Array(2);
  }

  get headTask(): T {
    return this.tasks[this.head] as T;
  }

  get headKey(): number {
    return this.keys[this.head] as number;
  }

  get headOrder(): number {
    return this.orders[this.head] as number;
  }

  taskAt(offset: number): T {
    return this.tasks[this.slot(offset)] as T;
  }

  keyAt(offset: number): number {
    return this.keys[this.slot(offset)] as number;
  }

  orderAt(offset: number): number {
    return this.orders[this.slot(offset)] as number;
  }

  /** Appends a task that ranks after every task already here (a later arrival of the same owner). */
  push(task: T, key: number, order: number): void {
    if (this.size > 0 && key > this.keyAt(this.size - 1)) assertionFailed(`a stream's keys must not rise: ${key} after ${this.keyAt(this.size - 1)}`);
    this.insertAt(this.size, task, key, order);
  }

  /** Inserts a task at its rank, scanning from the head: costs the number of tasks that rank before it. */
  insertInOrder(task: T, key: number, order: number): void {
    let offset = 0;
    while (offset < this.size && (this.keyAt(offset) > key || (this.keyAt(offset) === key && this.orderAt(offset) < order))) offset += 1;
    this.insertAt(offset, task, key, order);
  }

  shift(): void {
    this.tasks[this.head] = undefined;
    this.head = (this.head + 1) & (this.tasks.length - 1);
    this.size -= 1;
  }

  indexOf(task: T): number {
    for (let offset = 0; offset < this.size; offset += 1) if (this.taskAt(offset) === task) return offset;
    return -1;
  }

  /** O(size): for cancellation, a rare path. */
  removeAt(offset: number): void {
    for (let moving = offset; moving < this.size - 1; moving += 1) this.copy(moving + 1, moving);
    this.tasks[this.slot(this.size - 1)] = undefined;
    this.size -= 1;
  }

  private insertAt(offset: number, task: T, key: number, order: number): void {
    if (this.size === this.tasks.length) this.grow();
    for (let moving = this.size; moving > offset; moving -= 1) this.copy(moving - 1, moving);
    const slot = this.slot(offset);
    this.tasks[slot] = task;
    this.keys[slot] = key;
    this.orders[slot] = order;
    this.size += 1;
  }

  private copy(from: number, to: number): void {
    const source = this.slot(from);
    const target = this.slot(to);
    this.tasks[target] = this.tasks[source];
    this.keys[target] = this.keys[source] as number;
    this.orders[target] = this.orders[source] as number;
  }

  private slot(offset: number): number {
    return (this.head + offset) & (this.tasks.length - 1);
  }

  private grow(): void {
    const capacity = this.tasks.length * 2;
    const tasks = new Array<T | undefined>(capacity);
    const keys = new Float64Array(capacity);
    const orders = new Float64Array(capacity);
    for (let offset = 0; offset < this.size; offset += 1) {
      const slot = this.slot(offset);
      tasks[offset] = this.tasks[slot];
      keys[offset] = this.keys[slot] as number;
      orders[offset] = this.orders[slot] as number;
    }
    this.tasks = tasks;
    this.keys = keys;
    this.orders = orders;
    this.head = 0;
  }
}

function headFirst<T>(a: Stream<T>, b: Stream<T>): boolean {
  return a.headKey > b.headKey || (a.headKey === b.headKey && a.headOrder < b.headOrder);
}

export class KeyedStreams<T extends Queueable, O extends StreamOwner<T>> {
  private readonly heap = new GroupHeap<Stream<T>>(headFirst);
  private count = 0;
  private nextOrder = 0;
  /** The key and order of the task the last successful `commit` took out. */
  private committedKey = 0;
  private committedOrder = 0;
  // Selection state kept in fields so the probes are allocated once, not per call.
  // Stryker disable next-line ArrowFunction,BooleanLiteral: select sets it before the heap asks any stream, so the first value is never called.
  private eligible: (task: T) => boolean = () => false;
  // Stryker disable next-line ArrowFunction,BooleanLiteral: firstAhead sets it before the heap asks any stream, so the first value is never called.
  private matches: (task: T) => boolean = () => false;
  private aheadOfKey = 0;
  private readonly eligibleHead = (stream: Stream<T>): T | undefined => {
    if (this.gate !== undefined && !this.gate(stream.owner as O)) return undefined;
    const task = stream.headTask;
    return this.eligible(task) ? task : undefined;
  };
  /** null ends the walk: streams come best-first, so once one is not ahead, none after it is. */
  private readonly matchingHeadAhead = (stream: Stream<T>): T | null | undefined => {
    if (!(stream.headKey > this.aheadOfKey)) return null;
    const task = stream.headTask;
    return this.matches(task) ? task : undefined;
  };

  /** `gate(owner)`: whether the owner may start a task now (share-based kinds); select skips its streams if not. */
  constructor(private readonly gate?: (owner: O) => boolean) {}

  get size(): number {
    return this.count;
  }

  get lastCommittedKey(): number {
    return this.committedKey;
  }

  get lastCommittedOrder(): number {
    return this.committedOrder;
  }

  /** Queues a new arrival: it ranks after every task of its stream. */
  enqueue(task: T, owner: O, key: number): void {
    const stream = this.streamFor(task, owner);
    stream.push(task, key, this.nextOrder);
    this.nextOrder += 1;
    this.added(stream);
    // A task joining at the tail leaves the head, and so the stream's place in the heap, as it was.
    if (stream.size === 1) this.heap.push(stream);
  }

  /** Queues a task again at the rank it had (key and order from an earlier commit): a yielded task keeps its place. */
  reinsert(task: T, owner: O, key: number, order: number): void {
    if (order >= this.nextOrder) assertionFailed(`reinsert with order ${order}, never given out`);
    const stream = this.streamFor(task, owner);
    stream.insertInOrder(task, key, order);
    this.added(stream);
    if (stream.size === 1) this.heap.push(stream);
    else this.heap.update(stream);
  }

  select(eligible: (task: T) => boolean): T | undefined {
    this.eligible = eligible;
    return this.heap.firstMatching(this.eligibleHead);
  }

  /**
   * The best head whose key is strictly above `key` and that `matches` accepts, or undefined. Walks only the
   * streams whose head key is above `key`: O(k log k) for k of them. Mutates nothing.
   */
  firstAhead(key: number, matches: (task: T) => boolean): T | undefined {
    this.aheadOfKey = key;
    this.matches = matches;
    return this.heap.firstMatching(this.matchingHeadAhead) ?? undefined;
  }

  commit(task: T, owner: O): boolean {
    const stream = owner.streams.get(task.demand.key);
    if (stream === undefined) return false;
    // Not the head (an empty stream's head slot is cleared): a stale selection, taken out wherever it stands.
    if (stream.headTask !== task) return this.remove(task, owner);
    this.committedKey = stream.headKey;
    this.committedOrder = stream.headOrder;
    stream.shift();
    this.removed(stream);
    return true;
  }

  remove(task: T, owner: O): boolean {
    const stream = owner.streams.get(task.demand.key);
    if (stream === undefined) return false;
    const offset = stream.indexOf(task);
    if (offset < 0) return false;
    this.committedKey = stream.keyAt(offset);
    this.committedOrder = stream.orderAt(offset);
    stream.removeAt(offset);
    this.removed(stream);
    return true;
  }

  /** Every queued task of the given owners, best first. O(n log n). */
  ordered(owners: Iterable<O>): T[] {
    const entries: { key: number; order: number; task: T }[] = [];
    for (const owner of owners) {
      for (const stream of owner.streams.values()) {
        for (let offset = 0; offset < stream.size; offset += 1) entries.push({ key: stream.keyAt(offset), order: stream.orderAt(offset), task: stream.taskAt(offset) });
      }
    }
    return entries.sort((a, b) => b.key - a.key || a.order - b.order).map((entry) => entry.task);
  }

  private streamFor(task: T, owner: O): Stream<T> {
    let stream = owner.streams.get(task.demand.key);
    if (stream === undefined) {
      stream = new Stream<T>(owner, task.demand.key);
      owner.streams.set(task.demand.key, stream);
    }
    return stream;
  }

  private added(stream: Stream<T>): void {
    stream.owner.queued += 1;
    this.count += 1;
  }

  private removed(stream: Stream<T>): void {
    stream.owner.queued -= 1;
    this.count -= 1;
    if (stream.size > 0) {
      this.heap.update(stream);
      return;
    }
    this.heap.delete(stream);
    // One empty stream per owner is kept for reuse; more would let an owner's map grow with every demand it saw.
    if (stream.owner.streams.size > 1) stream.owner.streams.delete(stream.demandKey);
  }
}
