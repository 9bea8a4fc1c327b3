// Ready-queue kinds under a steady backlog: every operation selects (all eligible), commits, charges the
// service and releases the task, then enqueues a new one in the same group, so the backlog keeps its size.
// Every registered kind at 1k, 10k, 100k and 1M queued tasks × 1, 8, 64 and 256 groups.

import { LeaseLedger } from "../policies/lease-ledger.ts";
import type { QueueBuildContext, QueueSpec } from "../policies/queues/queue-kind.ts";
import { QUEUE_KINDS, createQueue } from "../policies/queues/registry.ts";
import type { Queueable, ReadyQueue } from "../policies/ready-queue.ts";
import type { Figure } from "./figures.ts";
import type { Probe, Sampler } from "./sampler.ts";

export const BACKLOGS = [1_000, 10_000, 100_000, 1_000_000] as const;
export const GROUP_COUNTS = [1, 8, 64, 256] as const;
const OPERATIONS_PER_CALL = 10_000;

interface BenchTask extends Queueable {
  readonly group: string;
  readonly job: number;
}

class StepClock {
  timeMs = 0;
  now(): number {
    return this.timeMs;
  }
}

const ALWAYS = (): boolean => true;

export function queueFigureName(kind: string, backlog: number, groups: number): string {
  return `queue ${kind}, ${backlog.toLocaleString("en-US")} queued, ${groups} groups`;
}

function queueFigure(sampler: Sampler, kind: string, backlog: number, groupCount: number): Figure {
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
  const spec: QueueSpec = { kind, groupBy: "tenant", options: definition.schema.parse({ kind }) };
  const queue: ReadyQueue<BenchTask> = createQueue(spec, context);
  let nextId = 1;
  const make = (group: string): BenchTask => {
    const task = { id: nextId, demand, group, job: nextId };
    nextId += 1;
    return task;
  };
  for (let index = 0; index < backlog; index += 1) queue.enqueue(make(groups[index % groupCount] as string));
  const usage = { inputTokens: 600, outputTokens: 400, providerMs: 2000 };
  return sampler.throughput(queueFigureName(kind, backlog, groupCount), "tasks/s", OPERATIONS_PER_CALL, () => {
    for (let operation = 0; operation < OPERATIONS_PER_CALL; operation += 1) {
      const task = queue.select(ALWAYS) as BenchTask;
      queue.commit(task);
      queue.charge?.(task, usage);
      queue.released?.(task);
      queue.jobFinished?.(task.job);
      queue.enqueue(make(task.group));
      clock.timeMs += 1;
    }
  });
}

/** Every kind (or those named) × group counts × backlogs; each probe builds its backlog when it runs. */
export function queueSuite(kinds: readonly string[]): Probe[] {
  const probes: Probe[] = [];
  for (const definition of QUEUE_KINDS) {
    if (!kinds.includes(definition.kind)) continue;
    for (const groups of GROUP_COUNTS) {
      for (const backlog of BACKLOGS) probes.push((sampler) => [queueFigure(sampler, definition.kind, backlog, groups)]);
    }
  }
  return probes;
}
