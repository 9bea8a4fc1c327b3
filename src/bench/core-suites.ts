// The simulator-core suites: the event heap alone, the engine's dispatch loop, simulated jobs per wall
// second on a slice of the 1M-job scenario, and lease-ledger acquire + release.

import { fileURLToPath } from "node:url";
import { LeaseLedger } from "../policies/lease-ledger.ts";
import { runOnce } from "../experiment/run.ts";
import { loadScenario } from "../scenario/load.ts";
import { Engine } from "../sim/engine.ts";
import { EventHeap, type ScheduledEvent } from "../sim/event-heap.ts";
import type { Figure } from "./figures.ts";
import type { Probe, Sampler } from "./sampler.ts";

const OPERATIONS_PER_CALL = 10_000;
const SIMULATED_JOBS = 5_000;

export const BENCH_SCENARIO_FILE = fileURLToPath(new URL("../../scenarios/bench-1m.json", import.meta.url));

/** Fixed pseudo-random delays (an LCG with a fixed seed): the same heap shape on every run, cheap to read. */
function delays(count: number): Float64Array {
  const values = new Float64Array(count);
  let state = 12345;
  for (let index = 0; index < count; index += 1) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    values[index] = (state / 4294967296) * 1000 + 0.001;
  }
  return values;
}

function heapFigure(sampler: Sampler, pending: number): Figure {
  const delay = delays(4096);
  const heap = new EventHeap();
  for (let index = 0; index < pending; index += 1) heap.push(delay[index & 4095] as number, 0, undefined);
  const event: ScheduledEvent = { timeMs: 0, sequence: 0, kind: 0, subject: undefined };
  let cursor = 0;
  return sampler.throughput(`event heap pop+push, ${pending.toLocaleString("en-US")} pending`, "ops/s", OPERATIONS_PER_CALL, () => {
    for (let operation = 0; operation < OPERATIONS_PER_CALL; operation += 1) {
      heap.popInto(event);
      heap.push(event.timeMs + (delay[cursor & 4095] as number), 0, undefined);
      cursor += 1;
    }
  });
}

/** Engine.step over 1,000 pending events, each handled event scheduling the next: the simulator's loop. */
function engineFigure(sampler: Sampler): Figure {
  const delay = delays(4096);
  const engine = new Engine(Number.MAX_SAFE_INTEGER);
  let cursor = 0;
  const handler = {
    handle(): void {
      engine.after(delay[cursor & 4095] as number, 0, undefined);
      cursor += 1;
    },
  };
  for (let index = 0; index < 1_000; index += 1) engine.after(delay[index] as number, 0, undefined);
  return sampler.throughput("engine dispatch, 1,000 pending", "events/s", OPERATIONS_PER_CALL, () => {
    for (let operation = 0; operation < OPERATIONS_PER_CALL; operation += 1) engine.step(handler);
  });
}

export function engineSuite(): Probe[] {
  return [(sampler) => [heapFigure(sampler, 1_000)], (sampler) => [heapFigure(sampler, 100_000)], (sampler) => [engineFigure(sampler)]];
}

export function simulateSuite(): Probe[] {
  return [simulateFigures];
}

function simulateFigures(sampler: Sampler): Figure[] {
  const full = loadScenario(BENCH_SCENARIO_FILE);
  const scenario = { ...full, stop: { jobs: SIMULATED_JOBS, durationMs: undefined } };
  const policy = full.policies[0];
  if (policy === undefined) throw new Error("bench-1m.json has no policy");
  return [sampler.throughput("simulated jobs per CPU second (5k jobs)", "jobs/s", SIMULATED_JOBS, () => void runOnce({ scenario, policy, seed: 1 }))];
}

export function ledgerSuite(): Probe[] {
  return [ledgerFigures];
}

/** Acquire and release of a four-resource vector, as every admitted task does, with 10k leases held. */
function ledgerFigures(sampler: Sampler): Figure[] {
  const clock = { now: (): number => 0 };
  const ledger = new LeaseLedger({ global: 1_000_000, "provider:fast": 1_000_000, "mode:issue": 1_000_000, "project:alpha": 1_000_000 }, clock);
  const demand = ledger.demand({ global: 1, "provider:fast": 1, "mode:issue": 1, "project:alpha": 1 });
  for (let task = 0; task < 10_000; task += 1) ledger.tryAcquire(demand, task);
  return [
    sampler.throughput("lease ledger acquire+release, 10k held", "pairs/s", OPERATIONS_PER_CALL, () => {
      for (let operation = 0; operation < OPERATIONS_PER_CALL; operation += 1) {
        const lease = ledger.tryAcquire(demand, operation);
        if (lease === undefined) throw new Error("the benchmark ledger ran out of capacity");
        ledger.release(lease, "success");
      }
    }),
  ];
}
