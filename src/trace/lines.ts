// A trace file read in blocks of whole lines, synchronously, so that the simulation can pull rows as it
// consumes arrivals and a 10M-line file never sits in memory whole. Checks the encoding (UTF-8, a BOM
// allowed) and the length of every line, naming the line of the first problem.

import { closeSync, openSync, readSync } from "node:fs";
import { TraceError } from "./trace-error.ts";

const BLOCK_BYTES = 1 << 16;
/** Longer lines are refused rather than buffered: no public trace has rows anywhere near this. */
export const MAX_LINE_BYTES = 1 << 20;
const NEWLINE = 0x0a;
const EMPTY = new Uint8Array(0);

export class LineBlocks {
  private readonly descriptor: number;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  /** Bytes after the last newline read so far: the start of a line not yet whole. */
  private pending: Uint8Array = EMPTY;
  private ended = false;
  /** The number of the first line of the next block, from 1. */
  private nextLine = 1;

  constructor(readonly file: string) {
    try {
      this.descriptor = openSync(file, "r");
    } catch (error) {
      throw new TraceError(file, 0, `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }

  /** The first line number of the block `next` returns. */
  get firstLine(): number {
    return this.nextLine;
  }

  /** The text of the next whole lines (the last one may lack its newline at the end of the file); undefined at the end. */
  next(): string | undefined {
    for (;;) {
      if (this.ended) {
        if (this.pending.length === 0) return undefined;
        const rest = this.pending;
        this.pending = EMPTY;
        return this.decode(rest, true);
      }
      const block = new Uint8Array(BLOCK_BYTES);
      const read = readSync(this.descriptor, block, 0, BLOCK_BYTES, null);
      if (read === 0) {
        this.close();
        continue;
      }
      const data = this.pending.length === 0 ? block.subarray(0, read) : concat(this.pending, block.subarray(0, read));
      const lastNewline = data.lastIndexOf(NEWLINE);
      if (lastNewline < 0) {
        if (data.length > MAX_LINE_BYTES) this.fail(this.nextLine, `is longer than ${MAX_LINE_BYTES} bytes`);
        this.pending = data;
        continue;
      }
      // Only the first line can have grown across blocks: every other line lies within this one.
      if (data.indexOf(NEWLINE) > MAX_LINE_BYTES) this.fail(this.nextLine, `is longer than ${MAX_LINE_BYTES} bytes`);
      this.pending = data.slice(lastNewline + 1);
      if (this.pending.length > MAX_LINE_BYTES) this.fail(this.nextLine + countNewlines(data), `is longer than ${MAX_LINE_BYTES} bytes`);
      return this.decode(data.subarray(0, lastNewline + 1), false);
    }
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    closeSync(this.descriptor);
  }

  private decode(bytes: Uint8Array, last: boolean): string {
    let text: string;
    try {
      text = this.decoder.decode(bytes, { stream: !last });
    } catch {
      this.fail(this.nextLine + badLineIndex(bytes), "is not UTF-8 text (save the trace as UTF-8)");
    }
    this.nextLine += countNewlines(bytes);
    return text;
  }

  private fail(line: number, detail: string): never {
    this.close();
    throw new TraceError(this.file, line, detail);
  }
}

function concat(first: Uint8Array, second: Uint8Array): Uint8Array {
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first, 0);
  joined.set(second, first.length);
  return joined;
}

function countNewlines(bytes: Uint8Array): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE); at >= 0; at = bytes.indexOf(NEWLINE, at + 1)) count += 1;
  return count;
}

/** Which line of a block (from 0) does not decode; blocks hold whole lines, so each decodes on its own. */
function badLineIndex(bytes: Uint8Array): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let index = 0;
  let start = 0;
  for (;;) {
    const end = bytes.indexOf(NEWLINE, start);
    try {
      decoder.decode(bytes.subarray(start, end < 0 ? bytes.length : end));
    } catch {
      return index;
    }
    if (end < 0) return index;
    start = end + 1;
    index += 1;
  }
}
