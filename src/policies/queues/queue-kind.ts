// How a queue kind is named in a scenario file: its options (snake_case, with defaults, validated by zod) and
// how to build it. Each kind's file exports one definition; registry.ts lists them.

import { z } from "zod";
import type { Queueable, ReadyQueue } from "../ready-queue.ts";
import { GROUP_BY, type GroupBy, type GroupWeights, type QueueContext } from "./queue-context.ts";

/** What building a queue may use besides the tasks' traits. */
export interface QueueBuildContext<T> extends QueueContext<T> {
  /** The policy's global concurrency cap, when it has one: the default capacity of share-based kinds. */
  readonly capacity: number | undefined;
}

/** A policy's queue as parsed from the scenario: the kind, the grouping and the kind's own options. */
export interface QueueSpec {
  readonly kind: string;
  readonly groupBy: GroupBy;
  /** The options object as written (snake_case, defaults applied). */
  readonly options: Readonly<Record<string, unknown>>;
}

export interface QueueKind {
  readonly kind: string;
  /** One line for `--help` and docs. */
  readonly summary: string;
  /** The scenario object `{ kind, group_by, ...options }`. */
  readonly schema: z.ZodType<Record<string, unknown>>;
  create<T extends Queueable>(spec: QueueSpec, context: QueueBuildContext<T>): ReadyQueue<T>;
  /** The group weights the kind applies, for fairness metrics (`run_started.queue`). */
  weights(spec: QueueSpec): GroupWeights;
  /** The kind divides a capacity: a scenario must give `capacity` or the policy a global cap. */
  readonly needsCapacity: boolean;
}

const EQUAL_WEIGHTS: GroupWeights = { byGroup: {}, defaultWeight: 1 };

export function defineQueueKind<S extends z.ZodRawShape>(definition: {
  readonly kind: string;
  readonly summary: string;
  readonly options: S;
  readonly create: <T extends Queueable>(options: z.output<z.ZodObject<S>>, context: QueueBuildContext<T>) => ReadyQueue<T>;
  readonly weights?: (options: z.output<z.ZodObject<S>>) => GroupWeights;
  readonly needsCapacity?: boolean;
}): QueueKind {
  const options = z.object(definition.options);
  const schema = z.strictObject({ kind: z.literal(definition.kind), group_by: z.enum(GROUP_BY).default("tenant"), ...definition.options });
  return {
    kind: definition.kind,
    summary: definition.summary,
    schema,
    create: (spec, context) => definition.create(options.parse(spec.options), context),
    weights: (spec) => (definition.weights === undefined ? EQUAL_WEIGHTS : definition.weights(options.parse(spec.options))),
    needsCapacity: definition.needsCapacity ?? false,
  };
}

/** Numbers keyed by group value (weights, quotas, priorities); groups not listed take the kind's default. */
export const byGroupValue = z.record(z.string().min(1), z.number().positive()).default({});
