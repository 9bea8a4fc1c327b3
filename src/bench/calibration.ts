// The calibration loop: a fixed mix of the work the suites do (typed-array heap sifts, Map lookups, small
// object allocation and property reads) written without any schedlab code, so changing schedlab never
// changes it. Each figure is divided by it, measured in the same process a moment earlier.

const HEAP_SIZE = 1024;
const KEYS = 256;

export interface CalibrationState {
  readonly heap: Float64Array;
  readonly counts: Map<number, number>;
  seed: number;
  sink: number;
}

export function calibrationState(): CalibrationState {
  const heap = new Float64Array(HEAP_SIZE);
  for (let index = 0; index < HEAP_SIZE; index += 1) heap[index] = index;
  return { heap, counts: new Map(), seed: 12345, sink: 0 };
}

/** One unit of calibration work: replace the heap's root and sift it down, then a Map update and an allocation. */
export function calibrationStep(state: CalibrationState): void {
  state.seed = (Math.imul(state.seed, 1103515245) + 12345) >>> 0;
  const heap = state.heap;
  const value = (heap[0] as number) + (state.seed & 1023);
  let index = 0;
  for (;;) {
    const left = 2 * index + 1;
    if (left >= HEAP_SIZE) break;
    const right = left + 1;
    const child = right < HEAP_SIZE && (heap[right] as number) < (heap[left] as number) ? right : left;
    if ((heap[child] as number) >= value) break;
    heap[index] = heap[child] as number;
    index = child;
  }
  heap[index] = value;
  const key = state.seed % KEYS;
  state.counts.set(key, (state.counts.get(key) ?? 0) + 1);
  const record = { key, value, next: state.sink };
  state.sink = (record.next + record.key) & 0xffff;
}
