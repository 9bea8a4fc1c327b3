// Seeded randomness, one independent stream per concern (arrivals, job shapes, token sizes, latencies,
// faults), so that switching on a fault does not reshuffle the arrivals.

import seedrandom from "seedrandom";

export interface Random {
  /** A uniform draw in [0, 1). */
  next(): number;
}

export class RandomStreams {
  private readonly streams = new Map<string, Random>();

  constructor(readonly seed: number) {}

  /** The stream for a concern, e.g. "arrivals" or "latencies/fast". Same seed and name, same sequence. */
  stream(concern: string): Random {
    let stream = this.streams.get(concern);
    if (stream === undefined) {
      const generator = seedrandom.alea(`schedlab/${this.seed}/${concern}`);
      stream = { next: () => generator() };
      this.streams.set(concern, stream);
    }
    return stream;
  }
}
