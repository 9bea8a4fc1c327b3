// A file written as a run goes: buffered, written synchronously to a temporary name beside it, and renamed into
// place only when the run succeeds, so a failed or interrupted run never leaves a half-written file behind.
// The event log and the trace file both write through one.

import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";

const FLUSH_BYTES = 1 << 16;

/** Where a file is written before it is renamed into place: beside it, named for this process. */
export function temporaryPathFor(path: string): string {
  return `${path}.${process.pid}.tmp`;
}

export class StagedFile {
  private readonly temporaryPath: string;
  private readonly descriptor: number;
  private buffer = "";
  private done = false;

  constructor(readonly path: string) {
    this.temporaryPath = temporaryPathFor(path);
    this.descriptor = openSync(this.temporaryPath, "w");
  }

  /** Committed or abandoned: nothing more is written. */
  get closed(): boolean {
    return this.done;
  }

  write(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= FLUSH_BYTES) this.flush();
  }

  /** Writes what is buffered and moves the file into place. A second call does nothing. */
  commit(): void {
    if (this.done) return;
    this.flush();
    closeSync(this.descriptor);
    renameSync(this.temporaryPath, this.path);
    this.done = true;
  }

  /** Drops the partial file: the run failed. Does nothing once committed. */
  abandon(): void {
    if (this.done) return;
    closeSync(this.descriptor);
    rmSync(this.temporaryPath, { force: true });
    this.done = true;
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.descriptor, this.buffer);
    this.buffer = "";
  }
}
