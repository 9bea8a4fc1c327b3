// First come, first served among the tasks that can run now. Tasks are kept in one FIFO per demand, so a
// task whose provider is full does not block one behind it that needs another provider, and `select` costs
// O(number of distinct demands), not O(backlog). The fair queues keep one of these per group.

import { Deque } from "../deque.ts";
import { defineQueueKind } from "./queue-kind.ts";
import type { Queueable, ReadyQueue } from "../ready-queue.ts";

/** Empty groups kept for reuse before they are swept: bounds memory without rebuilding groups on every task. */
const MAX_EMPTY_GROUPS = 64;

interface Group<T> {
  readonly tasks: Deque<T>;
  /** Arrival order of each task in `tasks`, in step with it. */
  readonly arrivals: Deque<number>;
}

const byDemand = (task: Queueable): string => task.demand.key;

export class FifoQueue<T extends Queueable> implements ReadyQueue<T> {
  private readonly groups = new Map<string, Group<T>>();
  private nextArrival = 0;
  private count = 0;
  private emptyGroups = 0;

  /**
   * `keyOf` names the FIFO a task joins; `select` asks `eligible` about each FIFO's head, so tasks with one
   * key must share their eligibility. By default the key is the demand's.
   */
  constructor(private readonly keyOf: (task: T) => string = byDemand) {}

  get size(): number {
    return this.count;
  }

  enqueue(task: T): void {
    const key = this.keyOf(task);
    let group = this.groups.get(key);
    if (group === undefined) {
      group = { tasks: new Deque<T>(), arrivals: new Deque<number>() };
      this.groups.set(key, group);
    } else if (group.tasks.size === 0) {
      this.emptyGroups -= 1;
    }
    group.tasks.push(task);
    group.arrivals.push(this.nextArrival);
    this.nextArrival += 1;
    this.count += 1;
  }

  select(eligible: (task: T) => boolean): T | undefined {
    let chosen: T | undefined;
    let chosenArrival = Infinity;
    for (const group of this.groups.values()) {
      const head = group.tasks.peek();
      if (head === undefined) continue;
      const arrival = group.arrivals.peek() as number;
      if (arrival < chosenArrival && eligible(head)) {
        chosen = head;
        chosenArrival = arrival;
      }
    }
    return chosen;
  }

  commit(task: T): boolean {
    const group = this.groups.get(this.keyOf(task));
    if (group === undefined) return false;
    // Stryker disable next-line BlockStatement: the shortcut for the head (a shift, not an O(n) removeAt); remove() below finds it at position 0 and leaves the same queue.
    if (group.tasks.peek() === task) {
      group.tasks.shift();
      group.arrivals.shift();
      this.count -= 1;
      this.noteIfEmpty(group);
      return true;
    }
    return this.remove(task);
  }

  ordered(): T[] {
    const entries: [number, T][] = [];
    for (const group of this.groups.values()) {
      const arrivals = [...group.arrivals];
      let index = 0;
      for (const task of group.tasks) {
        entries.push([arrivals[index] as number, task]);
        index += 1;
      }
    }
    return entries.sort((a, b) => a[0] - b[0]).map(([, task]) => task);
  }

  remove(task: T): boolean {
    const group = this.groups.get(this.keyOf(task));
    if (group === undefined) return false;
    const position = group.tasks.indexOf(task);
    if (position < 0) return false;
    group.tasks.removeAt(position);
    group.arrivals.removeAt(position);
    this.count -= 1;
    this.noteIfEmpty(group);
    return true;
  }

  /**
   * A long-lived process sees many distinct demands: once more than MAX_EMPTY_GROUPS groups are empty they are
   * swept, so memory and the cost of select stay bounded by the demands actually waiting.
   */
  private noteIfEmpty(group: Group<T>): void {
    if (group.tasks.size > 0) return;
    this.emptyGroups += 1;
    if (this.emptyGroups <= MAX_EMPTY_GROUPS) return;
    for (const [key, candidate] of this.groups) if (candidate.tasks.size === 0) this.groups.delete(key);
    this.emptyGroups = 0;
  }
}

export const fifoKind = defineQueueKind({
  kind: "fifo",
  summary: "first come, first served among the tasks whose resources are free (one FIFO per demand)",
  options: {},
  create: <T extends Queueable>() => new FifoQueue<T>(),
});
