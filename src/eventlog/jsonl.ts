// Writing and reading the JSONL event log. The writer buffers and writes synchronously to a temporary file
// that is renamed into place on close, so a failed run never leaves a half-written log behind.

import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import type { EventSink, LogEvent, LoggedEvent } from "./events.ts";

const FLUSH_BYTES = 1 << 16;

export class JsonlWriter implements EventSink {
  private readonly temporaryPath: string;
  private readonly descriptor: number;
  private buffer = "";
  private closed = false;

  constructor(readonly path: string) {
    this.temporaryPath = `${path}.${process.pid}.tmp`;
    this.descriptor = openSync(this.temporaryPath, "w");
  }

  record(seq: number, timeMs: number, event: LogEvent): void {
    this.buffer += `${JSON.stringify({ seq, t: timeMs, ...event })}\n`;
    if (this.buffer.length >= FLUSH_BYTES) this.flush();
  }

  /** Finishes the file and moves it into place. */
  close(): void {
    if (this.closed) return;
    this.flush();
    closeSync(this.descriptor);
    renameSync(this.temporaryPath, this.path);
    this.closed = true;
  }

  /** Drops the partial file: the run failed. */
  abandon(): void {
    if (this.closed) return;
    closeSync(this.descriptor);
    rmSync(this.temporaryPath, { force: true });
    this.closed = true;
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.descriptor, this.buffer);
    this.buffer = "";
  }
}

/** Collects events in memory as the lines they would be (tests, hashing). */
export class MemoryLog implements EventSink {
  readonly lines: string[] = [];
  record(seq: number, timeMs: number, event: LogEvent): void {
    this.lines.push(JSON.stringify({ seq, t: timeMs, ...event }));
  }
  text(): string {
    return this.lines.length === 0 ? "" : `${this.lines.join("\n")}\n`;
  }
}

export function parseJsonl(text: string): LoggedEvent[] {
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as LoggedEvent);
}

export function readJsonl(path: string): LoggedEvent[] {
  return parseJsonl(readFileSync(path, "utf8"));
}
