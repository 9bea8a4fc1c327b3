// The active groups of a round-robin style queue, in turn order: a circular doubly linked list, so a group
// joins at the end of the round and leaves from anywhere in O(1).

export interface RingMember<G> {
  next: G | undefined;
  previous: G | undefined;
}

export class Ring<G extends RingMember<G>> {
  private first: G | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Some member, or undefined when empty; the ring has no fixed start. */
  get any(): G | undefined {
    return this.first;
  }

  /** Inserts `member` just before `before` (the end of its round), or as the only member. */
  insertBefore(member: G, before: G | undefined): void {
    const anchor = before ?? this.first;
    if (anchor === undefined) {
      member.next = member;
      member.previous = member;
      this.first = member;
    } else {
      const previous = anchor.previous as G;
      member.previous = previous;
      member.next = anchor;
      previous.next = member;
      anchor.previous = member;
    }
    this.count += 1;
  }

  delete(member: G): void {
    if (member.next === undefined) return;
    if (member.next === member) {
      this.first = undefined;
    } else {
      (member.previous as G).next = member.next;
      (member.next as G).previous = member.previous;
      if (this.first === member) this.first = member.next;
    }
    member.next = undefined;
    member.previous = undefined;
    this.count -= 1;
  }

  /** Members in turn order starting at `start`. */
  *from(start: G): IterableIterator<G> {
    let member = start;
    for (let step = 0; step < this.count; step += 1) {
      yield member;
      member = member.next as G;
    }
  }
}
