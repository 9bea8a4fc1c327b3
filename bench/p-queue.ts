// Side by side: the same workload through schedlab's AsyncAdmission (FIFO and priority queues) and through
// p-queue, in one process. A backlog of no-op async tasks is submitted at once to a concurrency of 8 and
// drained; tasks/s is backlog / wall time, median of 3 runs, and the ratio is schedlab / p-queue.
// With priorities, every task draws one of four levels from a fixed LCG (the same order for both).
//   npm run bench:p-queue        (p-queue is a dev dependency, so this is not part of `schedlab bench`)

import PQueue from "p-queue";
import { median } from "../src/bench/figures.ts";
import { AsyncAdmission } from "../src/policies/async-admission.ts";
import { LeaseLedger } from "../src/policies/lease-ledger.ts";
import { PriorityQueue } from "../src/policies/queues/priority.ts";
import { SystemClock } from "../src/runtime/system-clock.ts";

const CONCURRENCY = 8;
const LEVELS = 4;
const RUNS = 3;
const BACKLOGS = [10_000, 100_000, 1_000_000] as const;
/** p-queue's priority insert is a sorted-array splice: quadratic, so its 1M-task priority run would take minutes. */
const PRIORITY_BACKLOG_MAX = 100_000;

type Mode = "fifo" | "priority";

function levels(count: number): Uint8Array {
  const values = new Uint8Array(count);
  let state = 7;
  for (let index = 0; index < count; index += 1) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    values[index] = state % LEVELS;
  }
  return values;
}

const noop = async (): Promise<void> => {};

async function throughPQueue(mode: Mode, priorities: Uint8Array): Promise<number> {
  const queue = new PQueue({ concurrency: CONCURRENCY });
  const startedMs = performance.now();
  const done: Promise<void>[] = [];
  for (let index = 0; index < priorities.length; index += 1) {
    done.push(mode === "fifo" ? queue.add(noop) : queue.add(noop, { priority: priorities[index] as number }));
  }
  await Promise.all(done);
  return (priorities.length * 1000) / (performance.now() - startedMs);
}

async function throughSchedlab(mode: Mode, priorities: Uint8Array): Promise<number> {
  const clock = new SystemClock();
  const ledger = new LeaseLedger({ global: CONCURRENCY }, clock);
  const groupPriorities = Object.fromEntries(Array.from({ length: LEVELS }, (_, level) => [`p${level}`, level]));
  // FIFO is the facade's default queue; strict priority (no aging) is what p-queue does.
  const queue = mode === "fifo" ? undefined : new PriorityQueue({ priorities: { byGroup: groupPriorities, defaultWeight: 0 }, agingPerSecond: 0 }, AsyncAdmission.waiterContext(clock));
  const admission = new AsyncAdmission(ledger, queue);
  const startedMs = performance.now();
  const done: Promise<void>[] = [];
  for (let index = 0; index < priorities.length; index += 1) {
    done.push(mode === "fifo" ? admission.run({ global: 1 }, noop) : admission.run({ global: 1 }, noop, { group: `p${priorities[index] as number}` }));
  }
  await Promise.all(done);
  return (priorities.length * 1000) / (performance.now() - startedMs);
}

async function medianOf(measure: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let run = 0; run < RUNS; run += 1) values.push(await measure());
  return median(values);
}

const format = (value: number): string => Math.round(value).toLocaleString("en-US");
process.stdout.write(`schedlab vs p-queue (node ${process.version}), concurrency ${CONCURRENCY}, no-op tasks, tasks/s (median of ${RUNS})\n`);
process.stdout.write(`${"mode".padEnd(10)}${"backlog".padStart(11)}${"schedlab".padStart(14)}${"p-queue".padStart(14)}${"ratio".padStart(9)}\n`);
for (const mode of ["fifo", "priority"] as const) {
  for (const backlog of BACKLOGS) {
    if (mode === "priority" && backlog > PRIORITY_BACKLOG_MAX) continue;
    const priorities = levels(backlog);
    const schedlab = await medianOf(() => throughSchedlab(mode, priorities));
    const pQueue = await medianOf(() => throughPQueue(mode, priorities));
    process.stdout.write(`${mode.padEnd(10)}${format(backlog).padStart(11)}${format(schedlab).padStart(14)}${format(pQueue).padStart(14)}${`${(schedlab / pQueue).toFixed(2)}×`.padStart(9)}\n`);
  }
}
