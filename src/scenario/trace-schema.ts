// The `workload` block of a scenario file: traces to replay as arrivals (docs/traces.md). A preset gives a
// public trace's layout; any field given beside it overrides the preset's.

import { z } from "zod";
import { TRACE_PRESETS } from "../trace/presets.ts";

const column = z.string().min(1);

const columnsSchema = z.strictObject({
  timestamp: column.optional(),
  input_tokens: column.optional(),
  output_tokens: column.optional(),
  /** Optional columns whose values override the row's template, lane, tenant or provider. */
  template: column.optional(),
  lane: column.optional(),
  tenant: column.optional(),
  provider: column.optional(),
});

export const traceSchema = z
  .strictObject({
    /** The trace file, relative to the scenario file that names it. */
    file: z.string().min(1),
    preset: z.enum(TRACE_PRESETS).optional(),
    format: z.enum(["csv", "jsonl"]).optional(),
    columns: columnsSchema.default({}),
    timestamp_unit: z.enum(["iso", "s", "ms"]).optional(),
    timestamps: z.enum(["absolute", "relative"]).optional(),
    /** Trace time is divided by it: 2 replays the trace at twice its load. */
    rate_scale: z.number().positive().max(1_000_000).default(1),
    window: z
      .strictObject({ start_ms: z.number().nonnegative().default(0), end_ms: z.number().positive().optional() })
      .refine((value) => value.end_ms === undefined || value.end_ms > value.start_ms, { path: ["end_ms"], message: "end_ms must be after start_ms" })
      .default({ start_ms: 0 }),
    /** The template every row follows unless a template column names another; the first template by default. */
    template: z.string().min(1).optional(),
  })
  .superRefine((value, context) => {
    if (value.preset !== undefined) return;
    for (const key of ["timestamp", "input_tokens", "output_tokens"] as const) {
      if (value.columns[key] === undefined) context.addIssue({ code: "custom", path: ["columns", key], message: "required without a preset: the column that holds it" });
    }
    if (value.timestamp_unit === undefined) context.addIssue({ code: "custom", path: ["timestamp_unit"], message: 'required without a preset: "iso", "s" or "ms"' });
  });

/** At most this many traces in one scenario: each is an open file and a row in memory while it replays. */
export const MAX_TRACES = 16;

export const workloadSchema = z.strictObject({
  trace: traceSchema.optional(),
  traces: z.array(traceSchema).min(1).max(MAX_TRACES).optional(),
});

export type TraceFile = z.output<typeof traceSchema>;
export type WorkloadFile = z.output<typeof workloadSchema>;
