// Trace rows as records of named fields: CSV through csv-parse (the first line is the header), JSONL one
// JSON object per line. Both pull blocks of lines (lines.ts) only as rows are asked for.

import { type CsvError, Parser } from "csv-parse";
import { quote } from "../scenario/problems.ts";
import { LineBlocks } from "./lines.ts";
import type { TraceFormat } from "./presets.ts";
import { TraceError } from "./trace-error.ts";

export interface TraceRecords {
  /** Moves to the next record; false at the end of the file. */
  next(): boolean;
  /** The line the current record is on. */
  readonly line: number;
  /** The current record's value of a column: a string (CSV), any JSON value (JSONL), or undefined when absent. */
  value(column: string): unknown;
  /** Throws unless every record can have the column (a CSV header names it; a JSON line is checked per row). */
  requireColumn(column: string): void;
  close(): void;
}

export function openRecords(file: string, format: TraceFormat): TraceRecords {
  return format === "csv" ? new CsvRecords(file) : new JsonlRecords(file);
}

interface ParsedRecord {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

class CsvRecords implements TraceRecords {
  private readonly blocks: LineBlocks;
  private readonly parser = new Parser({ info: true, relax_column_count: true, skip_empty_lines: true, bom: true, trim: true });
  private readonly header: ReadonlyMap<string, number>;
  private readonly headerNames: readonly string[];
  private queue: ParsedRecord[] = [];
  private head = 0;
  private ended = false;
  private current: readonly string[] = [];
  line = 0;

  constructor(readonly file: string) {
    this.blocks = new LineBlocks(file);
    // Errors are read from `parser.errored` right after each write; the event would only repeat them.
    this.parser.on("error", () => undefined);
    if (!this.pull()) this.fail(1, "is empty: a CSV trace starts with a header line");
    this.headerNames = this.current.map((name) => name.trim());
    this.header = new Map(this.headerNames.map((name, index) => [name, index]));
  }

  next(): boolean {
    if (!this.pull()) return false;
    if (this.current.length !== this.headerNames.length) {
      this.fail(this.line, `has ${this.current.length} fields where the header has ${this.headerNames.length}`);
    }
    return true;
  }

  value(column: string): unknown {
    const index = this.header.get(column);
    return index === undefined ? undefined : this.current[index];
  }

  requireColumn(column: string): void {
    if (!this.header.has(column)) this.fail(1, `no column ${quote(column)} in the header (have: ${this.headerNames.map(quote).join(", ")})`);
  }

  close(): void {
    this.blocks.close();
  }

  private pull(): boolean {
    while (this.head >= this.queue.length) {
      if (this.ended) return false;
      this.queue = [];
      this.head = 0;
      const text = this.blocks.next();
      if (text === undefined) {
        this.ended = true;
        this.parser.end();
      } else {
        this.parser.write(text);
      }
      for (let parsed = this.parser.read() as ParsedRecord | null; parsed !== null; parsed = this.parser.read() as ParsedRecord | null) this.queue.push(parsed);
      const error = this.parser.errored as CsvError | null;
      if (error !== null) this.fail((error as CsvError & { lines?: number }).lines ?? this.blocks.firstLine, oneLine(error.message));
    }
    const parsed = this.queue[this.head] as ParsedRecord;
    this.head += 1;
    this.current = parsed.record;
    this.line = parsed.info.lines;
    return true;
  }

  private fail(line: number, detail: string): never {
    this.close();
    throw new TraceError(this.file, line, detail);
  }
}

class JsonlRecords implements TraceRecords {
  private readonly blocks: LineBlocks;
  private lines: string[] = [];
  private head = 0;
  private firstLine = 1;
  private current: Readonly<Record<string, unknown>> = {};
  line = 0;

  constructor(readonly file: string) {
    this.blocks = new LineBlocks(file);
  }

  next(): boolean {
    for (;;) {
      while (this.head >= this.lines.length) {
        this.firstLine = this.blocks.firstLine;
        const text = this.blocks.next();
        if (text === undefined) return false;
        this.lines = text.split("\n");
        this.head = 0;
      }
      const text = this.lines[this.head] as string;
      this.line = this.firstLine + this.head;
      this.head += 1;
      if (text.trim() === "") continue;
      this.current = this.parse(text);
      return true;
    }
  }

  value(column: string): unknown {
    return Object.hasOwn(this.current, column) ? this.current[column] : undefined;
  }

  requireColumn(): void {
    // Each line is an object of its own: a missing key is found on the line that lacks it.
  }

  close(): void {
    this.blocks.close();
  }

  private parse(text: string): Readonly<Record<string, unknown>> {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.fail(`is not JSON (${oneLine((error as Error).message)})`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) this.fail("is not a JSON object");
    return value as Readonly<Record<string, unknown>>;
  }

  private fail(detail: string): never {
    this.blocks.close();
    throw new TraceError(this.file, this.line, detail);
  }
}

/** A parser's message on one short line: no newline of the input can reach the terminal. */
function oneLine(message: string): string {
  const flat = message.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}
