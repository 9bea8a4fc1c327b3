// The simulator's agenda: a binary min-heap of events ordered by (time, insertion sequence). Equal times pop
// in the order they were scheduled, which is what makes a run reproducible.

export interface ScheduledEvent {
  readonly timeMs: number;
  readonly sequence: number;
  readonly kind: number;
  readonly subject: unknown;
}

export class EventHeap {
  private readonly nodes: ScheduledEvent[] = [];
  private nextSequence = 0;

  get size(): number {
    return this.nodes.length;
  }

  push(timeMs: number, kind: number, subject: unknown): void {
    const event: ScheduledEvent = { timeMs, sequence: this.nextSequence, kind, subject };
    this.nextSequence += 1;
    const nodes = this.nodes;
    let index = nodes.length;
    nodes.push(event);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = nodes[parentIndex] as ScheduledEvent;
      if (!before(event, parent)) break;
      nodes[index] = parent;
      index = parentIndex;
    }
    nodes[index] = event;
  }

  peek(): ScheduledEvent | undefined {
    return this.nodes[0];
  }

  pop(): ScheduledEvent | undefined {
    const nodes = this.nodes;
    const top = nodes[0];
    const last = nodes.pop();
    if (top === undefined || last === undefined || nodes.length === 0) return top;
    const size = nodes.length;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= size) break;
      const right = left + 1;
      let child = left;
      if (right < size && before(nodes[right] as ScheduledEvent, nodes[left] as ScheduledEvent)) child = right;
      const childEvent = nodes[child] as ScheduledEvent;
      if (!before(childEvent, last)) break;
      nodes[index] = childEvent;
      index = child;
    }
    nodes[index] = last;
    return top;
  }
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.sequence < b.sequence);
}
