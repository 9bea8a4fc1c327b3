// One pass over a whole trace before any run: every row is checked (so that a bad row fails the command
// before a report is written, not hours into a run) and counted, in constant memory.

import type { TraceSpec } from "../scenario/types.ts";
import { type TraceNames, TraceRows } from "./rows.ts";

export interface TraceTotals {
  /** Rows within the window: the jobs the trace makes. */
  readonly rows: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Simulation time of the last row's arrival (0 for an empty trace). */
  readonly lastMs: number;
}

export function scanTrace(spec: TraceSpec, names: TraceNames): TraceTotals {
  const rows = new TraceRows(spec, names);
  let count = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let lastMs = 0;
  for (let row = rows.next(); row !== undefined; row = rows.next()) {
    count += 1;
    inputTokens += row.inputTokens;
    outputTokens += row.outputTokens;
    lastMs = row.timeMs;
  }
  return { rows: count, inputTokens, outputTokens, lastMs };
}
