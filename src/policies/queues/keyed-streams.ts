// Tasks kept in one FIFO per (group, demand) stream, streams in a heap by their head's key (higher first, then
// earlier insertion). A key fixed at enqueue is enough for static priority with aging (priority − rate ×
// enqueuedAt) and for FIFO across groups (every key equal). select walks streams best-first and skips those
// whose head is not eligible, without mutating; enqueue and commit cost O(log streams) at any backlog.

import { Deque } from "../deque.ts";
import type { Queueable } from "../ready-queue.ts";
import { GroupHeap } from "./group-heap.ts";

class Stream<T> {
  heapIndex = -1;
  readonly tasks = new Deque<T>();
  /** In step with `tasks`: each task's key and insertion order. */
  readonly keys = new Deque<number>();
  readonly orders = new Deque<number>();
  get headKey(): number {
    return this.keys.peek() as number;
  }
  get headOrder(): number {
    return this.orders.peek() as number;
  }
}

function headFirst<T>(a: Stream<T>, b: Stream<T>): boolean {
  return a.headKey > b.headKey || (a.headKey === b.headKey && a.headOrder < b.headOrder);
}

/** Empty streams kept before a sweep (group_by job makes many). */
const MAX_IDLE_STREAMS = 64;

export class KeyedStreams<T extends Queueable> {
  private readonly streams = new Map<string, Map<string, Stream<T>>>();
  private readonly heap = new GroupHeap<Stream<T>>(headFirst);
  private count = 0;
  private nextOrder = 0;
  private idleStreams = 0;
  private eligible: (task: T) => boolean = () => false;
  private readonly head = (stream: Stream<T>): T | undefined => {
    const task = stream.tasks.peek() as T;
    return this.eligible(task) ? task : undefined;
  };

  get size(): number {
    return this.count;
  }

  enqueue(task: T, group: string, key: number): void {
    const stream = this.streamOf(task, group, true) as Stream<T>;
    if (stream.tasks.size === 0) this.idleStreams -= 1;
    stream.tasks.push(task);
    stream.keys.push(key);
    stream.orders.push(this.nextOrder);
    this.nextOrder += 1;
    this.count += 1;
    if (stream.tasks.size === 1) this.heap.push(stream);
  }

  select(eligible: (task: T) => boolean): T | undefined {
    this.eligible = eligible;
    return this.heap.firstMatching(this.head);
  }

  /** The best head and its key, eligible or not. */
  best(): { readonly task: T; readonly key: number } | undefined {
    const stream = this.heap.peek();
    return stream === undefined ? undefined : { task: stream.tasks.peek() as T, key: stream.headKey };
  }

  commit(task: T, group: string): boolean {
    const stream = this.streamOf(task, group, false);
    if (stream === undefined || stream.tasks.peek() !== task) return this.remove(task, group);
    stream.tasks.shift();
    stream.keys.shift();
    stream.orders.shift();
    this.afterRemoval(stream);
    return true;
  }

  remove(task: T, group: string): boolean {
    const stream = this.streamOf(task, group, false);
    const position = stream === undefined ? -1 : stream.tasks.indexOf(task);
    if (stream === undefined || position < 0) return false;
    stream.tasks.removeAt(position);
    stream.keys.removeAt(position);
    stream.orders.removeAt(position);
    this.afterRemoval(stream);
    return true;
  }

  /** Every queued task, best first. O(n log n). */
  ordered(): T[] {
    const entries: [number, number, T][] = [];
    for (const byDemand of this.streams.values()) {
      for (const stream of byDemand.values()) {
        const keys = [...stream.keys];
        const orders = [...stream.orders];
        let index = 0;
        for (const task of stream.tasks) {
          entries.push([keys[index] as number, orders[index] as number, task]);
          index += 1;
        }
      }
    }
    return entries.sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, , task]) => task);
  }

  private streamOf(task: T, group: string, create: boolean): Stream<T> | undefined {
    let byDemand = this.streams.get(group);
    if (byDemand === undefined) {
      if (!create) return undefined;
      byDemand = new Map();
      this.streams.set(group, byDemand);
    }
    let stream = byDemand.get(task.demand.key);
    if (stream === undefined && create) {
      stream = new Stream<T>();
      byDemand.set(task.demand.key, stream);
      this.idleStreams += 1;
    }
    return stream;
  }

  private afterRemoval(stream: Stream<T>): void {
    this.count -= 1;
    if (stream.tasks.size > 0) {
      this.heap.update(stream);
      return;
    }
    this.heap.delete(stream);
    this.idleStreams += 1;
    if (this.idleStreams > MAX_IDLE_STREAMS) this.sweep();
  }

  private sweep(): void {
    for (const [group, byDemand] of this.streams) {
      for (const [key, stream] of byDemand) if (stream.tasks.size === 0) byDemand.delete(key);
      if (byDemand.size === 0) this.streams.delete(group);
    }
    this.idleStreams = 0;
  }
}
