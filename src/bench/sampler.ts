// Rounds of measurement: each round samples the calibration loop and then the figure's own work, both with
// tinybench, and keeps their ratio; the median over rounds is the figure. Time is this process's CPU time,
// not wall time: on a shared machine the process is often descheduled, which wall time would count as
// slowness. A neighbour that slows the CPU itself (caches, a busy sibling core) slows both halves of a round
// alike, and one bad round does not move a median.

import { Bench } from "tinybench";
import { calibrationState, calibrationStep } from "./calibration.ts";
import { type Better, type Figure, median, relativeSpread } from "./figures.ts";

const CALIBRATION_STEPS_PER_CALL = 10_000;
const WARMUP_MS = 25;

/** CPU time (user + system) of this process in milliseconds: what tinybench times with. */
export function cpuTimeMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Measures one or a few figures from scratch (its own set-up included), so a figure can be measured again. */
export type Probe = (sampler: Sampler) => Figure[];

export interface SamplerOptions {
  /** Rounds per figure (≥ 1). */
  readonly rounds: number;
  /** Time tinybench spends on each sample of a figure; the calibration gets a third of it. */
  readonly sampleTimeMs: number;
}

export class Sampler {
  private readonly calibration = calibrationState();
  /** Every calibration sample of the run, for the report's calibration figure. */
  readonly calibrationSamples: number[] = [];

  constructor(readonly options: SamplerOptions) {
    if (!(Number.isInteger(options.rounds) && options.rounds >= 1)) throw new Error(`rounds must be an integer ≥ 1, got ${options.rounds}`);
  }

  /** Calibration loop ops per second, measured now. */
  calibrate(): number {
    const state = this.calibration;
    const opsPerSecond =
      timedThroughput(() => {
        for (let step = 0; step < CALIBRATION_STEPS_PER_CALL; step += 1) calibrationStep(state);
      }, Math.max(10, this.options.sampleTimeMs / 3)) * CALIBRATION_STEPS_PER_CALL;
    this.calibrationSamples.push(opsPerSecond);
    return opsPerSecond;
  }

  /** `body` does `operationsPerCall` operations; the figure is operations per second, higher is better. */
  throughput(name: string, unit: string, operationsPerCall: number, body: () => void): Figure {
    const values: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < this.options.rounds; round += 1) {
      const calibration = this.calibrate();
      const value = timedThroughput(body, this.options.sampleTimeMs) * operationsPerCall;
      values.push(value);
      ratios.push(value / calibration);
    }
    return figureOf(name, unit, "higher", values, ratios);
  }

  /** A rate measured by `sample` itself (e.g. in a child process), higher is better, calibrated per round. */
  rate(name: string, unit: string, sample: () => number): Figure {
    const values: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < this.options.rounds; round += 1) {
      const calibration = this.calibrate();
      const value = sample();
      values.push(value);
      ratios.push(value / calibration);
    }
    return figureOf(name, unit, "higher", values, ratios);
  }
}

export function figureOf(name: string, unit: string, better: Better, values: readonly number[], ratios: readonly number[] | undefined): Figure {
  return {
    name,
    unit,
    value: median(values),
    better,
    ratio: ratios === undefined ? undefined : median(ratios),
    spread: relativeSpread(ratios ?? values),
  };
}

/**
 * Calls of `body` per CPU second, by tinybench over `timeMs` of CPU time after a short warmup, from the
 * fastest call: other work on a shared machine only ever slows a call down, so the fastest is the least
 * disturbed estimate.
 */
function timedThroughput(body: () => void, timeMs: number): number {
  const bench = new Bench({ time: timeMs, warmup: true, warmupTime: WARMUP_MS, warmupIterations: 2, iterations: 3, now: cpuTimeMs });
  bench.add("sample", body);
  bench.runSync();
  const result = bench.tasks[0]?.result;
  if (result === undefined || !("latency" in result)) throw new Error(`a benchmark sample did not complete: ${JSON.stringify(result)}`);
  return 1000 / result.latency.min;
}
