// The column layouts of the public LLM serving traces, as presets a scenario names instead of mapping every
// column: Azure LLM inference (CSV, ISO timestamps), BurstGPT (CSV, seconds) and Mooncake (JSONL, milliseconds).

import { parse } from "csv-parse/sync";

export const TRACE_PRESETS = ["azure_llm", "burstgpt", "mooncake"] as const;
export type TracePreset = (typeof TRACE_PRESETS)[number];

export type TraceFormat = "csv" | "jsonl";
/** `iso`: date-time text; `s` and `ms`: numbers of seconds or milliseconds. */
export type TimestampUnit = "iso" | "s" | "ms";
/** `absolute`: points in time, the first row's is the start; `relative`: offsets from the start of the trace. */
export type TimestampKind = "absolute" | "relative";

/** Which column holds what; the optional ones override the row's template. */
export interface TraceColumns {
  readonly timestamp: string;
  readonly inputTokens: string;
  readonly outputTokens: string;
  readonly lane?: string | undefined;
  readonly tenant?: string | undefined;
  readonly provider?: string | undefined;
  readonly template?: string | undefined;
}

export interface TraceLayout {
  readonly format: TraceFormat;
  readonly columns: TraceColumns;
  readonly timestampUnit: TimestampUnit;
  readonly timestamps: TimestampKind;
}

export const PRESET_LAYOUTS: Readonly<Record<TracePreset, TraceLayout>> = {
  azure_llm: {
    format: "csv",
    columns: { timestamp: "TIMESTAMP", inputTokens: "ContextTokens", outputTokens: "GeneratedTokens" },
    timestampUnit: "iso",
    timestamps: "absolute",
  },
  burstgpt: {
    format: "csv",
    columns: { timestamp: "Timestamp", inputTokens: "Request tokens", outputTokens: "Response tokens" },
    timestampUnit: "s",
    timestamps: "relative",
  },
  mooncake: {
    format: "jsonl",
    columns: { timestamp: "timestamp", inputTokens: "input_length", outputTokens: "output_length" },
    timestampUnit: "ms",
    timestamps: "relative",
  },
};

/** The preset whose layout a trace's first line shows (a CSV header, or a JSON object's keys), if any. */
export function presetOfFirstLine(line: string): TracePreset | undefined {
  const text = line.replace(/^\uFEFF/, "").trim();
  if (text.startsWith("{")) {
    const columns = PRESET_LAYOUTS.mooncake.columns;
    return [columns.timestamp, columns.inputTokens, columns.outputTokens].every((key) => text.includes(JSON.stringify(key))) ? "mooncake" : undefined;
  }
  let header: string[];
  try {
    header = (parse(text, { relax_column_count: true, trim: true }) as string[][])[0] ?? [];
  } catch {
    return undefined;
  }
  for (const preset of ["azure_llm", "burstgpt"] as const) {
    const columns = PRESET_LAYOUTS[preset].columns;
    if ([columns.timestamp, columns.inputTokens, columns.outputTokens].every((name) => header.includes(name))) return preset;
  }
  return undefined;
}
