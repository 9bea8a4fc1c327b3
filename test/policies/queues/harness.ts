// Shared by the queue tests: small tasks with a group, a job, a lane and a cost; a context the queues read
// them through; a manual clock; and a driver that keeps every group backlogged to measure long-run shares.

import type { Clock } from "../../../src/policies/clock.ts";
import type { Demand } from "../../../src/policies/lease-ledger.ts";
import type { QueueBuildContext, QueueSpec } from "../../../src/policies/queues/queue-kind.ts";
import type { GroupBy } from "../../../src/policies/queues/queue-context.ts";
import { createQueue, queueKind } from "../../../src/policies/queues/registry.ts";
import type { ReadyQueue } from "../../../src/policies/ready-queue.ts";

export interface QTask {
  readonly id: number;
  readonly demand: Demand;
  readonly group: string;
  readonly job: number;
  readonly lane: string;
  readonly cost: number;
  readonly input: number;
}

export class ManualClock implements Clock {
  constructor(public timeMs = 0) {}
  now(): number {
    return this.timeMs;
  }
}

/**
 * The two demands of the queue tests, as a ledger with limits on provider:x and provider:y would resolve them
 * (slots in key order). Written out rather than built by a LeaseLedger, so that no policy code runs while the
 * test files load: Stryker would count every ledger mutant as static (see docs/checking.md, "Mutation testing").
 */
export const DEMANDS: Readonly<Record<"x" | "y", Demand>> = {
  x: { key: "provider:x=1", vector: Object.freeze({ "provider:x": 1 }), slots: Int32Array.of(0), amounts: Float64Array.of(1) },
  y: { key: "provider:y=1", vector: Object.freeze({ "provider:y": 1 }), slots: Int32Array.of(1), amounts: Float64Array.of(1) },
};

export function contextFor(clock: Clock, capacity: number | undefined = 8): QueueBuildContext<QTask> {
  return {
    group: (task) => task.group,
    job: (task) => task.job,
    lane: (task) => task.lane,
    costTokens: (task) => task.cost,
    inputTokens: (task) => task.input,
    clock,
    capacity,
  };
}

/** A queue of a registered kind, with options as a scenario would write them (defaults filled in). */
export function buildQueue(kind: string, options: Record<string, unknown> = {}, clock: Clock = new ManualClock(), capacity: number | undefined = 8): ReadyQueue<QTask> {
  const definition = queueKind(kind);
  if (definition === undefined) throw new Error(`no queue kind ${kind}`);
  const parsed = definition.schema.parse({ kind, ...options });
  const spec: QueueSpec = { kind, groupBy: (parsed.group_by as GroupBy | undefined) ?? "tenant", options: parsed };
  return createQueue(spec, contextFor(clock, capacity));
}

let nextId = 1;
export function task(group: string, fields: Partial<Omit<QTask, "id" | "group">> = {}): QTask {
  const id = nextId;
  nextId += 1;
  return { id, demand: DEMANDS.x, group, job: id, lane: "batch", cost: 1, input: 1, ...fields };
}

/**
 * Keeps every group backlogged (`depth` tasks each) and serves `steps` tasks one at a time, each released and
 * charged its cost (as output tokens) at once. Returns the tasks served per group and the service (cost) per group.
 */
export function serveBacklogged(
  queue: ReadyQueue<QTask>,
  groups: readonly string[],
  steps: number,
  options: { readonly cost?: (group: string, index: number) => number; readonly depth?: number; readonly clock?: ManualClock; readonly stepMs?: number } = {},
): { served: Record<string, number>; service: Record<string, number>; order: string[] } {
  const cost = options.cost ?? (() => 1);
  const depth = options.depth ?? 4;
  const served: Record<string, number> = {};
  const service: Record<string, number> = {};
  const order: string[] = [];
  let made = 0;
  const add = (group: string): void => {
    const amount = cost(group, made);
    made += 1;
    queue.enqueue(task(group, { cost: amount, input: 0 }));
  };
  for (const group of groups) {
    served[group] = 0;
    service[group] = 0;
    for (let index = 0; index < depth; index += 1) add(group);
  }
  for (let step = 0; step < steps; step += 1) {
    const next = queue.select(() => true);
    if (next === undefined) throw new Error(`nothing selected at step ${step} with every group backlogged`);
    if (!queue.commit(next)) throw new Error(`commit of task ${next.id} refused`);
    served[next.group] = (served[next.group] ?? 0) + 1;
    service[next.group] = (service[next.group] ?? 0) + next.cost;
    order.push(next.group);
    queue.charge?.(next, { inputTokens: 0, outputTokens: next.cost, providerMs: next.cost });
    queue.released?.(next);
    queue.jobFinished?.(next.job);
    if (options.clock !== undefined) options.clock.timeMs += options.stepMs ?? 1;
    add(next.group);
  }
  return { served, service, order };
}
