// The checks of a scenario's traces: how traces, synthetic arrivals and the stop condition go together, the
// files named relative to the scenario that names them (or given by --trace-in), and a full pass over every
// trace, so that a bad row fails before a run starts and writes anything.

import { dirname, isAbsolute, join } from "node:path";
import { LineBlocks } from "../trace/lines.ts";
import { TRACE_PRESETS, presetOfFirstLine } from "../trace/presets.ts";
import { scanTrace } from "../trace/scan.ts";
import { TraceError } from "../trace/trace-error.ts";
import { type OriginTree, originOf } from "./extends.ts";
import type { Problem } from "./problems.ts";
import { quote } from "./problems.ts";
import { isRecord } from "./schema-paths.ts";
import { didYouMean, haveList } from "./suggest.ts";
import type { Scenario } from "./types.ts";

/** Synthetic arrivals need a stop; a scenario needs some arrivals; `trace` and `traces` do not go together. */
export function workloadProblems(raw: Readonly<Record<string, unknown>>): Problem[] {
  const workload = isRecord(raw.workload) ? raw.workload : {};
  const traced = workload.trace !== undefined || workload.traces !== undefined;
  const problems: Problem[] = [];
  if (workload.trace !== undefined && workload.traces !== undefined) {
    problems.push({ path: "workload.traces", message: "give workload.trace (one trace) or workload.traces (a list), not both" });
  }
  if (raw.arrivals === undefined && !traced) problems.push({ path: "arrivals", message: "required: give arrivals, a workload.trace, or both" });
  if (raw.arrivals !== undefined && raw.stop === undefined) problems.push({ path: "stop", message: "required with arrivals: give jobs, duration_ms, or both" });
  const templates = Array.isArray(raw.templates) ? raw.templates.map((template: unknown) => (isRecord(template) ? template.name : undefined)).filter((name): name is string => typeof name === "string") : [];
  const drawn = isRecord(raw.arrivals) && Array.isArray(raw.arrivals.templates) ? (raw.arrivals.templates as unknown[]) : [];
  drawn.forEach((name, index) => {
    if (typeof name === "string" && !templates.includes(name)) {
      problems.push({ path: `arrivals.templates[${index}]`, message: `no template is named ${quote(name)}${didYouMean(name, templates)} ${haveList(templates)}` });
    }
  });
  return problems;
}

/**
 * The document with each trace's file found from the folder of the scenario file that names it, and with
 * `traceIn` (a file from the working folder) in place of the first trace, or of the synthetic arrivals when
 * there is no trace (its layout told by its first line). A problem when that layout matches no preset.
 */
export function withTraceFiles(document: unknown, origins: OriginTree, traceIn: string | undefined): { document: unknown; problem?: Problem } {
  if (!isRecord(document)) return { document };
  const copy = structuredClone(document) as Record<string, unknown>;
  const workload = isRecord(copy.workload) ? copy.workload : undefined;
  const traces = traceEntries(workload);
  for (const { path, entry } of traces) {
    if (typeof entry.file !== "string" || isAbsolute(entry.file)) continue;
    entry.file = join(dirname(originOf(origins, [...path, "file"])), entry.file);
  }
  if (traceIn === undefined) return { document: copy };
  const first = traces[0];
  if (first !== undefined) {
    first.entry.file = traceIn;
    return { document: copy };
  }
  const preset = presetOfFile(traceIn);
  if (typeof preset !== "string") return { document: copy, problem: { path: "workload.trace", message: `--trace-in ${preset.message}` } };
  copy.workload = { ...workload, trace: { file: traceIn, preset } };
  delete copy.arrivals;
  return { document: copy };
}

/** Every trace read through once; the first bad row of each is a problem at the trace's path. `rows`: each trace's rows. */
export function traceProblems(scenario: Scenario): { problems: Problem[]; rows: number[] } {
  const names = { templates: scenario.templates.map((template) => template.name), providers: scenario.providers.map((provider) => provider.name) };
  const problems: Problem[] = [];
  const rows: number[] = [];
  for (const spec of scenario.traces) {
    rows.push(0);
    if (!names.templates.includes(spec.template)) {
      problems.push({ path: `${spec.path}.template`, message: `no template is named ${quote(spec.template)} (have: ${names.templates.map(quote).join(", ")})` });
      continue;
    }
    try {
      rows[rows.length - 1] = scanTrace(spec, names).rows;
    } catch (error) {
      if (!(error instanceof TraceError)) throw error;
      problems.push({ path: spec.path, message: error.message });
    }
  }
  return { problems, rows };
}

function traceEntries(workload: Record<string, unknown> | undefined): { path: PropertyKey[]; entry: Record<string, unknown> }[] {
  if (workload === undefined) return [];
  const entries: { path: PropertyKey[]; entry: Record<string, unknown> }[] = [];
  if (isRecord(workload.trace)) entries.push({ path: ["workload", "trace"], entry: workload.trace });
  if (Array.isArray(workload.traces)) {
    workload.traces.forEach((entry: unknown, index) => {
      if (isRecord(entry)) entries.push({ path: ["workload", "traces", index], entry });
    });
  }
  return entries;
}

/** The preset a trace file's first line shows, or the problem of telling it. */
function presetOfFile(file: string): string | TraceError {
  let firstLine: string;
  try {
    const blocks = new LineBlocks(file);
    firstLine = blocks.next()?.split("\n")[0] ?? "";
    blocks.close();
  } catch (error) {
    if (error instanceof TraceError) return error;
    throw error;
  }
  return presetOfFirstLine(firstLine) ?? new TraceError(file, 1, `matches no preset's layout (${TRACE_PRESETS.join(", ")}): name the columns in the scenario's workload.trace`);
}
