// Least attained service per program (Autellix's PLAS, REFERENCE §7): all tasks of a job share one counter of
// the service its requests received; jobs are ranked into levels by that counter (discretised, as Autellix
// does, so equal-ish jobs stay FIFO) and the lowest level goes first. A task that has waited starvation_ms below
// the top level moves its job there (Autellix uses a waiting/service ratio β instead; a fixed wait gives a plain
// bound), so a long program is not starved by a stream of short ones.

import { z } from "zod";
import type { Queueable } from "../ready-queue.ts";
import { type JobRecord, ProgramLevelsQueue } from "./program-levels.ts";
import type { QueueContext } from "./queue-context.ts";
import { defineQueueKind } from "./queue-kind.ts";

export interface LasOptions {
  readonly service: "tokens" | "provider_ms";
  /** Ascending service thresholds: a job with service ≥ thresholds[k] is below level k. */
  readonly thresholds: readonly number[];
  readonly starvationMs: number | undefined;
}

export class LasQueue<T extends Queueable> extends ProgramLevelsQueue<T> {
  constructor(
    private readonly options: LasOptions,
    context: QueueContext<T>,
  ) {
    super(context, { service: options.service, starvationMs: options.starvationMs }, options.thresholds.length + 1);
  }

  protected topLevelOf(): number {
    return 0;
  }

  protected initialLevel(): number {
    return 0;
  }

  /** The number of thresholds the job's total service has reached (a promoted job falls back at its next charge). */
  protected levelAfterService(job: JobRecord<T>): number {
    let level = 0;
    while (level < this.options.thresholds.length && job.service >= (this.options.thresholds[level] as number)) level += 1;
    return level;
  }
}

const DEFAULT_THRESHOLDS = { tokens: [4000, 16_000, 64_000, 256_000], provider_ms: [5000, 20_000, 80_000, 320_000] } as const;

export const lasKind = defineQueueKind({
  kind: "las",
  summary: "least attained service per job (all its tasks share one counter), in levels; long waits are promoted",
  options: {
    /** What attained service counts: tokens (input + output) or provider time. */
    service: z.enum(["tokens", "provider_ms"]).default("tokens"),
    /** Geometric, ×4 from one typical request: 4k, 16k, 64k, 256k tokens, or 5 s, 20 s, 80 s, 320 s. */
    thresholds: z
      .array(z.number().positive())
      .min(1)
      .refine((values) => values.every((value, index) => index === 0 || value > (values[index - 1] as number)), "thresholds must ascend")
      .optional(),
    /** 60 s (schedlab's choice; Autellix does not publish one): about ten times a typical request's latency. */
    starvation_ms: z.number().positive().optional().default(60_000),
  },
  create: (options, context) =>
    new LasQueue(
      { service: options.service, thresholds: options.thresholds ?? DEFAULT_THRESHOLDS[options.service], starvationMs: options.starvation_ms },
      context,
    ),
});
