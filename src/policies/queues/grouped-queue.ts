// The part every fair queue shares: tasks are grouped by the policy's `group_by` value (tenant, lane, ...),
// each group keeps its tasks FIFO per demand (so a task whose provider is full does not hold up a sibling
// bound elsewhere), and a subclass decides which group goes next. The base owns membership and counts; the
// subclass is told when a group becomes active, is served, and empties.

import type { Queueable, ReadyQueue } from "../ready-queue.ts";
import { FifoQueue } from "./fifo.ts";
import { GroupHeap } from "./group-heap.ts";
import type { QueueContext } from "./queue-context.ts";

/** Idle groups kept before a sweep: bounds memory when groups come and go (group_by job). */
const MAX_IDLE_GROUPS = 64;
/**
 * Idle groups kept at most even while their state still matters (a group served ahead of its peers): past it the
 * oldest are forgotten anyway, and one that comes back starts as a new group, gaining at most its last charge.
 */
const MAX_KEPT_IDLE_GROUPS = 4096;

export class QueueGroup<T extends Queueable> {
  /** Position in a GroupHeap, for subclasses that keep one; −1 when not in it. */
  heapIndex = -1;
  /** The group's tasks, FIFO per demand. */
  readonly tasks = new FifoQueue<T>();
  /** Order in which groups last became active: breaks ties between equal keys (ties by insertion). */
  activation = 0;

  constructor(
    readonly name: string,
    readonly weight: number,
  ) {}
}

export abstract class GroupedQueue<T extends Queueable, G extends QueueGroup<T>> implements ReadyQueue<T> {
  protected readonly groups = new Map<string, G>();
  private count = 0;
  private activations = 0;
  /** Groups with no task whose state is kept, oldest first: a sweep visits these, never the active ones. */
  private readonly idleGroups = new Set<G>();
  /** A sweep runs when more groups than this are idle; it doubles past the groups a sweep had to keep. */
  private sweepAbove = MAX_IDLE_GROUPS;

  constructor(protected readonly context: QueueContext<T>) {}

  get size(): number {
    return this.count;
  }

  enqueue(task: T): void {
    const name = this.context.group(task);
    let group = this.groups.get(name);
    if (group === undefined) {
      group = this.createGroup(name);
      this.groups.set(name, group);
    } else if (group.tasks.size === 0) {
      this.idleGroups.delete(group);
    }
    const activating = group.tasks.size === 0;
    group.tasks.enqueue(task);
    this.count += 1;
    if (activating) {
      group.activation = this.activations;
      this.activations += 1;
      this.activated(group, task);
    }
    this.enqueued(group, task);
  }

  abstract select(eligible: (task: T) => boolean): T | undefined;

  commit(task: T): boolean {
    const group = this.groups.get(this.context.group(task));
    if (group === undefined || !group.tasks.commit(task)) return false;
    this.count -= 1;
    this.served(group, task);
    if (group.tasks.size === 0) this.leave(group);
    return true;
  }

  remove(task: T): boolean {
    const group = this.groups.get(this.context.group(task));
    if (group === undefined || !group.tasks.remove(task)) return false;
    this.count -= 1;
    this.removed(group, task);
    if (group.tasks.size === 0) this.leave(group);
    return true;
  }

  ordered(): T[] {
    const tasks: T[] = [];
    for (const group of this.activeGroupsInOrder()) for (const task of group.tasks.ordered()) tasks.push(task);
    return tasks;
  }

  /** The group of that name, if it has ever been seen and not swept. */
  protected groupNamed(name: string): G | undefined {
    return this.groups.get(name);
  }

  protected abstract createGroup(name: string): G;
  /** The group went from empty to holding a task. */
  protected abstract activated(group: G, task: T): void;
  /** A task was committed from the group (it will run). Called before `emptied` when it was the last. */
  protected abstract served(group: G, task: T): void;
  /** The group holds no task any more. */
  protected abstract emptied(group: G): void;
  /** Active groups in the order the queue would serve them now (for `ordered`). */
  protected abstract activeGroupsInOrder(): readonly G[];
  /** A task joined the group (after `activated` when it was the first). */
  protected enqueued(_group: G, _task: T): void {}
  /** A task left the group without running (cancellation). */
  protected removed(_group: G, _task: T): void {}
  /** Whether an idle group's state may be dropped: false keeps it (e.g. while its tasks run). */
  protected canForget(_group: G): boolean {
    return true;
  }

  private leave(group: G): void {
    this.emptied(group);
    this.idleGroups.add(group);
    if (this.idleGroups.size > this.sweepAbove) this.sweep();
  }

  /**
   * Forgets the idle groups whose state no longer matters, and the oldest beyond MAX_KEPT_IDLE_GROUPS. It visits
   * idle groups only, and the next sweep waits until twice as many are idle as this one kept, so a leave costs
   * O(1) amortised however many groups are active (group_by job at a large backlog) or must be kept.
   */
  private sweep(): void {
    for (const group of this.idleGroups) {
      if (!this.canForget(group) && this.idleGroups.size <= MAX_KEPT_IDLE_GROUPS) continue;
      this.idleGroups.delete(group);
      this.groups.delete(group.name);
    }
    this.sweepAbove = Math.max(MAX_IDLE_GROUPS, 2 * this.idleGroups.size);
  }
}

/**
 * A grouped queue whose groups are ordered by a key kept in a heap (wfq's finish time, vtc's counter): the best
 * group with something eligible goes next. Subclasses keep the key and call `heap.update` when it changes.
 */
export abstract class HeapOrderedQueue<T extends Queueable, G extends QueueGroup<T>> extends GroupedQueue<T, G> {
  protected readonly heap: GroupHeap<G>;
  // Stryker disable next-line ArrowFunction,BooleanLiteral: select sets it before the heap asks any group, so the first value is never called.
  private eligible: (task: T) => boolean = () => false;
  private readonly candidate = (group: G): T | undefined => group.tasks.select(this.eligible);

  constructor(
    context: QueueContext<T>,
    /** Strict order on groups: a goes before b. */
    private readonly before: (a: G, b: G) => boolean,
  ) {
    super(context);
    this.heap = new GroupHeap<G>(before);
  }

  select(eligible: (task: T) => boolean): T | undefined {
    this.eligible = eligible;
    return this.heap.firstMatching(this.candidate);
  }

  protected emptied(group: G): void {
    this.heap.delete(group);
  }

  protected activeGroupsInOrder(): readonly G[] {
    return [...this.heap.values()].sort((a, b) => (this.before(a, b) ? -1 : 1));
  }
}
