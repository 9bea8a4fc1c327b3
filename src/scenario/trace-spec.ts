// A scenario's traces as the simulator takes them: the preset's layout with the file's overrides, and the
// JSON path of each trace for messages.

import { PRESET_LAYOUTS, type TraceLayout } from "../trace/presets.ts";
import type { TraceFile, WorkloadFile } from "./trace-schema.ts";
import type { TraceSpec } from "./types.ts";

/** `workload.trace` and every `workload.traces[i]`, with their paths. */
export function traceFilesOf(workload: WorkloadFile | undefined): { path: string; trace: TraceFile }[] {
  if (workload === undefined) return [];
  const listed = (workload.traces ?? []).map((trace, index) => ({ path: `workload.traces[${index}]`, trace }));
  return workload.trace === undefined ? listed : [{ path: "workload.trace", trace: workload.trace }, ...listed];
}

export function traceSpecOf(path: string, trace: TraceFile, firstTemplate: string, maxLines: number): TraceSpec {
  const layout: Partial<TraceLayout> = trace.preset === undefined ? {} : PRESET_LAYOUTS[trace.preset];
  const { columns } = trace;
  const timestampUnit = trace.timestamp_unit ?? layout.timestampUnit ?? "s";
  return {
    path,
    file: trace.file,
    format: trace.format ?? layout.format ?? (/\.jsonl?$/i.test(trace.file) ? "jsonl" : "csv"),
    columns: {
      timestamp: columns.timestamp ?? layout.columns?.timestamp ?? "",
      inputTokens: columns.input_tokens ?? layout.columns?.inputTokens ?? "",
      outputTokens: columns.output_tokens ?? layout.columns?.outputTokens ?? "",
      template: columns.template,
      lane: columns.lane,
      tenant: columns.tenant,
      provider: columns.provider,
    },
    timestampUnit,
    timestamps: trace.timestamps ?? layout.timestamps ?? (timestampUnit === "iso" ? "absolute" : "relative"),
    rateScale: trace.rate_scale,
    window: { startMs: trace.window.start_ms, endMs: trace.window.end_ms },
    template: trace.template ?? firstTemplate,
    maxLines,
  };
}
