// npm run bench: the performance targets of the simulator core, measured.
//   - event heap: pop + push pairs per second at 1k and 100k pending events (target ≥ 5M/s at 1k);
//   - simulated jobs per wall-clock second on a 20k-job slice of the 1M scenario;
//   - the 1M-job scenario end to end in a fresh process: wall time (target ≤ 5 s) and peak RSS (≤ 1 GB).
//   - every ready-queue kind: enqueue + select + commit (+ charge, release) per task at 1k–1M backlog × 1–256
//     groups (bench/queues.ts); cost per task within 3× from 1k to 1M, ≥ 1M tasks/s at 1M with 64 groups.
// `npm run bench -- --check` exits 1 when a target is missed; `--only queues` runs the queue part alone.

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import { runOnce } from "../src/experiment/run.ts";
import { loadScenario } from "../src/scenario/load.ts";
import { EventHeap, type ScheduledEvent } from "../src/sim/event-heap.ts";
import { BACKLOGS, type QueueMeasurement, queueMeasurements } from "./queues.ts";

const HEAP_OPERATIONS_PER_ITERATION = 10_000;

interface Measurement {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: { readonly value: number; readonly atLeast: boolean };
}

/** Fixed pseudo-random delays (an LCG with a fixed seed): the same heap shape on every run, cheap to read. */
function delays(count: number): Float64Array {
  const values = new Float64Array(count);
  let state = 12345;
  for (let index = 0; index < count; index += 1) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    values[index] = (state / 4294967296) * 1000;
  }
  return values;
}

async function heapThroughput(pending: number): Promise<number> {
  const delay = delays(4096);
  const heap = new EventHeap();
  for (let index = 0; index < pending; index += 1) heap.push(delay[index & 4095] as number, 0, undefined);
  const event: ScheduledEvent = { timeMs: 0, sequence: 0, kind: 0, subject: undefined };
  let cursor = 0;
  const bench = new Bench({ time: 1000, warmup: true });
  bench.add(`heap ${pending}`, () => {
    for (let operation = 0; operation < HEAP_OPERATIONS_PER_ITERATION; operation += 1) {
      heap.popInto(event);
      heap.push(event.timeMs + (delay[cursor & 4095] as number), 0, undefined);
      cursor += 1;
    }
  });
  await bench.run();
  return throughputOf(bench) * HEAP_OPERATIONS_PER_ITERATION;
}

async function simulatedJobsPerSecond(): Promise<number> {
  const full = loadScenario(fileURLToPath(new URL("../scenarios/bench-1m.json", import.meta.url)));
  const jobs = 20_000;
  const scenario = { ...full, stop: { jobs, durationMs: undefined } };
  const policy = full.policies[0];
  if (policy === undefined) throw new Error("bench-1m.json has no policy");
  const bench = new Bench({ time: 2000, warmup: true });
  bench.add("simulate 20k jobs", () => {
    runOnce({ scenario, policy, seed: 1 });
  });
  await bench.run();
  return throughputOf(bench) * jobs;
}

function throughputOf(bench: Bench): number {
  const result = bench.tasks[0]?.result;
  if (result === undefined || !("throughput" in result)) throw new Error(`benchmark did not complete: ${JSON.stringify(result)}`);
  return result.throughput.mean;
}

function oneMillionJobs(): { wall_ms: number; jobs_per_s: number; peak_rss_mb: number; jobs: number } {
  const script = fileURLToPath(new URL("./one-million.ts", import.meta.url));
  const child = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`the 1M-job run failed:\n${child.stderr}`);
  return JSON.parse(child.stdout) as { wall_ms: number; jobs_per_s: number; peak_rss_mb: number; jobs: number };
}

function format(measurement: Measurement): string {
  const value = measurement.value >= 100 ? Math.round(measurement.value).toLocaleString("en-US") : measurement.value.toFixed(2);
  const target = measurement.target;
  const verdict =
    target === undefined
      ? ""
      : (target.atLeast ? measurement.value >= target.value : measurement.value <= target.value)
        ? `  ok   (target ${target.atLeast ? "≥" : "≤"} ${target.value.toLocaleString("en-US")})`
        : `  MISS (target ${target.atLeast ? "≥" : "≤"} ${target.value.toLocaleString("en-US")})`;
  return `${measurement.name.padEnd(42)} ${value.padStart(14)} ${measurement.unit.padEnd(8)}${verdict}`;
}

const measurements: Measurement[] = [];
const report = (measurement: Measurement): void => {
  measurements.push(measurement);
  process.stdout.write(`${format(measurement)}\n`);
};

/** One row per kind and group count: tasks/s at each backlog, then the 1k → 1M cost ratio. */
function queueSection(): void {
  const header = `${"queue kind".padEnd(16)}${"groups".padStart(7)}${BACKLOGS.map((backlog) => `${backlog.toLocaleString("en-US")} queued`.padStart(17)).join("")}${"cost 1M/1k".padStart(12)}`;
  process.stdout.write(`\nready queues: enqueue + select + commit per task (tasks/s)\n${header}\n`);
  const row: QueueMeasurement[] = [];
  queueMeasurements(300, (measurement) => {
    row.push(measurement);
    if (row.length < BACKLOGS.length) return;
    const first = row[0] as QueueMeasurement;
    const last = row[row.length - 1] as QueueMeasurement;
    const costRatio = first.tasksPerSecond / last.tasksPerSecond;
    const cells = row.map((entry) => Math.round(entry.tasksPerSecond).toLocaleString("en-US").padStart(17)).join("");
    process.stdout.write(`${first.kind.padEnd(16)}${String(first.groups).padStart(7)}${cells}${costRatio.toFixed(2).padStart(12)}\n`);
    measurements.push({ name: `queue ${first.kind}, ${first.groups} groups: cost 1M/1k`, value: costRatio, unit: "×", target: { value: 3, atLeast: false } });
    if (first.groups === 64) {
      measurements.push({ name: `queue ${first.kind}, 64 groups, 1M queued`, value: last.tasksPerSecond, unit: "tasks/s", target: { value: 1_000_000, atLeast: true } });
    }
    row.length = 0;
  });
}

process.stdout.write(`schedlab benchmarks (node ${process.version})\n`);
const onlyQueues = process.argv.includes("--only") && process.argv.includes("queues");
if (!onlyQueues) {
  report({ name: "event heap pop+push, 1k pending", value: await heapThroughput(1_000), unit: "ops/s", target: { value: 5_000_000, atLeast: true } });
  report({ name: "event heap pop+push, 100k pending", value: await heapThroughput(100_000), unit: "ops/s" });
  report({ name: "simulated jobs per wall second (20k jobs)", value: await simulatedJobsPerSecond(), unit: "jobs/s" });
  const million = oneMillionJobs();
  report({ name: "1M-job scenario: wall time", value: million.wall_ms / 1000, unit: "s", target: { value: 5, atLeast: false } });
  report({ name: "1M-job scenario: simulated jobs per second", value: million.jobs_per_s, unit: "jobs/s", target: { value: 200_000, atLeast: true } });
  report({ name: "1M-job scenario: peak RSS", value: million.peak_rss_mb, unit: "MB", target: { value: 1024, atLeast: false } });
}
queueSection();

const missed = measurements.filter((measurement) => format(measurement).includes("MISS"));
for (const measurement of missed) process.stdout.write(`${format(measurement)}\n`);
if (process.argv.includes("--check") && missed.length > 0) {
  process.stderr.write(`${missed.length} target(s) missed\n`);
  process.exitCode = 1;
}
