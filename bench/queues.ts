// Queue kinds under a steady backlog: every iteration selects (all eligible), commits, charges the service
// and releases the task, then enqueues a new one in the same group, so the backlog stays at its size. Run
// for every registered kind at 1k, 10k, 100k and 1M queued tasks × 1, 8, 64 and 256 groups.
// Targets (issue 8): cost per task within 3× from 1k to 1M backlog, and ≥ 1M tasks/s at 1M with 64 groups.

import { Bench } from "tinybench";
import { LeaseLedger } from "../src/policies/lease-ledger.ts";
import type { QueueBuildContext, QueueSpec } from "../src/policies/queues/queue-kind.ts";
import { QUEUE_KINDS, createQueue } from "../src/policies/queues/registry.ts";
import type { Queueable, ReadyQueue } from "../src/policies/ready-queue.ts";

export const BACKLOGS = [1_000, 10_000, 100_000, 1_000_000] as const;
export const GROUP_COUNTS = [1, 8, 64, 256] as const;
const OPERATIONS_PER_ITERATION = 10_000;

interface BenchTask extends Queueable {
  readonly group: string;
  readonly job: number;
}

export interface QueueMeasurement {
  readonly kind: string;
  readonly backlog: number;
  readonly groups: number;
  readonly tasksPerSecond: number;
}

class StepClock {
  timeMs = 0;
  now(): number {
    return this.timeMs;
  }
}

const ALWAYS = (): boolean => true;

function measure(kind: string, backlog: number, groupCount: number, time: number): number {
  const clock = new StepClock();
  const ledger = new LeaseLedger({ "provider:p": 1_000_000 }, clock);
  const demand = ledger.demand({ "provider:p": 1 });
  const groups = Array.from({ length: groupCount }, (_, index) => `g${index}`);
  const context: QueueBuildContext<BenchTask> = {
    group: (task) => task.group,
    job: (task) => task.job,
    lane: () => "batch",
    costTokens: () => 1000,
    inputTokens: () => 600,
    clock,
    capacity: 1_000_000,
  };
  const definition = QUEUE_KINDS.find((candidate) => candidate.kind === kind);
  if (definition === undefined) throw new Error(`no queue kind ${kind}`);
  const options = definition.schema.parse({ kind });
  const spec: QueueSpec = { kind, groupBy: "tenant", options };
  const queue: ReadyQueue<BenchTask> = createQueue(spec, context);
  let nextId = 1;
  const make = (group: string): BenchTask => {
    const task = { id: nextId, demand, group, job: nextId };
    nextId += 1;
    return task;
  };
  for (let index = 0; index < backlog; index += 1) queue.enqueue(make(groups[index % groupCount] as string));
  const usage = { inputTokens: 600, outputTokens: 400, providerMs: 2000 };
  const bench = new Bench({ time, warmup: true, warmupTime: 50 });
  bench.add(`${kind} ${backlog} ${groupCount}`, () => {
    for (let operation = 0; operation < OPERATIONS_PER_ITERATION; operation += 1) {
      const task = queue.select(ALWAYS) as BenchTask;
      queue.commit(task);
      queue.charge?.(task, usage);
      queue.released?.(task);
      queue.jobFinished?.(task.job);
      queue.enqueue(make(task.group));
      clock.timeMs += 1;
    }
  });
  bench.runSync();
  const result = bench.tasks[0]?.result;
  if (result === undefined || !("throughput" in result)) throw new Error(`queue benchmark ${kind} did not complete`);
  return result.throughput.mean * OPERATIONS_PER_ITERATION;
}

/** Every kind, or only those named. */
export function queueMeasurements(timeMs: number, onMeasured: (measurement: QueueMeasurement) => void, kinds: readonly string[] = []): QueueMeasurement[] {
  const all: QueueMeasurement[] = [];
  for (const definition of QUEUE_KINDS) {
    if (kinds.length > 0 && !kinds.includes(definition.kind)) continue;
    for (const groups of GROUP_COUNTS) {
      for (const backlog of BACKLOGS) {
        const measurement = { kind: definition.kind, backlog, groups, tasksPerSecond: measure(definition.kind, backlog, groups, timeMs) };
        all.push(measurement);
        onMeasured(measurement);
      }
    }
  }
  return all;
}
