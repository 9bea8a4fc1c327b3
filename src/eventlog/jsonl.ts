// Writing and reading the JSONL event log. The writer buffers and writes synchronously to a temporary file
// that is renamed into place on close, so a failed run never leaves a half-written log behind.

import { readFileSync } from "node:fs";
import type { EventSink, LogEvent, LoggedEvent } from "./events.ts";
import { StagedFile } from "./staged-file.ts";

export class JsonlWriter implements EventSink {
  private readonly file: StagedFile;

  constructor(readonly path: string) {
    this.file = new StagedFile(path);
  }

  record(seq: number, timeMs: number, event: LogEvent): void {
    this.file.write(`${JSON.stringify({ seq, t: timeMs, ...event })}\n`);
  }

  /** Finishes the file and moves it into place. */
  close(): void {
    this.file.commit();
  }

  /** Drops the partial file: the run failed. */
  abandon(): void {
    this.file.abandon();
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
