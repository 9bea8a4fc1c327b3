// A trace file that cannot be replayed, naming the file, the line and (for a bad value) the column.

export class TraceError extends Error {
  override name = "TraceError";
  constructor(
    readonly file: string,
    /** From 1; 0 for a problem of the whole file (it cannot be opened). */
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}${line > 0 ? `:${line}` : ""}: ${detail}`);
  }
}
