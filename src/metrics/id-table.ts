// Per-entity numbers (times, small codes) keyed by the log's dense integer ids (job, task, lease), kept in a
// typed array instead of a Map. A Map of boxed numbers churned a million times made the young-generation
// collector copy and promote them: in the 1M-job benchmark that cost 1.4 s of scavenging.

export class IdTable {
  private values: Float64Array;

  constructor(initialCapacity = 1024) {
    this.values = new Float64Array(initialCapacity).fill(Number.NaN);
  }

  /** NaN when the id has no value. */
  get(id: number): number {
    return id < this.values.length ? (this.values[id] as number) : Number.NaN;
  }

  set(id: number, value: number): void {
    if (id >= this.values.length) this.grow(id);
    this.values[id] = value;
  }

  delete(id: number): void {
    if (id < this.values.length) this.values[id] = Number.NaN;
  }

  private grow(id: number): void {
    let capacity = this.values.length * 2;
    while (capacity <= id) capacity *= 2;
    const larger = new Float64Array(capacity).fill(Number.NaN);
    larger.set(this.values);
    this.values = larger;
  }
}
