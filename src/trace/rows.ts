// Trace records as arrivals: each row's time in the simulation (origin, window, rate scale), its token
// counts and the optional columns that choose its template, lane, tenant or provider, every value checked
// and a bad one reported by file, line and column. Rows must come in time order.

import { LANES, type Lane, type TraceSpec } from "../scenario/types.ts";
import { quote } from "../scenario/problems.ts";
import { type TraceRecords, openRecords } from "./records.ts";
import { finiteNumber, timestampMs } from "./timestamps.ts";
import { TraceError } from "./trace-error.ts";

/** More tokens than any model's context in one request is a broken row, not a workload. */
export const MAX_ROW_TOKENS = 100_000_000;
/** Distinct (template, lane, tenant, provider) a trace's columns may make: each is a job template of its own. */
export const MAX_ROW_KINDS = 10_000;
const MAX_NAME_LENGTH = 200;

export interface TraceRow {
  readonly line: number;
  /** When the row's job arrives in the simulation. */
  readonly timeMs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly template: string;
  readonly lane: Lane | undefined;
  readonly tenant: string | undefined;
  readonly provider: string | undefined;
}

/** The names a row's columns may take. */
export interface TraceNames {
  readonly templates: readonly string[];
  readonly providers: readonly string[];
}

const UNIT_NAMES = { iso: "an ISO 8601 date-time", s: "a number of seconds", ms: "a number of milliseconds" } as const;

export class TraceRows {
  private readonly records: TraceRecords;
  private originMs: number | undefined;
  private previousMs = -Infinity;
  private previousText = "";
  private readonly kinds = new Set<string>();
  private done = false;

  constructor(
    private readonly spec: TraceSpec,
    private readonly names: TraceNames,
  ) {
    this.records = openRecords(spec.file, spec.format);
    const { columns } = spec;
    for (const column of [columns.timestamp, columns.inputTokens, columns.outputTokens, columns.template, columns.lane, columns.tenant, columns.provider]) {
      if (column !== undefined) this.records.requireColumn(column);
    }
  }

  /** The next row within the window, or undefined when the trace (or its window) has ended. */
  next(): TraceRow | undefined {
    while (!this.done) {
      if (!this.records.next()) {
        this.close();
        return undefined;
      }
      if (this.records.line > this.spec.maxLines) this.fail(`the trace is longer than ${this.spec.maxLines} lines (limits.max_trace_lines)`);
      const traceMs = this.traceTimeMs();
      const { startMs, endMs } = this.spec.window;
      if (endMs !== undefined && traceMs >= endMs) {
        this.close();
        return undefined;
      }
      if (traceMs < startMs) continue;
      return this.row((traceMs - startMs) / this.spec.rateScale);
    }
    return undefined;
  }

  close(): void {
    this.done = true;
    this.records.close();
  }

  /** The row's time from the start of the trace, checked to be a timestamp no earlier than the row before. */
  private traceTimeMs(): number {
    const column = this.spec.columns.timestamp;
    const raw = this.records.value(column);
    const ms = timestampMs(raw, this.spec.timestampUnit);
    if (ms === undefined) this.failAt(column, `not ${UNIT_NAMES[this.spec.timestampUnit]} (got ${shown(raw)})`);
    if (ms < this.previousMs) this.failAt(column, `time goes back: ${shown(raw)} comes after ${this.previousText} (a trace must be in time order)`);
    this.previousMs = ms;
    this.previousText = shown(raw);
    this.originMs ??= this.spec.timestamps === "absolute" ? ms : 0;
    return ms - this.originMs;
  }

  private row(timeMs: number): TraceRow {
    const { columns } = this.spec;
    const row: TraceRow = {
      line: this.records.line,
      timeMs,
      inputTokens: this.tokens(columns.inputTokens),
      outputTokens: this.tokens(columns.outputTokens),
      template: columns.template === undefined ? this.spec.template : this.oneOf(columns.template, this.names.templates, "template"),
      lane: columns.lane === undefined ? undefined : (this.oneOf(columns.lane, LANES, "lane") as Lane),
      tenant: columns.tenant === undefined ? undefined : this.name(columns.tenant),
      provider: columns.provider === undefined ? undefined : this.oneOf(columns.provider, this.names.providers, "provider"),
    };
    if (columns.lane !== undefined || columns.tenant !== undefined || columns.provider !== undefined || columns.template !== undefined) this.countKind(row);
    return row;
  }

  private tokens(column: string): number {
    const raw = this.records.value(column);
    const value = finiteNumber(raw);
    if (value === undefined || !Number.isInteger(value) || value < 0 || value > MAX_ROW_TOKENS) {
      this.failAt(column, `not a whole number of tokens from 0 to ${MAX_ROW_TOKENS} (got ${shown(raw)})`);
    }
    return value;
  }

  private oneOf(column: string, allowed: readonly string[], what: string): string {
    const value = this.name(column);
    if (!allowed.includes(value)) this.failAt(column, `no ${what} is named ${quote(value)} (have: ${allowed.map(quote).join(", ")})`);
    return value;
  }

  private name(column: string): string {
    const raw = this.records.value(column);
    const value = typeof raw === "string" ? raw.trim() : undefined;
    if (value === undefined || value === "" || value.length > MAX_NAME_LENGTH) this.failAt(column, `not a name of 1 to ${MAX_NAME_LENGTH} characters (got ${shown(raw)})`);
    return value;
  }

  private countKind(row: TraceRow): void {
    const key = JSON.stringify([row.template, row.lane, row.tenant, row.provider]);
    if (this.kinds.has(key)) return;
    if (this.kinds.size >= MAX_ROW_KINDS) this.fail(`the columns make more than ${MAX_ROW_KINDS} distinct template, lane, tenant and provider combinations`);
    this.kinds.add(key);
  }

  private failAt(column: string, detail: string): never {
    this.fail(`column ${quote(column)}: ${detail}`);
  }

  private fail(detail: string): never {
    const line = this.records.line;
    this.close();
    throw new TraceError(this.spec.file, line, detail);
  }
}

function shown(raw: unknown): string {
  return raw === undefined ? "nothing" : typeof raw === "string" ? quote(raw) : quote(JSON.stringify(raw) ?? String(raw));
}
