// The only way policies learn the time. The simulator drives them with a VirtualClock, production with a
// SystemClock (src/runtime); a policy that read the wall clock itself could not be replayed.

export interface Clock {
  /** Milliseconds since a fixed origin. Never decreases. */
  now(): number;
}
