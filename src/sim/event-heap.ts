// The simulator's agenda: a binary min-heap of events ordered by (time, insertion sequence). Equal times pop
// in the order they were scheduled, which is what makes a run reproducible. Stored as parallel arrays
// (struct of arrays) so that scheduling an event allocates nothing and sifting moves plain numbers.

export interface ScheduledEvent {
  timeMs: number;
  sequence: number;
  kind: number;
  subject: unknown;
}

export class EventHeap {
  private times = new Float64Array(1024);
  private sequences = new Float64Array(1024);
  private kinds = new Int32Array(1024);
  private subjects: unknown[] = new Array<unknown>(1024);
  private count = 0;
  private nextSequence = 0;

  get size(): number {
    return this.count;
  }

  push(timeMs: number, kind: number, subject: unknown): void {
    if (this.count === this.times.length) this.grow();
    const times = this.times;
    const sequences = this.sequences;
    const sequence = this.nextSequence;
    this.nextSequence += 1;
    let index = this.count;
    this.count += 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentTime = times[parent] as number;
      if (parentTime < timeMs || (parentTime === timeMs && (sequences[parent] as number) < sequence)) break;
      this.move(parent, index);
      index = parent;
    }
    times[index] = timeMs;
    sequences[index] = sequence;
    this.kinds[index] = kind;
    this.subjects[index] = subject;
  }

  /** Time of the earliest event, or undefined when empty. */
  peekTime(): number | undefined {
    return this.count === 0 ? undefined : this.times[0];
  }

  /** Removes the earliest event into `into` (reused by the caller, so popping allocates nothing). */
  popInto(into: ScheduledEvent): boolean {
    if (this.count === 0) return false;
    const times = this.times;
    const sequences = this.sequences;
    into.timeMs = times[0] as number;
    into.sequence = sequences[0] as number;
    into.kind = this.kinds[0] as number;
    into.subject = this.subjects[0];
    this.count -= 1;
    const last = this.count;
    const lastTime = times[last] as number;
    const lastSequence = sequences[last] as number;
    const lastKind = this.kinds[last] as number;
    const lastSubject = this.subjects[last];
    this.subjects[last] = undefined;
    if (last === 0) return true;
    let index = 0;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= last) break;
      const right = child + 1;
      if (
        right < last &&
        ((times[right] as number) < (times[child] as number) ||
          ((times[right] as number) === (times[child] as number) && (sequences[right] as number) < (sequences[child] as number)))
      ) {
        child = right;
      }
      const childTime = times[child] as number;
      if (lastTime < childTime || (lastTime === childTime && lastSequence < (sequences[child] as number))) break;
      this.move(child, index);
      index = child;
    }
    times[index] = lastTime;
    sequences[index] = lastSequence;
    this.kinds[index] = lastKind;
    this.subjects[index] = lastSubject;
    return true;
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from] as number;
    this.sequences[to] = this.sequences[from] as number;
    this.kinds[to] = this.kinds[from] as number;
    this.subjects[to] = this.subjects[from];
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    const times = new Float64Array(capacity);
    times.set(this.times);
    const sequences = new Float64Array(capacity);
    sequences.set(this.sequences);
    const kinds = new Int32Array(capacity);
    kinds.set(this.kinds);
    this.times = times;
    this.sequences = sequences;
    this.kinds = kinds;
    this.subjects.length = capacity;
  }
}
